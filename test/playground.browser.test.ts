// The playground as a person uses it: headless Chromium opens GET /graphql on a real server, runs
// register and connect from the editor, puts the token in the headers editor, and sees a message
// sent by another client arrive on a messageReceived subscription; a subscription without a valid
// token shows the close reason once. Leaves screenshots in
// test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing as isChromiumMissing } from "./support/chromium.js";
import { registerUser, sendText, uniqueName } from "./support/fixtures.js";
import { startServer, type TestServer } from "./support/server.js";

const ARTIFACTS = join(process.cwd(), "test-artifacts");
const chromiumMissing = isChromiumMissing("playground browser test");

const queryEditor = (page: Page) => page.locator(".graphiql-query-editor .monaco-editor").first();
const headersEditor = (page: Page) => page.locator(".graphiql-editor-tool .monaco-editor").last();
const shownResult = (page: Page) => shownText(page.locator(".graphiql-response").first());
/** The result pane's text with whitespace collapsed: it wraps long lines. */
const shownResultFlat = async (page: Page) => (await shownResult(page)).replace(/\s+/g, " ");

/** An editor's text as shown; Monaco renders spaces as no-break spaces. */
async function shownText(editor: Locator): Promise<string> {
  return (await editor.locator(".view-lines").first().innerText()).replace(/\u00a0/g, " ");
}

/**
 * Replaces an editor's content as a person would: click, select all, type. insertText enters the
 * text as one input event, because typing key by key would fight the editor's auto-closing
 * brackets and completion popup. A click that lands while the editor is still settling (right
 * after load, or after a panel closed) can miss the focus, so this polls until the editor shows
 * exactly the text.
 */
async function typeInto(page: Page, editor: Locator, text: string): Promise<void> {
  await expect
    .poll(async () => {
      if ((await shownText(editor)) === text) return text;
      await editor.click();
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.press("Backspace");
      await page.keyboard.insertText(text);
      return shownText(editor);
    })
    .toBe(text);
}

/**
 * Types a named operation into the query editor and waits until the IDE has parsed it (the tab
 * takes the operation's name): the IDE picks HTTP or WebSocket from its parsed document, so a
 * click before that would send the previous operation's kind.
 */
async function enterOperation(page: Page, name: string, operation: string): Promise<void> {
  await typeInto(page, queryEditor(page), operation);
  await page.locator(".graphiql-tab-active").getByText(name, { exact: true }).waitFor();
}

/** Runs the operation in the editor and returns the JSON body of the HTTP response it caused. */
async function runOverHttp(page: Page, operationName: string): Promise<Record<string, any>> {
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => r.url().endsWith("/graphql") && r.request().method() === "POST" && r.request().postDataJSON()?.operationName === operationName,
    ),
    page.getByRole("button", { name: /Execute query/ }).click(),
  ]);
  return (await response.json()) as Record<string, any>;
}

describe.skipIf(chromiumMissing)("playground in a browser", () => {
  let server: TestServer;
  let context: BrowserContext;
  let userDataDir: string;
  const offsite: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    userDataDir = mkdtempSync(join(tmpdir(), "parley-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 860 },
    });
    context.on("request", (request) => {
      if (!request.url().startsWith(server.url) && !request.url().startsWith("blob:") && !request.url().startsWith("data:")) {
        offsite.push(request.url());
      }
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it("loads offline, registers and connects from the editor, and shows a message sent by another client", { timeout: 90_000 }, async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.graphqlUrl);
    await expect.poll(() => page.title()).toBe("Parley — GraphQL playground");
    await queryEditor(page).waitFor({ timeout: 30_000 });

    // The schema reached the page: the docs explorer lists the root types.
    await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
    await page.getByText("Mutation", { exact: true }).first().waitFor();
    await page.getByRole("button", { name: "Hide Documentation Explorer" }).click();

    const name = uniqueName("pg");
    await enterOperation(page, "SignUp", `mutation SignUp { register(userIdentifier: "${name}") { username password userJid } }`);
    const registered = await runOverHttp(page, "SignUp");
    expect(registered.errors).toBeUndefined();
    const { username, password, userJid } = registered.data.register;
    expect(username).toBe(name);
    await expect.poll(() => shownResult(page)).toContain(userJid);

    await enterOperation(page, "SignIn", `mutation SignIn { connect(username: "${username}", password: "${password}") { token userJid } }`);
    const connected = await runOverHttp(page, "SignIn");
    expect(connected.errors).toBeUndefined();
    expect(connected.data.connect.userJid).toBe(userJid);

    await page.getByRole("button", { name: "Headers", exact: true }).click();
    await typeInto(page, headersEditor(page), JSON.stringify({ Authorization: `Bearer ${connected.data.connect.token}` }));

    // afterRowId "0": whether the message below is sent before or after the page's subscription
    // reaches the server, it arrives (replayed or live), so the test needs no wait on either.
    await enterOperation(page, "Inbox", `subscription Inbox { messageReceived(afterRowId: "0") { fromJid text } }`);
    await page.getByRole("button", { name: /Execute query/ }).click();
    const me = { jid: userJid as string };

    const sender = await registerUser(server);
    const text = `hello from another client ${uniqueName("m")}`;
    await sendText(server, sender, me, text);
    await expect.poll(() => shownResult(page), { timeout: 15_000 }).toContain(text);
    expect(await shownResult(page)).toContain(sender.jid);

    // Dress the page for the screenshot: the operation prettified, both editors scrolled to the
    // start, the schema docs open.
    await page.getByRole("button", { name: /Prettify/ }).click();
    for (const editor of [queryEditor(page), headersEditor(page)]) {
      await editor.click();
      await page.keyboard.press("ControlOrMeta+Home");
    }
    await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
    await page.getByText("Subscription", { exact: true }).first().waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "playground.png") });
    expect(offsite).toEqual([]);
  });
  it("a subscription without a token shows the server's reason and is not retried", { timeout: 60_000 }, async () => {
    // A server of its own: a new origin, so nothing the other test left in the page's storage
    // (headers with a token) applies here.
    const fresh = await startServer();
    const page = await context.newPage();
    const sockets: string[] = [];
    page.on("websocket", (socket) => sockets.push(socket.url()));
    await page.goto(fresh.graphqlUrl);
    await queryEditor(page).waitFor({ timeout: 30_000 });

    await enterOperation(page, "NoToken", `subscription NoToken { messageReceived { id } }`);
    await page.getByRole("button", { name: /Execute query/ }).click();
    await expect.poll(() => shownResultFlat(page), { timeout: 15_000 }).toContain('4403 Missing token: send { authorization: \\"Bearer <token>\\" } as connectionParams');
    // Finished, not spinning: the button is back to "Execute query" and one socket was opened.
    await page.getByRole("button", { name: /Execute query/ }).waitFor();
    expect(sockets).toEqual([fresh.wsUrl]);

    await page.getByRole("button", { name: "Headers", exact: true }).click();
    await typeInto(page, headersEditor(page), JSON.stringify({ Authorization: "Bearer not-a-token" }));
    await page.getByRole("button", { name: /Execute query/ }).click();
    await expect.poll(() => shownResultFlat(page), { timeout: 15_000 }).toContain("4403 Invalid token");
    expect(sockets).toEqual([fresh.wsUrl, fresh.wsUrl]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "playground-refused.png") });
    await page.close();
  });
});
