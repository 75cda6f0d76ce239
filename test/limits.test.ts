// Request limits through both doors: depth, alias, cost and token limits on HTTP and WebSocket,
// the body and frame size, WebSocket socket limits, production hardening, batching, and the
// per-user rate limit on mutations (across processes on Postgres + Redis).
import { Redis } from "ioredis";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, ok, onlyError, ProtocolSocket, WsClient, type GqlError } from "./support/clients.js";
import { createGroup, MESSAGE_FIELDS, registerUser, registerUsers, sendText, type TestUser } from "./support/fixtures.js";
import { PrivateRedis, stopPrivateServices } from "./support/private-services.js";
import { onPostgresAndRedis, startServer, type TestServer } from "./support/server.js";

const TIGHT = {
  MAX_QUERY_DEPTH: "4",
  MAX_ALIASES: "2",
  MAX_QUERY_COST: "5000",
  MAX_TOKENS: "100",
  BODY_LIMIT_BYTES: "4096",
  WS_MAX_PAYLOAD_BYTES: "4096",
  WS_MAX_SUBSCRIPTIONS: "3",
  WS_CONNECTION_INIT_TIMEOUT_MS: "300",
  WS_KEEP_ALIVE_MS: "200",
};

const nested = (levels: number) => `{ favouriteMessages { ${"replyTo { ".repeat(levels)} id ${"} ".repeat(levels)} } }`;
const PROFILE_FIELDS = `jid username nickname image status mobileNumber email gender birthday location language allowType
  messageSettings adminForbidType level role isOnline lastSeenAt updatedAt`;

const OVER_LIMIT = [
  ["depth", nested(3), "GRAPHQL_VALIDATION_FAILED", /depth limit of 4 exceeded/i],
  ["alias", `{ a: jid(username: "a") b: jid(username: "b") c: jid(username: "c") }`, "GRAPHQL_VALIDATION_FAILED", /aliases limit of 2 exceeded/i],
  ["cost", `{ profiles(limit: 300) { ${PROFILE_FIELDS} } }`, "GRAPHQL_VALIDATION_FAILED", /cost limit of 5000 exceeded: this operation costs 5701 /i],
  ["token", `{ ${"__typename ".repeat(120)}}`, "GRAPHQL_PARSE_FAILED", /contains more .* 100 tokens/i],
] as const;

/** The one error of a WebSocket operation that must have failed. */
async function wsError(ws: WsClient, query: string, variables?: Record<string, unknown>): Promise<GqlError> {
  const result = await ws.execute(query, variables);
  expect(result?.errors, JSON.stringify(result)).toHaveLength(1);
  return result.errors![0] as GqlError;
}

describe("query limits", () => {
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startServer(TIGHT);
    user = await registerUser(server);
  });

  it("lets a query within every limit through, on HTTP and WebSocket", async () => {
    expect(await ok(server, nested(2), {}, { token: user.token })).toEqual({ favouriteMessages: [] });
    const ws = await WsClient.connect(server, user.token);
    expect((await ws.execute(nested(2))).data).toEqual({ favouriteMessages: [] });
    await ws.close();
  });

  it.each(OVER_LIMIT)("refuses a query over the %s limit on HTTP with a clear error", async (_, query, code, message) => {
    const result = await gql(server, query, {}, { token: user.token });
    expect(result.status).toBe(400);
    expect(result.data).toBeUndefined();
    const error = onlyError(result);
    expect(error.message).toMatch(message);
    expect(error.extensions).toMatchObject({ code, statusCode: 400 });
  });

  it.each(OVER_LIMIT)("refuses a query over the %s limit on WebSocket with the same error", async (_, query, code, message) => {
    const ws = await WsClient.connect(server, user.token);
    const error = await wsError(ws, query);
    expect(error.message).toMatch(message);
    expect(error.extensions).toMatchObject({ code, statusCode: 400 });
    // The socket stays usable after a refused operation.
    expect((await ws.execute(`{ __typename }`)).data).toEqual({ __typename: "Query" });
    await ws.close();
  });

  it("the default depth limit (12) holds without configuration", async () => {
    const plain = await startServer();
    const deep = onlyError(await gql(plain, nested(12), {}, { token: user.token }));
    expect(deep.message).toMatch(/depth limit of 12 exceeded/i);
  });

  it("refuses an HTTP body over the body limit with 413", async () => {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: `query($pad: String) { __typename }`, variables: { pad: "x".repeat(5000) } }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ message: "Request body is too large" });
  });

  it("refuses batched HTTP requests", async () => {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ query: `{ __typename }` }, { query: `{ __typename }` }]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batching/i);
  });
});

