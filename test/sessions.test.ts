// Sessions that end, sockets a user may hold, and browsers on other origins: revoked tokens'
// sockets close on every process even when the broker loses the news, expired tokens' sockets
// close and run nothing more, the socket cap, refusal reasons (and their metrics), CORS and the
// WebSocket origin check.
import { randomUUID } from "node:crypto";
import { decodeJwt, SignJWT } from "jose";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, ok, onlyError, ProtocolSocket, WsClient } from "./support/clients.js";
import { registerUser } from "./support/fixtures.js";
import { PrivateRedis, stopPrivateServices } from "./support/private-services.js";
import { scrape } from "./support/prometheus.js";
import { onPostgresAndRedis, startServer, startServerPair, TEST_JWT_SECRET, type TestServer } from "./support/server.js";

const ME = `{ myProfile { jid } }`;
const SERVER_KEY = "server-key-0123456789abcdef0123456789";

describe.runIf(onPostgresAndRedis)("revocation when the broker loses the news", () => {
  let redis: PrivateRedis;
  let cut: TestServer;
  let other: TestServer;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // This process's broker is a Redis of the test's own; the other one's is the shared Redis.
    cut = await startServer({ REDIS_URL: redis.url, SESSION_RECHECK_SECONDS: "1", REDIS_NAMESPACE: undefined, SERVER_API_KEY: SERVER_KEY });
    other = await startServer({ SERVER_API_KEY: SERVER_KEY });
  });

  /** The broker back and this process ready again (sockets need it for presence). */
  const brokerBack = async () => {
    await redis.resume();
    for (const deadline = Date.now() + 15_000; (await fetch(`${cut.url}/readyz`)).status !== 200; ) {
      if (Date.now() > deadline) throw new Error("the process did not get its broker back within 15 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  afterAll(async () => {
    await brokerBack();
    await stopPrivateServices();
  });

  it("logout while the process's broker is down answers success, and its socket closes within the re-check period", async () => {
    const user = await registerUser(cut);
    const ws = await WsClient.connect(cut, user.token);
    await redis.stop();
    expect(await gql(cut, `mutation { logout }`, {}, { token: user.token })).toEqual({ status: 200, data: { logout: true } });
    expect(await ws.waitForClose(5000)).toEqual({ code: 4401, reason: "Token revoked" });
    expect(onlyError(await gql(other, ME, {}, { token: user.token })).message).toBe("token revoked");
  });

  it("a revocation made on another process, whose news never reaches this one, closes this one's sockets within the period", async () => {
    await brokerBack();
    const user = await registerUser(cut);
    const ws = await WsClient.connect(cut, user.token);
    await redis.stop();
    await ok(other, `mutation($id: String!) { revokeUserTokens(userIdentifier: $id) }`, { id: user.username }, { headers: { "x-api-key": SERVER_KEY } });
    expect(await ws.waitForClose(5000)).toEqual({ code: 4401, reason: "Token revoked" });
  });
});

describe("sockets per user", () => {
  let servers: [TestServer, TestServer];
  beforeAll(async () => {
    servers = await startServerPair();
  });

  it("the 33rd socket of one user, its 32 others spread over the pair's servers, is refused with its reason; the first 32 keep working", async () => {
    const user = await registerUser(servers[0]);
    const sockets: WsClient[] = [];
    for (let i = 0; i < 32; i++) sockets.push(await WsClient.connect(servers[i % 2]!, user.token));
    const before = await scrape(servers[1]);
    const over = WsClient.open(servers[1], user.token);
    expect(await over.waitForClose()).toEqual({ code: 4429, reason: "Too many sockets for this user: at most 32" });
    const after = await scrape(servers[1]);
    expect(after.value("parley_websocket_refused_total", { reason: "too_many_sockets" }) - before.value("parley_websocket_refused_total", { reason: "too_many_sockets" })).toBe(1);
    const answers = await Promise.all(sockets.map((ws) => ws.execute(ME)));
    expect(answers.map((a) => a.data)).toEqual(sockets.map(() => ({ myProfile: { jid: user.jid } })));
    // A socket closed makes room for another.
    await sockets.pop()!.close();
    await expect.poll(async () => servers[0].app.services.presence.socketCount(await userIdOf(servers[0], user.token))).toBe(31);
    const again = await WsClient.connect(servers[1], user.token);
    await again.close();
    await Promise.all(sockets.map((ws) => ws.close()));
  });

  it("MAX_SOCKETS_PER_USER sets the cap", async () => {
    const small = await startServer({ MAX_SOCKETS_PER_USER: "2" });
    const user = await registerUser(small);
    const open = [await WsClient.connect(small, user.token), await WsClient.connect(small, user.token)];
    expect(await WsClient.open(small, user.token).waitForClose()).toEqual({ code: 4429, reason: "Too many sockets for this user: at most 2" });
    // Another user is not affected.
    await (await WsClient.connect(small, (await registerUser(small)).token)).close();
    await Promise.all(open.map((ws) => ws.close()));
  });
});

async function userIdOf(server: TestServer, token: string): Promise<number> {
  return (await server.app.services.identity.authenticate(token)).userId;
}

