// The web chat example (examples/web-chat) as two people use it: the page built once with Vite,
// served from a temporary folder, two Chromium contexts as Alice and Bob on a real server. They
// chat (text, an image, ticks, typing), Bob's network drops while Alice writes, and when it comes
// back Bob's conversation holds every message once, in order; history pages fill it in again.
// Leaves screenshots in test-artifacts/ (web-chat.png is the README's, copied to docs/).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing as isChromiumMissing, launchChromium } from "./support/chromium.js";
import { uniqueName } from "./support/fixtures.js";
import { startServer, type TestServer } from "./support/server.js";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.js";

const ARTIFACTS = join(process.cwd(), "test-artifacts");
const EXAMPLE = join(process.cwd(), "examples/web-chat");
const chromiumMissing = isChromiumMissing("web chat browser test");
const VIEWPORT = { width: 900, height: 620 };
/** Small history pages, so that a short conversation needs several. */
const PAGE_SIZE = 3;

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

/** A static file server for the built page. */
async function serveFolder(root: string): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const path = normalize(new URL(request.url ?? "/", "http://x").pathname).replace(/^\/+/, "") || "index.html";
    const file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file)) return void response.writeHead(404).end();
    response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The conversation as shown: each message's text, "[image]" for an image. */
function conversation(page: Page): Promise<string[]> {
  return page.$$eval(".messages li.message", (items) =>
    items.map((item) => (item.querySelector("img") ? "[image]" : (item.firstChild?.textContent ?? ""))),
  );
}

const lastTick = (page: Page) => page.locator(".message.mine .ticks").last().getAttribute("data-status");

async function registerInPage(page: Page, url: string, username: string): Promise<string> {
  await page.goto(url);
  await page.getByLabel("Username").fill(username);
  await page.getByRole("button", { name: "Register as a new user" }).click();
  await expect.poll(() => page.locator(".me").textContent(), { timeout: 15_000 }).toBe(username);
  await expect.poll(() => page.locator(".state").textContent()).toBe("connected");
  return (await page.locator(".me").getAttribute("title"))!;
}

async function sendInPage(page: Page, text: string): Promise<void> {
  await page.getByPlaceholder("Message").fill(text);
  await page.getByPlaceholder("Message").press("Enter");
  await page.locator(".message.mine", { hasText: text }).waitFor();
}