describe("the query cost counts lists", () => {
  let server: TestServer;
  let owner: TestUser;
  let member: TestUser;
  let groupJid: string;
  beforeAll(async () => {
    server = await startServer();
    [owner, member] = await registerUsers(server, 2);
    groupJid = (await createGroup(server, owner, [member])).jid;
  });

  // Measured on the server before lists were counted: 15 of these cost 2,212 (under the limit of
  // 5,000) and answered 6 MB, 15,075 profiles, in one request.
  const PROFILE = `${PROFILE_FIELDS} customFields { key value }`;
  const AMPLIFYING = `{ ${Array.from({ length: 15 }, (_, i) => `g${i}: groups { participants { user { ${PROFILE} } } }`).join(" ")} }`;
  const REFUSED = /^Query cost limit of 250000 exceeded: this operation costs (\d+) /;

  it("refuses 15 aliases of groups' participants' profiles on HTTP, before running it, with the cost and the limit", async () => {
    const result = await gql(server, AMPLIFYING, {}, { token: owner.token });
    expect(result.status).toBe(400);
    expect(result.data).toBeUndefined();
    const error = onlyError(result);
    expect(error.message).toMatch(REFUSED);
    expect(Number(REFUSED.exec(error.message)![1])).toBeGreaterThan(250_000);
    expect(error.extensions).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED", statusCode: 400, maxCost: 250_000 });
  });

  it("refuses it on WebSocket with the same error", async () => {
    const ws = await WsClient.connect(server, owner.token);
    const error = await wsError(ws, AMPLIFYING);
    expect(error.message).toMatch(REFUSED);
    expect(error.extensions).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED", statusCode: 400 });
    await ws.close();
  });

  it("counts a list size sent as a variable", async () => {
    const query = `query($n: Int) { groups(limit: $n) { participants { user { ${PROFILE} } } } }`;
    expect(onlyError(await gql(server, query, { n: 200 }, { token: owner.token })).message).toMatch(REFUSED);
    expect((await ok(server, query, { n: 1 }, { token: owner.token })).groups).toHaveLength(1);
  });

  it("lets ordinary large pages through on both doors: a chat page of 50, one group's participants with their profiles", async () => {
    await sendText(server, owner, member, "hello");
    const page = `{ chatMessages(jid: "${member.jid}", limit: 50) { hasMore messages { ${MESSAGE_FIELDS} media { url fileName mimeType } } } }`;
    const group = `{ group(jid: "${groupJid}") { name participants { role joinedAt user { ${PROFILE} } } } }`;
    expect((await ok(server, page, {}, { token: owner.token })).chatMessages.messages).toHaveLength(1);
    expect((await ok(server, group, {}, { token: owner.token })).group.participants).toHaveLength(2);
    const ws = await WsClient.connect(server, owner.token);
    expect((await ws.execute(page)).data?.chatMessages.messages).toHaveLength(1);
    expect((await ws.execute(group)).data?.group.participants).toHaveLength(2);
    await ws.close();
  });
});

