// Graceful shutdown of the real entry point (src/main.ts, compiled) in a child process: on
// SIGTERM an operation under way completes, its event still reaches subscribers, WebSockets
// close with 1001, and the process exits 0. Each case runs under NODE_ENV=test and
// NODE_ENV=production: libraries behave differently outside test mode (Apollo Server installs
// signal handlers of its own unless told not to). Also: a production start without a registration
// mode is refused by the same entry point.
import { request } from "node:http";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { ok, WsClient } from "./support/clients.js";
import { MESSAGE_FIELDS, registerUser, type TestUser } from "./support/fixtures.js";
import { buildServer, ServerProcess, spawnServer } from "./support/server-process.js";
import { backendName, onPostgresAndRedis, TEST_JWT_SECRET, tempDataDir } from "./support/server.js";

let build: string;
const SEND = `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { ${MESSAGE_FIELDS} } }`;

beforeAll(() => {
  build = buildServer("parley-shutdown-test");
}, 120_000);

/** A live messageReceived subscription of user's (proven by a message sent after it). */
async function inboxOf(server: ServerProcess, user: TestUser, from: TestUser) {
  const ws = await WsClient.connect(server, user.token);
  const inbox = ws.subscribe<{ messageReceived: { text: string } }>(`subscription { messageReceived { text } }`);
  await ok(server, SEND, { input: { toJid: user.jid, messageText: "before" } }, { token: from.token });
  await inbox.waitFor((d) => d.messageReceived.text === "before");
  return { ws, inbox };
}

/**
 * Holds a user's chat rows locked, from a connection of the test: a message to that user then
 * waits inside its transaction (and the message sequencer) until release().
 */
class ChatRowLock {
  private constructor(
    private readonly client: pg.Client,
    private readonly pid: number,
  ) {}

  static async hold(user: TestUser): Promise<ChatRowLock> {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    await client.query("BEGIN");
    const locked = await client.query("SELECT c.jid FROM chats c JOIN users u ON u.id = c.owner_id WHERE u.username = $1 FOR UPDATE OF c", [user.username]);
    if (locked.rowCount === 0) throw new Error(`${user.username} has no chat to lock`);
    return new ChatRowLock(client, rows[0]!.pid);
  }

  /** Server connections waiting for this lock: the mutations held up by it. */
  async waiting(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", [this.pid]);
    return rows[0]!.n;
  }

  async release(): Promise<void> {
    await this.client.query("COMMIT").catch(() => undefined);
    await this.client.end();
  }
}

const ON_POSTGRES = { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL, DATABASE_POOL_SIZE: "4" };

/** What each mode needs: production requires the settings it has no default for (see src/config.ts). */
const MODES = {
  test: { NODE_ENV: "test" },
  production: { NODE_ENV: "production", REGISTRATION: "open" },
} as const;

