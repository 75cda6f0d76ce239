// Identity through the client's door: register, connect, logout, tokens on HTTP and WebSocket.
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { gql, ok, onlyError, WsClient } from "./support/clients.js";
import { registerUser, uniqueName } from "./support/fixtures.js";
import { onPostgresAndRedis, startServer, TEST_JWT_SECRET, type TestServer } from "./support/server.js";

const REGISTER = `mutation($id: String!) { register(userIdentifier: $id) { username password userJid isProfileUpdated isSandbox } }`;
const CONNECT = `mutation($u: String!, $p: String!) { connect(username: $u, password: $p) { token userJid expiresAt } }`;
const ME = `{ myProfile { jid username } }`;

describe("identity", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });

  it("registers a user and returns generated credentials once", async () => {
    const id = uniqueName("Alice");
    const { register } = await ok(server, REGISTER, { id });
    expect(register).toEqual({
      username: id.toLowerCase(),
      password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      userJid: `${id.toLowerCase()}@localhost`,
      isProfileUpdated: false,
      isSandbox: false,
    });
  });

  it("connects with the password and the token identifies the user on HTTP", async () => {
    const id = uniqueName();
    const { register } = await ok(server, REGISTER, { id });
    const { connect } = await ok(server, CONNECT, { u: id, p: register.password });
    expect(connect.userJid).toBe(`${id}@localhost`);
    expect(new Date(connect.expiresAt).getTime()).toBeGreaterThan(Date.now() + 3600_000);
    const { myProfile } = await ok(server, ME, {}, { token: connect.token });
    expect(myProfile).toEqual({ jid: `${id}@localhost`, username: id });
  });

  it("re-registering an existing user changes nothing: CONFLICT naming userIdentifier, the owner's password still connects", async () => {
    const owner = await registerUser(server);
    const again = onlyError(await gql(server, REGISTER, { id: owner.username }));
    expect(again.extensions).toMatchObject({ code: "CONFLICT", statusCode: 409, field: "userIdentifier" });
    expect(again.message).toMatch(/^userIdentifier: /);
    // Upper case names the same user: no way around it.
    expect(onlyError(await gql(server, REGISTER, { id: owner.username.toUpperCase() })).extensions).toMatchObject({ code: "CONFLICT" });
    await ok(server, CONNECT, { u: owner.username, p: owner.password });
  });

  it.each([
    ["empty", ""],
    ["too long", "a".repeat(65)],
    ["not alphanumeric", "bob-smith"],
    ["with a domain", "bob@localhost"],
  ])("refuses a userIdentifier that is %s", async (_, id) => {
    const error = onlyError(await gql(server, REGISTER, { id }));
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", statusCode: 400, field: "userIdentifier" });
    expect(error.message).toMatch(/^userIdentifier: /);
  });

  it("accepts a 64-character userIdentifier", async () => {
    const id = uniqueName().padEnd(64, "x");
    expect((await ok(server, REGISTER, { id })).register.username).toBe(id);
  });

  it("refuses a wrong password and an unknown user alike", async () => {
    const user = await registerUser(server);
    const wrong = onlyError(await gql(server, CONNECT, { u: user.username, p: "not-the-password" }));
    const unknown = onlyError(await gql(server, CONNECT, { u: uniqueName(), p: "whatever" }));
    for (const error of [wrong, unknown]) {
      expect(error.extensions).toMatchObject({ code: "UNAUTHENTICATED", statusCode: 401 });
      expect(error.message).toBe("invalid username or password");
    }
  });

  it("answers jid and groupJid, and names the bad argument", async () => {
    const data = await ok(server, `{ jid(username: "Bob") groupJid(groupId: "team-1") }`);
    expect(data).toEqual({ jid: "bob@localhost", groupJid: "team-1@mix.localhost" });
    const bad = onlyError(await gql(server, `{ jid(username: "not valid") }`));
    expect(bad.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "username" });
  });

  describe("tokens on HTTP", () => {
    const key = new TextEncoder().encode(TEST_JWT_SECRET);
    const forge = (secret: Uint8Array, sub: string, exp: number) =>
      new SignJWT({ username: "x" }).setProtectedHeader({ alg: "HS256" }).setIssuer("parley").setSubject(sub).setJti(crypto.randomUUID()).setExpirationTime(exp).sign(secret);

    it("asks for a token when there is none", async () => {
      const error = onlyError(await gql(server, ME));
      expect(error.extensions).toMatchObject({ code: "UNAUTHENTICATED", statusCode: 401 });
      expect(error.message).toMatch(/authentication required/);
    });

    it("refuses a forged token", async () => {
      const token = await forge(new TextEncoder().encode("another-secret-another-secret-another"), "1", Math.floor(Date.now() / 1000) + 600);
      const error = onlyError(await gql(server, ME, {}, { token }));
      expect(error).toMatchObject({ message: "invalid token", extensions: { code: "UNAUTHENTICATED" } });
    });

    it("refuses a garbled token", async () => {
      const error = onlyError(await gql(server, ME, {}, { token: "not.a.jwt" }));
      expect(error).toMatchObject({ message: "invalid token", extensions: { code: "UNAUTHENTICATED" } });
    });

    it("refuses an expired token", async () => {
      const token = await forge(key, "1", Math.floor(Date.now() / 1000) - 10);
      const error = onlyError(await gql(server, ME, {}, { token }));
      expect(error).toMatchObject({ message: "token expired", extensions: { code: "UNAUTHENTICATED" } });
    });

    it("refuses a token after logout", async () => {
      const user = await registerUser(server);
      expect(await ok(server, `mutation { logout }`, {}, { token: user.token })).toEqual({ logout: true });
      const error = onlyError(await gql(server, ME, {}, { token: user.token }));
      expect(error).toMatchObject({ message: "token revoked", extensions: { code: "UNAUTHENTICATED" } });
    });

    it("logout revokes only that token: another session of the user goes on", async () => {
      const user = await registerUser(server);
      const other = (await ok(server, CONNECT, { u: user.username, p: user.password })).connect.token;
      await ok(server, `mutation { logout }`, {}, { token: user.token });
      await ok(server, ME, {}, { token: other });
    });
  });

  describe("tokens on WebSocket", () => {
    it("acknowledges a valid token and runs operations over the socket", async () => {
      const user = await registerUser(server);
      const ws = await WsClient.connect(server, user.token);
      const result = await ws.execute(ME);
      expect(result.data).toEqual({ myProfile: { jid: user.jid, username: user.username } });
      await ws.close();
    });

    it.each([
      ["no token", undefined],
      ["a forged token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"],
    ])("closes with 4403 at connection_init with %s", async (_, token) => {
      const ws = WsClient.open(server, token);
      expect(await ws.waitForClose()).toMatchObject({ code: 4403 });
    });

    it("closes with 4403 for a revoked token", async () => {
      const user = await registerUser(server);
      await ok(server, `mutation { logout }`, {}, { token: user.token });
      const ws = WsClient.open(server, user.token);
      expect(await ws.waitForClose()).toMatchObject({ code: 4403 });
    });

    it("logout closes the open sockets of that token", async () => {
      const user = await registerUser(server);
      const ws = await WsClient.connect(server, user.token);
      await ok(server, `mutation { logout }`, {}, { token: user.token });
      expect(await ws.waitForClose()).toEqual({ code: 4401, reason: "Token revoked" });
    });

    it.runIf(onPostgresAndRedis)("logout closes the token's sockets on another server process", async () => {
      const other = await startServer();
      const user = await registerUser(server);
      const ws = await WsClient.connect(other, user.token);
      await ok(server, `mutation { logout }`, {}, { token: user.token });
      expect(await ws.waitForClose()).toEqual({ code: 4401, reason: "Token revoked" });
    });
  });
});