describe("WebSocket limits", () => {
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startServer(TIGHT);
    user = await registerUser(server);
  });

  it("caps the operations running at once on one socket; the running ones go on", async () => {
    const ws = await WsClient.connect(server, user.token);
    const running = [1, 2, 3].map(() => ws.subscribe(`subscription { userProfileUpdated { nickname } }`));
    const refused = ws.subscribe(`subscription { userProfileUpdated { nickname } }`);
    const errors = (await refused.failure()) as GqlError[];
    expect(errors[0]).toMatchObject({ message: "at most 3 operations at once on one socket", extensions: { code: "BAD_REQUEST", statusCode: 400 } });
    await ok(server, `mutation { setUserProfile(input: { nickname: "Capped" }) { nickname } }`, {}, { token: user.token });
    for (const sub of running) {
      expect(await sub.waitFor((d) => d.userProfileUpdated.nickname === "Capped")).toEqual({ userProfileUpdated: { nickname: "Capped" } });
    }
    await ws.close();
  });

  it("closes a socket that sends a frame over the payload limit with 1009", async () => {
    const ws = await WsClient.connect(server, user.token);
    const outcome = ws.execute(`query($pad: String) { __typename }`, { pad: "x".repeat(5000) }).catch((error: unknown) => error);
    expect(await ws.waitForClose()).toMatchObject({ code: 1009 });
    await outcome;
  });

  it("closes a socket that never sends connection_init with 4408", async () => {
    const socket = new WebSocket(server.wsUrl, "graphql-transport-ws");
    const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
      socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    expect(closed).toEqual({ code: 4408, reason: "Connection initialisation timeout" });
  });

  it("pings every socket each WS_KEEP_ALIVE_MS: one that answers stays, one that stops answering is ended", async () => {
    const [answering, silent] = await Promise.all([ProtocolSocket.connect(server, user.token), ProtocolSocket.connect(server, user.token, { autoPong: false })]);
    // ws ends a silent socket without a close frame: its client sees 1006.
    expect(await silent.waitForClose()).toMatchObject({ code: 1006 });
    expect(silent.pings.items.length).toBeGreaterThanOrEqual(1);
    await answering.pings.waitFor(() => answering.pings.items.length >= 3, 5000, "three pings");
    answering.send({ type: "ping" });
    await answering.messages.waitFor((m) => m.type === "pong", 5000, "graphql-ws's pong");
    answering.socket.close();
  });
});

describe("production mode", () => {
  let production: TestServer;
  let development: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    [production, development] = await Promise.all([startServer({ NODE_ENV: "production", REGISTRATION: "open" }), startServer({ NODE_ENV: "development" })]);
    user = await registerUser(production);
  });

  const INTROSPECTION = `{ __schema { queryType { name } } }`;
  const TYPO = `{ myProfil { jid } }`;

  it("turns introspection off on HTTP and WebSocket (it is on in development)", async () => {
    const http = await gql(production, INTROSPECTION);
    expect(http.status).toBe(400);
    expect(http.errors?.[0]).toMatchObject({
      message: `GraphQL introspection has been disabled, but the requested query contained the field "__schema".`,
      extensions: { code: "GRAPHQL_VALIDATION_FAILED", statusCode: 400 },
    });
    const ws = await WsClient.connect(production, user.token);
    const overWs = await wsError(ws, `{ __type(name: "Query") { name } }`);
    expect(overWs).toMatchObject({
      message: `GraphQL introspection has been disabled, but the requested query contained the field "__type".`,
      extensions: { code: "GRAPHQL_VALIDATION_FAILED", statusCode: 400 },
    });
    await ws.close();
    expect(await ok(development, INTROSPECTION)).toEqual({ __schema: { queryType: { name: "Query" } } });
  });

  it("hides field suggestions on HTTP and WebSocket (development shows them)", async () => {
    const http = onlyError(await gql(production, TYPO));
    expect(http.message).toBe(`Cannot query field "myProfil" on type "Query".`);
    const ws = await WsClient.connect(production, user.token);
    expect((await wsError(ws, TYPO)).message).toBe(`Cannot query field "myProfil" on type "Query".`);
    await ws.close();
    expect(onlyError(await gql(development, TYPO)).message).toMatch(/Did you mean "myProfile"/);
  });
});