describe("tokens that expire", () => {
  let rechecking: TestServer;
  let slow: TestServer;
  beforeAll(async () => {
    rechecking = await startServer({ SESSION_RECHECK_SECONDS: "1" });
    slow = await startServer({ SESSION_RECHECK_SECONDS: "3600" });
  });

  /** The user's token again, expiring `seconds` from now, signed as the server signs its own. */
  const expiringIn = (token: string, seconds: number) => {
    const claims = decodeJwt(token);
    const expiresAt = Math.floor(Date.now() / 1000) + seconds;
    const signed = new SignJWT({ username: claims.username, gen: claims.gen })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("parley")
      .setSubject(claims.sub!)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    return { token: signed, expiresAtMs: expiresAt * 1000 };
  };

  it("a socket whose token expires is closed with 4401 and its reason", async () => {
    const user = await registerUser(rechecking);
    const ws = await WsClient.connect(rechecking, await expiringIn(user.token, 2).token);
    expect(await ws.waitForClose(8000)).toEqual({ code: 4401, reason: "Token expired" });
  });

  it("an operation sent once the token has expired is not run, and its socket closes with 4401", async () => {
    const user = await registerUser(slow);
    const { token, expiresAtMs } = expiringIn(user.token, 2);
    const socket = await ProtocolSocket.connect(slow, await token);
    // The clock is what this test is about: it waits for the expiry itself.
    await new Promise((resolve) => setTimeout(resolve, expiresAtMs - Date.now() + 50));
    socket.send({ type: "subscribe", id: "1", payload: { query: ME } });
    expect(await socket.waitForClose()).toEqual({ code: 4401, reason: "Token expired" });
    expect(socket.messages.items.filter((m) => m.id === "1" && m.type === "next")).toEqual([]);
  });
});

describe("refusal reasons", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });

  it("each refusal at connection_init says why in the close reason, and is counted by reason", async () => {
    const user = await registerUser(server);
    const revoked = await registerUser(server);
    await ok(server, `mutation { logout }`, {}, { token: revoked.token });
    const before = await scrape(server);
    const cases = [
      [undefined, { code: 4403, reason: 'Missing token: send { authorization: "Bearer <token>" } as connectionParams' }, "missing_token"],
      ["not.a.token", { code: 4403, reason: "Invalid token" }, "invalid_token"],
      [revoked.token, { code: 4403, reason: "Token revoked" }, "revoked_token"],
    ] as const;
    for (const [token, close] of cases) expect(await WsClient.open(server, token).waitForClose()).toEqual(close);
    const after = await scrape(server);
    for (const [, , reason] of cases) {
      expect(after.value("parley_websocket_refused_total", { reason }) - before.value("parley_websocket_refused_total", { reason })).toBe(1);
    }
    await (await WsClient.connect(server, user.token)).close();
  });
});

describe("browsers on other origins", () => {
  const APP = "https://app.example.com";

  const preflight = (server: TestServer, origin: string) =>
    fetch(server.graphqlUrl, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type, authorization" },
    });

  const post = (server: TestServer, origin: string) =>
    fetch(server.graphqlUrl, { method: "POST", headers: { origin, "content-type": "application/json" }, body: JSON.stringify({ query: `{ jid(username: "bob") }` }) });

  /** The status of a WebSocket upgrade from a page of this origin: 101 when accepted. */
  const upgrade = (server: TestServer, origin: string) =>
    new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(server.wsUrl, "graphql-transport-ws", { origin });
      socket.once("upgrade", (response) => {
        resolve(response.statusCode ?? 0);
        socket.close();
      });
      socket.once("unexpected-response", (_, response) => resolve(response.statusCode ?? 0));
      socket.once("error", (error) => (error.message.startsWith("Unexpected server response") ? undefined : reject(error)));
    });

  it("by default any origin may call, without credentials: the preflight is answered and the POST carries the headers", async () => {
    const server = await startServer();
    const answer = await preflight(server, "https://anywhere.example.org");
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe("*");
    expect(answer.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect(answer.headers.get("access-control-allow-headers")?.toLowerCase()).toMatch(/authorization/);
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
    const response = await post(server, "https://anywhere.example.org");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { jid: "bob@localhost" } });
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-expose-headers")?.toLowerCase()).toMatch(/retry-after/);
    expect(await upgrade(server, "https://anywhere.example.org")).toBe(101);
  });

  it("with CORS_ORIGINS, a listed origin gets the headers and its socket; another gets neither", async () => {
    const server = await startServer({ CORS_ORIGINS: `${APP},http://localhost:5173` });
    const allowed = await preflight(server, APP);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP);
    expect((await post(server, APP)).headers.get("access-control-allow-origin")).toBe(APP);
    expect(await upgrade(server, APP)).toBe(101);

    const evil = "https://evil.example.net";
    expect((await preflight(server, evil)).headers.get("access-control-allow-origin")).toBeNull();
    expect((await post(server, evil)).headers.get("access-control-allow-origin")).toBeNull();
    const before = await scrape(server);
    expect(await upgrade(server, evil)).toBe(403);
    expect((await scrape(server)).value("parley_websocket_refused_total", { reason: "origin_not_allowed" }) - before.value("parley_websocket_refused_total", { reason: "origin_not_allowed" })).toBe(1);
    // Clients that are not browsers send no Origin, and are not affected.
    const user = await registerUser(server);
    await (await WsClient.connect(server, user.token)).close();
  });
});
