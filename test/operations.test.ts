// What an operator and a client see when something underneath fails: a database error is
// masked on both doors and logged with its request id; /readyz reports an unreachable Redis
// while /healthz stays up, and the process recovers when Redis comes; and the GraphQL-over-HTTP
// conformance audit.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { auditServer } from "graphql-http";
import { DataSource } from "typeorm";
import { afterAll, describe, expect, it } from "vitest";
import { sqlitePath } from "../src/db/database.js";
import { gql, ok, WsClient, type GqlError } from "./support/clients.js";
import { registerUser } from "./support/fixtures.js";
import { capturingLogger, type LogLine } from "./support/logs.js";
import { freePort as deadPort } from "../bench/support/environment.js";
import { PrivateRedis, stopPrivateServices } from "./support/private-services.js";
import { onPostgresAndRedis, startServer, type TestServer } from "./support/server.js";

const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;

/** Runs statements on a connection of the test's own, next to the server's. */
async function sql(options: { type: "postgres"; url: string } | { type: "better-sqlite3"; database: string }, ...statements: string[]): Promise<void> {
  const connection = await new DataSource(options).initialize();
  try {
    for (const statement of statements) await connection.query(statement);
  } finally {
    await connection.destroy();
  }
}

/** Words that would betray the database behind an error. */
const DATABASE_WORDS = /profiles|sqlite|relation|no such|select |query|does not exist|postgres/i;