const SET_NICKNAME = `mutation($n: String) { setUserProfile(input: { nickname: $n }) { nickname } }`;

function expectRateLimited(error: GqlError | undefined): void {
  expect(error).toMatchObject({ extensions: { code: "RATE_LIMITED", statusCode: 429, retryAfterSeconds: expect.any(Number) } });
  expect(error!.message).toMatch(/^too many requests; retry in \d+s$/);
  expect(error!.extensions).not.toHaveProperty("http");
}

describe("rate limit on mutations", () => {
  const LIMITED = { RATE_LIMIT_MUTATIONS: "3", RATE_LIMIT_WINDOW_SECONDS: "600" };
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(LIMITED);
  });

  it("refuses a user's mutations over the limit with 429 and Retry-After; queries, logout and other users go on", async () => {
    const [user, other] = await Promise.all([registerUser(server), registerUser(server)]);
    // Two fields in one operation count twice.
    await ok(server, `mutation { a: setUserProfile(input: { nickname: "a" }) { nickname } b: setUserProfile(input: { status: "b" }) { status } }`, {}, { token: user.token });
    await ok(server, SET_NICKNAME, { n: "c" }, { token: user.token });
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: SET_NICKNAME, variables: { n: "d" } }),
    });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    const body = (await response.json()) as { data?: unknown; errors: GqlError[] };
    expect(body.data).toBeUndefined();
    expectRateLimited(body.errors[0]);
    expect(body.errors[0]!.extensions!.retryAfterSeconds).toBe(retryAfter);

    expect((await ok(server, `{ myProfile { nickname } }`, {}, { token: user.token })).myProfile).toEqual({ nickname: "c" });
    await ok(server, SET_NICKNAME, { n: "x" }, { token: other.token });
    expect(await ok(server, `mutation { logout }`, {}, { token: user.token })).toEqual({ logout: true });
  });

  it("does not count mutations without a token (connect) against the user", async () => {
    const user = await registerUser(server);
    for (let i = 0; i < 5; i += 1) {
      await ok(server, `mutation($u: String!, $p: String!) { connect(username: $u, password: $p) { token } }`, { u: user.username, p: user.password });
    }
    await ok(server, SET_NICKNAME, { n: "still allowed" }, { token: user.token });
  });

  it("counts HTTP and WebSocket mutations together and refuses on WebSocket too", async () => {
    const user = await registerUser(server);
    await ok(server, SET_NICKNAME, { n: "1" }, { token: user.token });
    await ok(server, SET_NICKNAME, { n: "2" }, { token: user.token });
    const ws = await WsClient.connect(server, user.token);
    expect((await ws.execute(SET_NICKNAME, { n: "3" })).data).toEqual({ setUserProfile: { nickname: "3" } });
    expectRateLimited(await wsError(ws, SET_NICKNAME, { n: "4" }));
    expect((await ws.execute(`{ myProfile { nickname } }`)).data).toEqual({ myProfile: { nickname: "3" } });
    expectRateLimited(onlyError(await gql(server, SET_NICKNAME, { n: "5" }, { token: user.token })));
    await ws.close();
  });

  it.runIf(onPostgresAndRedis)("holds across server processes sharing Redis", async () => {
    const second = await startServer(LIMITED);
    const user = await registerUser(server);
    await ok(server, SET_NICKNAME, { n: "1" }, { token: user.token });
    await ok(second, SET_NICKNAME, { n: "2" }, { token: user.token });
    await ok(server, SET_NICKNAME, { n: "3" }, { token: user.token });
    expectRateLimited(onlyError(await gql(second, SET_NICKNAME, { n: "4" }, { token: user.token })));
    const ws = await WsClient.connect(second, user.token);
    expectRateLimited(await wsError(ws, SET_NICKNAME, { n: "5" }));
    await ws.close();
  });

  it.runIf(onPostgresAndRedis)("counts apart in another REDIS_NAMESPACE sharing the same Redis", async () => {
    const suffix = Math.random().toString(36).slice(2, 10);
    const [one, two] = await Promise.all([
      startServer({ ...LIMITED, REDIS_NAMESPACE: `one-${suffix}` }),
      startServer({ ...LIMITED, REDIS_NAMESPACE: `two-${suffix}` }),
    ]);
    const user = await registerUser(one);
    for (const n of ["1", "2", "3"]) await ok(one, SET_NICKNAME, { n }, { token: user.token });
    for (const n of ["4", "5", "6"]) await ok(two, SET_NICKNAME, { n }, { token: user.token });
    expectRateLimited(onlyError(await gql(one, SET_NICKNAME, { n: "7" }, { token: user.token })));
    expectRateLimited(onlyError(await gql(two, SET_NICKNAME, { n: "8" }, { token: user.token })));
  });
});

