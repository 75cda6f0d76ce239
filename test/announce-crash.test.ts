// A committed message is announced even when the process that committed it dies before its
// announcement: the sending process (the real entry point, in a child process) kills itself with
// SIGKILL between commit and announce (PARLEY_TEST_EXIT_AFTER_COMMIT_TEXT, honoured only with
// NODE_ENV=test), and the other process's sweeper announces the message to the live subscriber.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gqlAs, type Subscription, WsClient } from "./support/clients.js";
import { registerUser, sendText } from "./support/fixtures.js";
import { createPostgres } from "./support/databases.js";
import { liveSubscription, PROBE_TEXT } from "./support/live.js";
import { PrivateRedis, stopPrivateServices } from "./support/private-services.js";
import { buildServer, ServerProcess } from "./support/server-process.js";
import { onPostgresAndRedis, startServer, type TestServer } from "./support/server.js";

type Received = { messageReceived: { id: string; rowId: string; text: string } };
const INBOX = `subscription { messageReceived { id rowId text } }`;
const RESUME = `subscription($after: ID!) { messageReceived(afterRowId: $after) { id rowId text } }`;
const CRASH_TEXT = "the sender dies after committing this";
const SWEEP_MS = 200;

function texts(sub: Subscription<Received>): string[] {
  return sub.received.flatMap((e) => (e.data && e.data.messageReceived.text !== PROBE_TEXT ? [e.data.messageReceived.text] : []));
}

describe.runIf(onPostgresAndRedis)("the sending process killed between commit and announce (postgres+redis)", () => {
  let redis: PrivateRedis;
  let dying: ServerProcess;
  let other: TestServer;

  beforeAll(async () => {
    const build = buildServer("parley-announce-crash-test");
    redis = await PrivateRedis.start();
    // A database of its own beside the private Redis: a server of another test file on the same
    // database but another broker could take the late announcement to a broker nobody here hears.
    const env = { DATABASE_URL: await createPostgres(), REDIS_URL: redis.url, ANNOUNCE_SWEEP_MS: String(SWEEP_MS), RATE_LIMIT_MUTATIONS: "0" };
    other = await startServer(env);
    dying = await ServerProcess.start(build, { ...env, PARLEY_TEST_EXIT_AFTER_COMMIT_TEXT: CRASH_TEXT });
  }, 120_000);

  afterAll(stopPrivateServices, 60_000);

  it("the message reaches the live subscriber on the other process within the sweep period, and a resume from the last cursor misses nothing", async () => {
    const [alice, bob] = [await registerUser(other), await registerUser(other)];
    const ws = await WsClient.connect(other, bob.token);
    const { sub } = await liveSubscription<Received>(ws, bob, dying, { query: INBOX });
    for (let i = 1; i <= 100; i++) await sendText(dying, alice, bob, `before ${i}`);
    await sub.waitFor((d) => d.messageReceived.text === "before 100");
    const cursor = sub.received.at(-1)!.data!.messageReceived.rowId;

    // The answer never comes: the process is gone after its commit.
    const crashing = gqlAs(dying, alice, `mutation($to: ID!) { sendTextMessage(input: { toJid: $to, messageText: "${CRASH_TEXT}" }) { id } }`, { to: bob.jid });
    await expect(crashing).rejects.toThrow();
    await dying.exited;
    expect(dying.child.signalCode).toBe("SIGKILL");
    const died = Date.now();
    await sub.waitFor((d) => d.messageReceived.text === CRASH_TEXT, 5000);
    // Within the sweep period, give or take the sweep's own round trips on a loaded machine.
    expect(Date.now() - died).toBeLessThan(SWEEP_MS + 2000);
    await expect.poll(async () => (await fetch(`${other.url}/metrics`)).text(), { timeout: 5000, interval: 100 }).toMatch(/^parley_announcements_swept_total [1-9]/m);

    for (let i = 1; i <= 100; i++) await sendText(other, alice, bob, `after ${i}`);
    await sub.waitFor((d) => d.messageReceived.text === "after 100");
    const expected = [...Array.from({ length: 100 }, (_, i) => `before ${i + 1}`), CRASH_TEXT, ...Array.from({ length: 100 }, (_, i) => `after ${i + 1}`)];
    expect(texts(sub)).toEqual(expected);

    // A client that had received up to "before 100" and resumes from there misses nothing.
    const resumed = ws.subscribe<Received>(RESUME, { after: cursor });
    await resumed.waitFor((d) => d.messageReceived.text === "after 100");
    expect(texts(resumed)).toEqual(expected.slice(100));
    await ws.close();
  }, 90_000);
});