describe("a database error", () => {
  const throwAway: string[] = [];
  afterAll(async () => {
    if (throwAway.length === 0) return;
    await sql({ type: "postgres", url: process.env.DATABASE_URL! }, ...throwAway.map((name) => `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  });

  /**
   * A server on a database of its own whose profiles table is then renamed under it, so that
   * reading a profile fails inside the database driver. Returns the server and its log.
   */
  async function brokenServer(backend: "embedded" | "postgres"): Promise<{ server: TestServer; lines: LogLine[]; token: string }> {
    const { log, lines } = capturingLogger();
    if (backend === "embedded") {
      const server = await startServer({ DATABASE_URL: undefined, REDIS_URL: undefined }, { log });
      const { token } = await registerUser(server);
      await sql({ type: "better-sqlite3", database: sqlitePath(server.app.config) }, `ALTER TABLE profiles RENAME TO profiles_gone`);
      return { server, lines, token };
    }
    const name = `parley_foundation_broken_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
    throwAway.push(name);
    await sql({ type: "postgres", url: process.env.DATABASE_URL! }, `CREATE DATABASE "${name}"`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    // Without the shared Redis: its user ids overlap those of the run's database, and presence
    // and topics in Redis are keyed by user id.
    const server = await startServer({ DATABASE_URL: url.toString(), REDIS_URL: undefined }, { log });
    const { token } = await registerUser(server);
    await sql({ type: "postgres", url: url.toString() }, `ALTER TABLE profiles RENAME TO profiles_gone`);
    return { server, lines, token };
  }

  function expectMasked(error: GqlError | undefined, requestId?: string): string {
    expect(error).toEqual({
      message: "Internal server error",
      locations: expect.any(Array),
      path: ["myProfile"],
      extensions: { code: "INTERNAL_SERVER_ERROR", statusCode: 500, requestId: requestId ?? expect.any(String) },
    });
    expect(JSON.stringify(error)).not.toMatch(DATABASE_WORDS);
    return error!.extensions!.requestId as string;
  }

  function expectLogged(lines: LogLine[], requestId: string): void {
    const logged = lines.find((l) => l.msg === "unexpected error" && l.reqId === requestId);
    expect(logged?.level).toBe(50);
    expect(logged?.err?.message).toMatch(/profiles/);
  }

  it.each(onPostgresAndRedis ? (["embedded", "postgres"] as const) : (["embedded"] as const))(
    "on %s never reaches the client, on HTTP or WebSocket, and is logged with the request id",
    async (backend) => {
      const { server, lines, token } = await brokenServer(backend);

      const http = await gql(server, `{ myProfile { jid nickname } }`, {}, { token, headers: { "x-request-id": "broken-1" } });
      expect(http.data).toBeNull();
      expect(http.errors).toHaveLength(1);
      expectMasked(http.errors![0], "broken-1");
      expectLogged(lines, "broken-1");

      const ws = await WsClient.connect(server, token);
      const result = await ws.execute(`{ myProfile { jid nickname } }`);
      expect(result.data).toBeNull();
      expect(result.errors).toHaveLength(1);
      const wsRequestId = expectMasked(result.errors![0] as GqlError);
      expectLogged(lines, wsRequestId);
      await ws.close();
    },
  );

  // Sends are written under a lock every process takes in turn (PostgreSQL advisory lock): a
  // write that fails must leave it free, for this process and for the others.
  it.runIf(onPostgresAndRedis)("a failed send leaves the message path usable, on its process and on another sharing the database", async () => {
    const name = `parley_foundation_sequencer_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
    throwAway.push(name);
    await sql({ type: "postgres", url: process.env.DATABASE_URL! }, `CREATE DATABASE "${name}"`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    const [one, two] = await Promise.all([startServer({ DATABASE_URL: url.toString(), REDIS_URL: undefined }), startServer({ DATABASE_URL: url.toString(), REDIS_URL: undefined })]);
    const [from, to] = await Promise.all([registerUser(one), registerUser(one)]);
    const send = (server: TestServer, text: string) =>
      gql(server, `mutation($to: ID!, $text: String!) { sendTextMessage(input: { toJid: $to, messageText: $text }) { id text } }`, { to: to.jid, text }, { token: from.token });

    await sql({ type: "postgres", url: url.toString() }, `ALTER TABLE receipts RENAME TO receipts_gone`);
    const failed = await send(one, "lost");
    expect(failed.errors?.[0]?.extensions).toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    await sql({ type: "postgres", url: url.toString() }, `ALTER TABLE receipts_gone RENAME TO receipts`);

    expect((await send(one, "again here")).data).toMatchObject({ sendTextMessage: { text: "again here" } });
    expect((await send(two, "and there")).data).toMatchObject({ sendTextMessage: { text: "and there" } });
    const { chatMessages } = await ok(one, `query($jid: ID!) { chatMessages(jid: $jid) { messages { text } } }`, { jid: from.jid }, { token: to.token });
    expect(chatMessages.messages.map((m: { text: string }) => m.text)).toEqual(["again here", "and there"]);
  });
});

describe("health", () => {
  it("/readyz is 503 naming pub/sub while Redis is unreachable; /healthz stays 200", async () => {
    const server = await startServer({ REDIS_URL: `redis://127.0.0.1:${await deadPort()}` });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe("not ready");
    expect(body.checks.database).toBe("ok");
    // Named only: the driver's words (with the address) are for the log and the operator (test/outages.test.ts).
    expect(body.checks.pubsub).toBe("failing");
  });

  it.runIf(hasRedisServer)("a process started while Redis is down turns ready when Redis comes up, and hears revocations", async () => {
    const redis = await PrivateRedis.reserve();
    const server = await startServer({ REDIS_URL: redis.url });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    // A Redis of the test's own, on the port the server was given.
    await redis.resume();
    try {
      await expect.poll(async () => (await fetch(`${server.url}/readyz`)).status, { timeout: 15_000, interval: 100 }).toBe(200);
      const user = await registerUser(server);
      const ws = await WsClient.connect(server, user.token);
      await ok(server, `mutation { logout }`, {}, { token: user.token });
      expect(await ws.waitForClose()).toEqual({ code: 4401, reason: "Token revoked" });
    } finally {
      await server.close();
      await stopPrivateServices();
    }
  });

  it("/readyz is 200 when the database and pub/sub answer", async () => {
    const server = await startServer();
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { database: "ok", pubsub: "ok" } });
  });
});

describe("GraphQL over HTTP", () => {
  it("passes graphql-http's conformance audit with no audit in error", async () => {
    const server = await startServer();
    const results = await auditServer({ url: server.graphqlUrl });
    const failed = results.flatMap((r) => (r.status === "error" ? [`${r.id} ${r.name}: ${r.reason}`] : []));
    expect(failed).toEqual([]);
    expect(results.filter((r) => r.status === "ok").length).toBeGreaterThan(0);
  });
});

describe("operation resolution", () => {
  it("a document of several operations sent without an operation name is refused alike on HTTP and WebSocket", async () => {
    const server = await startServer();
    const user = await registerUser(server);
    const twoOperations = `query A { __typename } query B { __typename }`;
    const overHttp = await gql(server, twoOperations, {}, { token: user.token });
    expect(overHttp.status).toBe(400);
    const ws = await WsClient.connect(server, user.token);
    const overWs = await ws.execute(twoOperations);
    await ws.close();
    const refused = {
      message: "Must provide operation name if query contains multiple operations.",
      extensions: { code: "OPERATION_RESOLUTION_FAILURE", statusCode: 400 },
    };
    expect(overHttp.errors).toEqual([refused]);
    expect(overWs.errors).toEqual([refused]);
  });
});
