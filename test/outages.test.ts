// What a client and an operator see while PostgreSQL or Redis is down, and right after it returns:
// SERVICE_UNAVAILABLE (503 and Retry-After on HTTP) rather than the masked internal error, /readyz
// naming the dependency without its address, and the first operation afterwards working. Each
// case has a server and a database of its own that the test stops and starts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GqlResult, ok, WsClient } from "./support/clients.js";
import { registerUser, type TestUser } from "./support/fixtures.js";
import { PrivatePostgres, PrivateRedis, stopPrivateServices } from "./support/private-services.js";
import { onPostgresAndRedis, startServer, type TestServer } from "./support/server.js";
import { CLOSE_TRY_AGAIN_LATER } from "../src/http/websocket.js";

const SEND = `mutation($to: ID!, $text: String!) { sendTextMessage(input: { toJid: $to, messageText: $text }) { id text } }`;
const METRICS_TOKEN = "outage-test-operator-token";

/** A GraphQL request over HTTP, with the response's status and Retry-After. */
async function post<T = Record<string, any>>(server: TestServer, user: TestUser, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(server.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GqlResult<T>, "status">;
  return { status: response.status, retryAfter: response.headers.get("retry-after"), ...body };
}

async function readyz(server: TestServer, token?: string) {
  const response = await fetch(`${server.url}/readyz`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
}

const UNAVAILABLE = { code: "SERVICE_UNAVAILABLE", statusCode: 503, retryAfterSeconds: 5 };

describe.skipIf(!onPostgresAndRedis)("outages (postgres+redis)", () => {
  afterAll(stopPrivateServices, 120_000);

  describe("PostgreSQL down, then back", () => {
    let database: PrivatePostgres;
    let server: TestServer;
    let alice: TestUser;
    let bob: TestUser;
    /** Her token is first shown to the server while the database is down: its revocation check needs it. */
    let carol: TestUser;

    beforeAll(async () => {
      database = await PrivatePostgres.start();
      server = await startServer({
        DATABASE_URL: database.url,
        // Its own namespace: user ids of this database overlap those of the shared one.
        REDIS_NAMESPACE: `parley_outage_${database.port}`,
        METRICS_TOKEN,
      });
      [alice, bob, carol] = [await registerUser(server), await registerUser(server), await registerUser(server)];
    }, 120_000);

    afterAll(async () => {
      await server?.close();
    });

    it("a send fails with SERVICE_UNAVAILABLE on both doors, a new socket is told to try again later, /readyz names the database only, and the first send afterwards succeeds", async () => {
      // A send before the outage: the message sequencer holds its connection from here on.
      await ok(server, SEND, { to: bob.jid, text: "before" }, { token: alice.token });
      const ws = await WsClient.connect(server, alice.token);

      await database.stop();
      const overHttp = await post(server, alice, SEND, { to: bob.jid, text: "while down" });
      expect(overHttp.status).toBe(503);
      expect(overHttp.retryAfter).toBe("5");
      expect(overHttp.errors).toHaveLength(1);
      expect(overHttp.errors![0]!.extensions).toMatchObject(UNAVAILABLE);
      expect(overHttp.errors![0]!.message).not.toMatch(/127\.0\.0\.1|ECONN|terminat/i);
      const overWs = await ws.execute(SEND, { to: bob.jid, text: "while down, over WebSocket" });
      expect(overWs.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining(UNAVAILABLE)]);
      expect(await WsClient.open(server, carol.token).waitForClose(15_000)).toEqual({ code: CLOSE_TRY_AGAIN_LATER, reason: "Service unavailable: retry later" });

      const anyone = await readyz(server);
      expect(anyone.status).toBe(503);
      expect(anyone.body).toEqual({ status: "not ready", checks: { database: "failing", pubsub: "ok" } });
      const operator = await readyz(server, METRICS_TOKEN);
      expect(operator.body.checks.database).toMatch(/^failing: .+/);

      await database.resume();
      const after = await post(server, alice, SEND, { to: bob.jid, text: "after" });
      expect(after.errors).toBeUndefined();
      expect(after).toMatchObject({ status: 200, data: { sendTextMessage: { text: "after" } } });
      const history = await ok(server, `query($jid: ID!) { chatMessages(jid: $jid) { messages { text } } }`, { jid: alice.jid }, { token: bob.token });
      expect(history.chatMessages.messages.map((m: { text: string }) => m.text)).toEqual(["before", "after"]);
      expect((await readyz(server)).status).toBe(200);
      await ws.close();
    });
  });

  describe("Redis down, then back", () => {
    let redis: PrivateRedis;
    let server: TestServer;
    let alice: TestUser;
    let bob: TestUser;

    beforeAll(async () => {
      redis = await PrivateRedis.start();
      server = await startServer({ REDIS_URL: redis.url, METRICS_TOKEN, RATE_LIMIT_MUTATIONS: "1000" });
      [alice, bob] = [await registerUser(server), await registerUser(server)];
    }, 60_000);

    afterAll(async () => {
      await server?.close();
    });

    it("sends still succeed (the rate limit counts in the process), typing (only ever in Redis) is SERVICE_UNAVAILABLE, a new socket is told to try again later, /readyz names pub/sub; all well once it is back", async () => {
      const TYPING = `mutation($to: ID!) { sendTypingStatus(toJid: $to) }`;
      const PRESENCE = `query($jids: [ID!]!) { userProfiles(jids: $jids) { jid isOnline } }`;
      await ok(server, TYPING, { to: bob.jid }, { token: alice.token });

      await redis.stop();
      // Sends never wait on Redis: the message is stored and announced later by cursor.
      const sent = await post(server, alice, SEND, { to: bob.jid, text: "while Redis is down" });
      expect(sent.errors).toBeUndefined();
      expect(sent).toMatchObject({ status: 200, data: { sendTextMessage: { text: "while Redis is down" } } });
      // A committed change is answered as such: its event, not the change, is what Redis loses; so is logout.
      const profile = await post(server, alice, `mutation { setUserProfile(input: { status: "offline broker" }) { status } }`, {});
      expect(profile).toMatchObject({ status: 200, data: { setUserProfile: { status: "offline broker" } } });
      const typing = await post(server, alice, TYPING, { to: bob.jid });
      expect(typing.status).toBe(503);
      expect(typing.retryAfter).toBe("5");
      expect(typing.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining(UNAVAILABLE)]);
      const anyone = await readyz(server);
      expect(anyone).toEqual({ status: 503, body: { status: "not ready", checks: { database: "ok", pubsub: "failing" } } });
      // A socket's presence is written to Redis when it opens: that fails after ioredis's retries,
      // which follow its reconnect back-off (up to 2 s each).
      expect(await WsClient.open(server, bob.token).waitForClose(15_000)).toEqual({ code: CLOSE_TRY_AGAIN_LATER, reason: "Service unavailable: retry later" });

      await redis.resume();
      await expect.poll(async () => (await readyz(server)).status, { timeout: 15_000, interval: 100 }).toBe(200);
      expect(await ok(server, TYPING, { to: bob.jid }, { token: alice.token })).toEqual({ sendTypingStatus: true });
      const ws = await WsClient.connect(server, bob.token);
      expect((await ok(server, PRESENCE, { jids: [bob.jid] }, { token: alice.token })).userProfiles).toEqual([{ jid: bob.jid, isOnline: true }]);
      await ws.close();
    });
  });
});