// Past a user's first mutations of a window, a process takes their points from Redis a few at a
// time (1% of the limit), ahead of use: their mutations no longer each wait for Redis, and every
// point handed out was counted in Redis first.
describe.runIf(onPostgresAndRedis)("rate limit on mutations, points taken ahead", () => {
  // A Redis of this test's own: MONITOR lists every client's commands, and other runs' traffic on
  // the shared one would flood it.
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(stopPrivateServices);

  /** Every script a client has Redis run on the rate limit's keys of the namespace (one round trip each), as MONITOR reports them. */
  async function watchRateKeys(namespace: string): Promise<{ seen(): Promise<string[][]>; counted(key: string): Promise<number>; stop(): void }> {
    const other = new Redis(redis.url);
    const monitor = await other.monitor();
    const prefix = `${namespace}:parley:rate:mutations:`;
    const commands: string[][] = [];
    const heard: (() => void)[] = [];
    monitor.on("monitor", (_time: string, args: string[]) => {
      // MONITOR also lists the commands a script runs: only the scripts are round trips.
      if (/^eval(sha)?$/i.test(args[0] ?? "") && args.some((a) => a.startsWith(prefix))) commands.push(args);
      if (args[0]?.toLowerCase() === "get" && args[1] === `${namespace}:mark`) heard.shift()?.();
    });
    return {
      // MONITOR lists commands in the order Redis ran them: once it lists a command sent now, it listed every earlier one.
      async seen() {
        const mark = new Promise<void>((resolve) => heard.push(resolve));
        await other.get(`${namespace}:mark`);
        await mark;
        return [...commands];
      },
      async counted(key) {
        return Number(await other.get(key));
      },
      stop() {
        monitor.disconnect();
        other.disconnect();
      },
    };
  }

  it("a user's sends within their allowance ask Redis for a few of them only, over HTTP and WebSocket, and every one is counted there", async () => {
    const namespace = `rl-${Math.random().toString(36).slice(2, 10)}`;
    const server = await startServer({ REDIS_URL: redis.url, RATE_LIMIT_MUTATIONS: "1000", RATE_LIMIT_WINDOW_SECONDS: "600", REDIS_NAMESPACE: namespace });
    const [alice, bob] = await registerUsers(server, 2);
    const watch = await watchRateKeys(namespace);
    try {
      for (let i = 0; i < 15; i += 1) await sendText(server, alice, bob, `over HTTP ${i}`);
      const ws = await WsClient.connect(server, alice.token);
      for (let i = 0; i < 15; i += 1) {
        const result = await ws.execute(`mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { id } }`, { input: { toJid: bob.jid, messageText: `over WebSocket ${i}` } });
        expect(result.errors).toBeUndefined();
      }
      await ws.close();
      const commands = await watch.seen();
      // One per mutation before: 30. Now the first two of the window, then a lease of 10 points now and then.
      expect(commands.length).toBeLessThanOrEqual(8);
      const key = commands[0]!.find((a) => a.startsWith(`${namespace}:parley:rate:mutations:`))!;
      // Every point handed out was counted in Redis first: the 30 sends and the leases' unused rest.
      const counted = await watch.counted(key);
      expect(counted).toBeGreaterThanOrEqual(30);
      expect(counted).toBeLessThanOrEqual(30 + 15);
    } finally {
      watch.stop();
    }
  });

  it("never lets a user past the limit across two processes, and refuses them short of it by at most a few leases", async () => {
    const limit = { RATE_LIMIT_MUTATIONS: "200", RATE_LIMIT_WINDOW_SECONDS: "600", REDIS_NAMESPACE: `rl-${Math.random().toString(36).slice(2, 10)}` };
    const [one, two] = await Promise.all([startServer(limit), startServer(limit)]);
    const user = await registerUser(one);
    let admitted = 0;
    for (let i = 0; i < 220; i += 1) {
      const result = await gql(i % 2 === 0 ? one : two, SET_NICKNAME, { n: String(i) }, { token: user.token });
      if (result.errors) expectRateLimited(onlyError(result));
      else admitted += 1;
    }
    expect(admitted).toBeLessThanOrEqual(200);
    // Points of 2 at a time (1% of 200): each process may hold up to 3 unused, and lose 2 to a lease refused.
    expect(admitted).toBeGreaterThanOrEqual(200 - 2 * 5);
  });
});