describe.skipIf(chromiumMissing)("web chat example in a browser", () => {
  let server: TestServer;
  let proxy: TcpProxy;
  let site: { url: string; server: Server };
  let browser: Browser;
  let outDir: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!existsSync(join(process.cwd(), "client/dist/src/index.js"))) throw new Error("@parley/client is not built: npm run build (or npm run build:client) first");
    outDir = mkdtempSync(join(tmpdir(), "parley-web-chat-"));
    await build({ root: EXAMPLE, configFile: join(EXAMPLE, "vite.config.ts"), logLevel: "warn", build: { outDir, emptyOutDir: true } });
    site = await serveFolder(outDir);
    server = await startServer();
    proxy = await startTcpProxy(server);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await proxy?.close();
    await new Promise((resolve) => site?.server.close(resolve));
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it("two people chat; one's network drops and comes back with every message once, in order", { timeout: 180_000 }, async () => {
    const pages: Page[] = [];
    for (let i = 0; i < 2; i++) {
      const context = await browser.newContext({ viewport: VIEWPORT });
      contexts.push(context);
      pages.push(await context.newPage());
    }
    const [alicePage, bobPage] = pages as [Page, Page];
    const bobContext = contexts[1]!;
    // Bob reaches the server through a proxy whose link the test can cut.
    const aliceName = uniqueName("alice");
    const bobName = uniqueName("bob");
    const aliceJid = await registerInPage(alicePage, `${site.url}/?pageSize=${PAGE_SIZE}&server=${encodeURIComponent(server.graphqlUrl)}`, aliceName);
    await registerInPage(bobPage, `${site.url}/?pageSize=${PAGE_SIZE}&server=${encodeURIComponent(proxy.graphqlUrl)}`, bobName);

    // Alice opens a chat with Bob by his username and writes; Bob sees an unread chat.
    await alicePage.getByPlaceholder("Chat with (username)").fill(bobName);
    await alicePage.getByPlaceholder("Chat with (username)").press("Enter");
    await expect.poll(() => alicePage.locator(".peer").textContent()).toBe(bobName);
    await sendInPage(alicePage, "Hello Bob");
    const bobsChat = bobPage.locator(`.chats li[data-jid="${aliceJid}"]`);
    await expect.poll(() => bobsChat.locator(".unread").textContent(), { timeout: 15_000 }).toBe("1");
    await expect.poll(() => lastTick(alicePage)).toBe("DELIVERED");

    // Bob opens it: Alice's ticks turn to seen, the unread count goes.
    await bobsChat.click();
    await expect.poll(() => conversation(bobPage)).toEqual(["Hello Bob"]);
    await expect.poll(() => lastTick(alicePage)).toBe("SEEN");
    await expect.poll(() => bobsChat.locator(".unread").count()).toBe(0);

    // Bob types: Alice sees it; his message ends it.
    await bobPage.getByPlaceholder("Message").pressSequentially("Hi Al");
    await alicePage.locator(".typing").waitFor({ state: "visible" });
    await bobPage.getByPlaceholder("Message").fill("Hi Alice");
    await bobPage.getByPlaceholder("Message").press("Enter");
    await expect.poll(() => conversation(alicePage)).toEqual(["Hello Bob", "Hi Alice"]);
    await alicePage.locator(".typing").waitFor({ state: "hidden" });

    // An image: uploaded to POST /media, sent by its fileToken, shown to Bob as its thumbnail.
    const png = await sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 37, g: 99, b: 235 } } })
      .composite([{ input: Buffer.from('<svg width="320" height="200"><circle cx="160" cy="100" r="70" fill="#fde68a"/></svg>') }])
      .png()
      .toBuffer();
    await alicePage.locator('input[name="image"]').setInputFiles({ name: "sun.png", mimeType: "image/png", buffer: png });
    await expect.poll(() => conversation(bobPage), { timeout: 15_000 }).toEqual(["Hello Bob", "Hi Alice", "[image]"]);
    await expect.poll(() => lastTick(alicePage)).toBe("SEEN");

    // Bob's network drops: the browser is offline and the link to the server is cut (Chromium's
    // offline mode alone leaves an open WebSocket as it is).
    await bobContext.setOffline(true);
    proxy.cut();
    await expect.poll(() => bobPage.locator(".state").textContent(), { timeout: 30_000 }).toBe("reconnecting");
    const whileAway = ["Are you there?", "I sent a picture", "of the sun", "call me", "bye for now"];
    for (const text of whileAway) await sendInPage(alicePage, text);
    expect(await lastTick(alicePage)).toBe("SENT");

    // Back online: the SDK reconnects and replays what it missed.
    proxy.heal();
    await bobContext.setOffline(false);
    await expect.poll(() => bobPage.locator(".state").textContent(), { timeout: 60_000 }).toBe("connected");
    const everything = ["Hello Bob", "Hi Alice", "[image]", ...whileAway];
    await expect.poll(() => conversation(bobPage), { timeout: 30_000 }).toEqual(everything);
    await expect.poll(() => lastTick(alicePage), { timeout: 15_000 }).toBe("SEEN");

    // For the README: Bob typing, both screens side by side.
    await bobPage.getByPlaceholder("Message").pressSequentially("Sorry, I was offline");
    await alicePage.locator(".typing").waitFor({ state: "visible" });
    mkdirSync(ARTIFACTS, { recursive: true });
    const shots = await Promise.all(pages.map((page) => page.screenshot()));
    for (const [i, who] of ["alice", "bob"].entries()) await sharp(shots[i]).toFile(join(ARTIFACTS, `web-chat-${who}.png`));
    await sharp({ create: { width: VIEWPORT.width * 2 + 8, height: VIEWPORT.height, channels: 3, background: "#9aa4ae" } })
      .composite([
        { input: shots[0]!, left: 0, top: 0 },
        { input: shots[1]!, left: VIEWPORT.width + 8, top: 0 },
      ])
      .png()
      .toFile(join(ARTIFACTS, "web-chat.png"));

    // History pages: reopened, the chat shows the newest page; "Load older" brings back the rest.
    await bobsChat.click();
    await expect.poll(() => conversation(bobPage)).toEqual(everything.slice(-PAGE_SIZE));
    while (await bobPage.locator(".older").isVisible()) {
      const before = (await conversation(bobPage)).length;
      await bobPage.locator(".older").click();
      await expect.poll(async () => (await conversation(bobPage)).length).toBeGreaterThan(before);
    }
    expect(await conversation(bobPage)).toEqual(everything);
  });
});