describe("licence key", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ LICENSE_KEY: "lk-0123456789", TRIAL_LICENSE: "true" });
  });

  it("register needs the licence key", async () => {
    const missing = onlyError(await gql(server, REGISTER, { id: uniqueName() }));
    expect(missing.extensions).toMatchObject({ code: "UNAUTHENTICATED", statusCode: 401 });
    expect(missing.message).toMatch(/licence key/);
    const wrong = onlyError(await gql(server, REGISTER, { id: uniqueName() }, { headers: { "x-license-key": "lk-wrong" } }));
    expect(wrong.extensions).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("register with the licence key works, and a trial licence makes sandbox users", async () => {
    const { register } = await ok(server, REGISTER, { id: uniqueName() }, { headers: { "x-license-key": "lk-0123456789" } });
    expect(register.isSandbox).toBe(true);
  });
});

describe("embedded signing key", () => {
  it("is generated on first start, kept in DATA_DIR, and still accepted after a restart", async () => {
    const first = await startServer({ DATABASE_URL: undefined, REDIS_URL: undefined, JWT_SECRET: undefined });
    const user = await registerUser(first);
    await first.close();
    const again = await startServer({ DATABASE_URL: undefined, REDIS_URL: undefined, JWT_SECRET: undefined, DATA_DIR: first.dataDir });
    await ok(again, ME, {}, { token: user.token });
  });
});