// register and connect come without a token: they count against the client's address
// (guessing passwords, mass sign-ups). Each server gets a namespace of its own: the counts live
// in Redis for the whole window.
describe("rate limit on mutations without a token", () => {
  const CONNECT = `mutation($u: String!, $p: String!) { connect(username: $u, password: $p) { token } }`;
  const limited = (extra: Record<string, string> = {}) =>
    startServer({ RATE_LIMIT_ANONYMOUS: "5", RATE_LIMIT_ANONYMOUS_WINDOW_SECONDS: "600", REDIS_NAMESPACE: `anon-${Math.random().toString(36).slice(2, 10)}`, ...extra });
  const connectFrom = (server: TestServer, variables: Record<string, unknown>, forwardedFor?: string) =>
    fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) },
      body: JSON.stringify({ query: CONNECT, variables }),
    });

  it("refuses an address's sign-ups and sign-ins over the limit with 429 and Retry-After; signed-in users go on", async () => {
    const server = await limited();
    const user = await registerUser(server);
    for (let i = 0; i < 3; i += 1) {
      const wrong = onlyError(await gql(server, CONNECT, { u: user.username, p: "not the password" }));
      expect(wrong.extensions?.code).toBe("UNAUTHENTICATED");
    }
    // Signing up (register, connect) and three wrong passwords used the five: the right password is refused too, for now.
    const response = await connectFrom(server, { u: user.username, p: user.password });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expectRateLimited(((await response.json()) as { errors: GqlError[] }).errors[0]);
    expectRateLimited(onlyError(await gql(server, `mutation { register(userIdentifier: "someone-new") { password } }`)));
    // Without TRUST_PROXY a client cannot claim another address.
    expect((await connectFrom(server, { u: user.username, p: user.password }, "198.51.100.7")).status).toBe(429);
    // The user's token still works, mutations included: the limit is the address's, not theirs.
    await ok(server, SET_NICKNAME, { n: "signed in" }, { token: user.token });
  });

  it("with TRUST_PROXY, counts each forwarded client address apart", async () => {
    const server = await limited({ TRUST_PROXY: "127.0.0.1,::1" });
    const user = await registerUser(server);
    for (let i = 0; i < 5; i += 1) expect((await connectFrom(server, { u: user.username, p: user.password }, "198.51.100.7")).status).toBe(200);
    expect((await connectFrom(server, { u: user.username, p: user.password }, "198.51.100.7")).status).toBe(429);
    expect((await connectFrom(server, { u: user.username, p: user.password }, "198.51.100.8")).status).toBe(200);
  });

  it("is off with RATE_LIMIT_ANONYMOUS=0", async () => {
    const server = await limited({ RATE_LIMIT_ANONYMOUS: "0" });
    const user = await registerUser(server);
    for (let i = 0; i < 6; i += 1) expect((await connectFrom(server, { u: user.username, p: user.password })).status).toBe(200);
  });
});