describe.each(Object.keys(MODES) as (keyof typeof MODES)[])(`graceful shutdown (${backendName}, NODE_ENV=%s)`, (mode) => {
  const ON_POSTGRES_IN_MODE = { ...ON_POSTGRES, ...MODES[mode] };
  it("SIGTERM while a request is under way: it completes, its message reaches the subscriber, sockets close with 1001, exit 0", async () => {
    const server = await ServerProcess.start(build, ON_POSTGRES_IN_MODE);
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    const { ws, inbox } = await inboxOf(server, bob, alice);

    // The request is under way from its headers on: its body is still coming when SIGTERM arrives.
    const body = JSON.stringify({ query: SEND, variables: { input: { toJid: bob.jid, messageText: "during shutdown" } } });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        server.graphqlUrl,
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            authorization: `Bearer ${alice.token}`,
            "x-request-id": "in-flight-1",
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 20));
      server
        .waitForLog((l) => l.reqId === "in-flight-1" && l.msg === "incoming request", "the request to arrive")
        .then(() => server.terminate())
        .then(() => req.end(body.slice(20)), reject);
    });

    const answered = await response;
    expect(answered.status).toBe(200);
    const result = JSON.parse(answered.body) as { data: { sendTextMessage: { text: string; fromJid: string } } };
    expect(result.data.sendTextMessage).toMatchObject({ text: "during shutdown", fromJid: alice.jid });
    await inbox.waitFor((d) => d.messageReceived.text === "during shutdown");
    expect(await ws.waitForClose(15_000)).toMatchObject({ code: 1001 });
    expect(await server.exited).toBe(0);
    await server.waitForLog((l) => l.msg === "shut down", "the last log line");
  });

  it.runIf(onPostgresAndRedis)("SIGTERM while mutations wait on a database lock: both, over HTTP and WebSocket, complete before the sockets close with 1001; exit 0", async () => {
    const server = await ServerProcess.start(build, ON_POSTGRES_IN_MODE);
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    const { ws: bobWs, inbox } = await inboxOf(server, bob, alice);
    const aliceWs = await WsClient.connect(server, alice.token);

    const lock = await ChatRowLock.hold(bob);
    try {
      // The WebSocket mutation waits for bob's chat row; the HTTP one, arrived after it, waits
      // for the next batch of message writes behind it.
      const overWs = aliceWs.execute(SEND, { input: { toJid: bob.jid, messageText: "over WebSocket" } });
      await expect.poll(() => lock.waiting(), { timeout: 10_000 }).toBe(1);
      const overHttp = ok(server, SEND, { input: { toJid: bob.jid, messageText: "over HTTP" } }, { token: alice.token, headers: { "x-request-id": "in-flight-2" } });
      await server.waitForLog((l) => l.reqId === "in-flight-2" && l.msg === "incoming request", "the HTTP mutation to arrive");
      await server.terminate();
      await lock.release();

      const wsResult = await overWs;
      expect(wsResult.errors).toBeUndefined();
      expect(wsResult.data?.sendTextMessage).toMatchObject({ text: "over WebSocket", fromJid: alice.jid });
      expect((await overHttp).sendTextMessage).toMatchObject({ text: "over HTTP", fromJid: alice.jid });
      await inbox.waitFor((d) => d.messageReceived.text === "over WebSocket");
      await inbox.waitFor((d) => d.messageReceived.text === "over HTTP");
      expect(await bobWs.waitForClose(15_000)).toMatchObject({ code: 1001 });
      expect(await aliceWs.waitForClose(15_000)).toMatchObject({ code: 1001 });
      expect(await server.exited).toBe(0);
    } finally {
      await lock.release().catch(() => undefined);
    }
  });

  it.runIf(onPostgresAndRedis)("an operation still stuck after SHUTDOWN_TIMEOUT_MS: the process exits anyway, with 1", async () => {
    const server = await ServerProcess.start(build, { ...ON_POSTGRES_IN_MODE, SHUTDOWN_TIMEOUT_MS: "300" });
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    await ok(server, SEND, { input: { toJid: bob.jid, messageText: "first" } }, { token: alice.token });
    const lock = await ChatRowLock.hold(bob);
    try {
      const stuck = ok(server, SEND, { input: { toJid: bob.jid, messageText: "never answered" } }, { token: alice.token }).then(
        () => "answered",
        () => "cut off",
      );
      await expect.poll(() => lock.waiting(), { timeout: 10_000 }).toBe(1);
      await server.terminate();
      expect(await server.exited).toBe(1);
      await server.waitForLog((l) => l.msg === "shutdown timed out; exiting", "the timeout to be logged");
      expect(await stuck).toBe("cut off");
    } finally {
      await lock.release();
    }
  });
});

// The same compiled entry point refuses a production start whose registration mode was never
// chosen, and says which setting to choose: anonymous sign-ups must be a decision, not a default.
describe("production start", () => {
  it("with neither REGISTRATION nor LICENSE_KEY set, exits 1 naming REGISTRATION and its choices", async () => {
    const child = spawnServer(build, { PATH: process.env.PATH, NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1", DATA_DIR: tempDataDir(), JWT_SECRET: TEST_JWT_SECRET }, "pipe");
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/REGISTRATION must be chosen in production: open .*, licence .* or server/);
  });
});
