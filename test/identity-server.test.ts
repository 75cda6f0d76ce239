// The app's backend and its users' identity: registration modes, the server credential (re-key,
// mint, revoke all) and tokens of the app's own auth (RS256/ES256 JWTs), on HTTP and WebSocket.
import { generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportJWK, SignJWT, UnsecuredJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { gql, ok, onlyError, WsClient } from "./support/clients.js";
import { registerUser, uniqueName } from "./support/fixtures.js";
import { startServer, startServerPair, tempDataDir, type TestServer } from "./support/server.js";

const SERVER_KEY = "server-key-0123456789abcdef0123456789";
const REGISTER = `mutation($id: String!) { register(userIdentifier: $id) { username password userJid isProfileUpdated } }`;
const CONNECT = `mutation($u: String!, $p: String!) { connect(username: $u, password: $p) { token } }`;
const MINT = `mutation($id: String!, $ttl: Int) { mintUserToken(userIdentifier: $id, expiresInSeconds: $ttl) { token userJid expiresAt } }`;
const REVOKE_ALL = `mutation($id: String!) { revokeUserTokens(userIdentifier: $id) }`;
const ME = `{ myProfile { jid username } }`;

const asServer = { headers: { "x-api-key": SERVER_KEY } };

describe.each(["open", "licence", "server"] as const)("registration mode %s", (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ REGISTRATION: mode, LICENSE_KEY: "lk-0123456789", SERVER_API_KEY: SERVER_KEY });
  });

  const asAnyone = mode === "licence" ? { headers: { "x-license-key": "lk-0123456789" } } : {};

  it("an anonymous re-register of an existing user is a CONFLICT and the old password still connects", async () => {
    const owner = (await ok(server, REGISTER, { id: uniqueName() }, asServer)).register;
    const again = onlyError(await gql(server, REGISTER, { id: owner.username }, asAnyone));
    expect(again.extensions).toMatchObject(mode === "server" ? { code: "FORBIDDEN" } : { code: "CONFLICT", field: "userIdentifier" });
    await ok(server, CONNECT, { u: owner.username, p: owner.password });
  });

  it("with the server credential, register re-keys an existing user: the new password connects, the old one not", async () => {
    const first = (await ok(server, REGISTER, { id: uniqueName() }, asServer)).register;
    const token = (await ok(server, CONNECT, { u: first.username, p: first.password })).connect.token;
    await ok(server, `mutation { setUserProfile(input: { nickname: "A" }) { nickname } }`, {}, { token });
    const second = (await ok(server, REGISTER, { id: first.username }, asServer)).register;
    expect(second.password).not.toBe(first.password);
    expect(second.isProfileUpdated).toBe(true);
    expect(onlyError(await gql(server, CONNECT, { u: first.username, p: first.password })).extensions).toMatchObject({ code: "UNAUTHENTICATED" });
    await ok(server, CONNECT, { u: first.username, p: second.password });
  });

  it("a wrong server credential is refused alike for an existing and a new user", async () => {
    const existing = (await ok(server, REGISTER, { id: uniqueName() }, asServer)).register.username;
    const wrong = { headers: { "x-api-key": "not-the-key-0123456789abcdef0123456789" } };
    const errors = [];
    for (const id of [existing, uniqueName()]) {
      errors.push(onlyError(await gql(server, REGISTER, { id }, wrong)));
      errors.push(onlyError(await gql(server, MINT, { id }, wrong)));
      errors.push(onlyError(await gql(server, REVOKE_ALL, { id }, wrong)));
      errors.push(onlyError(await gql(server, MINT, { id })));
      errors.push(onlyError(await gql(server, REVOKE_ALL, { id })));
    }
    for (const error of errors) {
      expect(error).toMatchObject({ message: "a valid server API key is required in the x-api-key header", extensions: { code: "UNAUTHENTICATED", statusCode: 401 } });
    }
  });

  it(mode === "server" ? "only the app's backend creates users" : "anyone allowed by the mode creates users", async () => {
    const result = await gql(server, REGISTER, { id: uniqueName() }, asAnyone);
    if (mode === "server") {
      expect(onlyError(result).extensions).toMatchObject({ code: "FORBIDDEN", statusCode: 403 });
    } else {
      expect(result.data?.register.password).toEqual(expect.any(String));
    }
  });
});

describe("the server credential", () => {
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    [one, two] = await startServerPair({ SERVER_API_KEY: SERVER_KEY });
  });

  it("mints a token for a new identifier, creating the user; the token works over HTTP and WebSocket, on the pair's other server", async () => {
    const id = uniqueName("App");
    const { mintUserToken } = await ok(one, MINT, { id }, asServer);
    expect(mintUserToken.userJid).toBe(`${id.toLowerCase()}@localhost`);
    const { myProfile } = await ok(two, ME, {}, { token: mintUserToken.token });
    expect(myProfile).toEqual({ jid: `${id.toLowerCase()}@localhost`, username: id.toLowerCase() });
    const ws = await WsClient.connect(two, mintUserToken.token);
    expect((await ws.execute(ME)).data).toEqual({ myProfile });
    await ws.close();
  });

  it("mints for an existing user, with the lifetime asked for", async () => {
    const user = await registerUser(one);
    const before = Date.now();
    const { mintUserToken } = await ok(one, MINT, { id: user.username, ttl: 120 }, asServer);
    const expiresAt = new Date(mintUserToken.expiresAt).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 119_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 121_000);
    expect((await ok(one, ME, {}, { token: mintUserToken.token })).myProfile.jid).toBe(user.jid);
  });

  it.each([[59], [366 * 24 * 3600]])("refuses a lifetime of %s s, naming expiresInSeconds", async (ttl) => {
    const error = onlyError(await gql(one, MINT, { id: uniqueName(), ttl }, asServer));
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "expiresInSeconds" });
  });

  it("revokes all of a user's tokens: HTTP refuses them and their sockets close, on both servers of the pair; a new token works", async () => {
    const user = await registerUser(one);
    const minted = (await ok(one, MINT, { id: user.username }, asServer)).mintUserToken.token;
    const sockets = [await WsClient.connect(one, user.token), await WsClient.connect(two, minted)];
    expect(await ok(two, REVOKE_ALL, { id: user.username }, asServer)).toEqual({ revokeUserTokens: true });
    for (const ws of sockets) expect(await ws.waitForClose()).toEqual({ code: 4401, reason: "Token revoked" });
    for (const [server, token] of [[one, user.token], [two, minted], [one, minted]] as const) {
      expect(onlyError(await gql(server, ME, {}, { token }))).toMatchObject({ message: "token revoked", extensions: { code: "UNAUTHENTICATED" } });
    }
    const fresh = (await ok(two, MINT, { id: user.username }, asServer)).mintUserToken.token;
    await ok(one, ME, {}, { token: fresh });
    const again = (await ok(one, CONNECT, { u: user.username, p: user.password })).connect.token;
    await ok(two, ME, {}, { token: again });
  });

  it("revoking an unknown user's tokens is NOT_FOUND for the app's backend", async () => {
    expect(onlyError(await gql(one, REVOKE_ALL, { id: uniqueName() }, asServer)).extensions).toMatchObject({ code: "NOT_FOUND" });
  });

  it("the app's backend is not held to the per-address limit on anonymous mutations", async () => {
    const limited = await startServer({ SERVER_API_KEY: SERVER_KEY, RATE_LIMIT_ANONYMOUS: "2" });
    for (let i = 0; i < 4; i++) await ok(limited, MINT, { id: uniqueName() }, asServer);
    await gql(limited, REGISTER, { id: uniqueName() });
    await gql(limited, REGISTER, { id: uniqueName() });
    expect(onlyError(await gql(limited, REGISTER, { id: uniqueName() })).extensions).toMatchObject({ code: "RATE_LIMITED" });
  });
});

describe("tokens of the app's own auth", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ISSUER = "https://auth.example.com";
  const AUDIENCE = "parley";
  let servers: TestServer[];

  const pem = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();
  const sign = (
    key: KeyObject | Uint8Array,
    alg: string,
    claims: { sub?: string; iss?: string; aud?: string; exp?: number | null } = {},
  ) => {
    const jwt = new SignJWT({}).setProtectedHeader({ alg }).setIssuedAt().setJti(randomUUID()).setSubject(claims.sub ?? uniqueName("Ext"));
    jwt.setIssuer(claims.iss ?? ISSUER).setAudience(claims.aud ?? AUDIENCE);
    if (claims.exp !== null) jwt.setExpirationTime(claims.exp ?? "10m");
    return jwt.sign(key);
  };

  beforeAll(async () => {
    const jwksFile = join(tempDataDir(), "jwks.json");
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(ec.publicKey)), kid: "ec-1" }, { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1" }] }));
    const common = { AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE, SERVER_API_KEY: SERVER_KEY };
    servers = [
      // An inline PEM, newlines escaped as an environment variable may carry them.
      await startServer({ ...common, AUTH_JWT_PUBLIC_KEY: pem(rsa.publicKey).replace(/\n/g, "\\n") }),
      await startServer({ ...common, AUTH_JWT_JWKS_FILE: jwksFile }),
    ];
  });

  it("an RS256 token with the configured public key is accepted, its user created on first sight, on HTTP and WebSocket", async () => {
    const sub = uniqueName("Ext");
    const token = await sign(rsa.privateKey, "RS256", { sub });
    const { myProfile } = await ok(servers[0]!, ME, {}, { token });
    expect(myProfile).toEqual({ jid: `${sub.toLowerCase()}@localhost`, username: sub.toLowerCase() });
    const ws = await WsClient.connect(servers[0]!, token);
    expect((await ws.execute(ME)).data).toEqual({ myProfile });
    await ws.close();
    // The same user the next time, and others see them by their jid.
    expect((await ok(servers[0]!, ME, {}, { token: await sign(rsa.privateKey, "RS256", { sub }) })).myProfile).toEqual(myProfile);
  });

  it("ES256 and RS256 tokens are accepted with keys from a JWKS file", async () => {
    for (const [key, alg] of [[ec.privateKey, "ES256"], [rsa.privateKey, "RS256"]] as const) {
      const sub = uniqueName("Ext");
      expect((await ok(servers[1]!, ME, {}, { token: await sign(key, alg, { sub }) })).myProfile.username).toBe(sub.toLowerCase());
    }
  });

  it("an external token's user can chat with a registered user", async () => {
    const bob = await registerUser(servers[0]!);
    const token = await sign(rsa.privateKey, "RS256");
    const { sendTextMessage } = await ok(
      servers[0]!,
      `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { toJid text } }`,
      { input: { toJid: bob.jid, messageText: "hello from the app" } },
      { token },
    );
    expect(sendTextMessage).toEqual({ toJid: bob.jid, text: "hello from the app" });
  });

  const refused: [string, () => Promise<string>][] = [
    ["a wrong signature", () => sign(stranger.privateKey, "RS256")],
    ["alg none", async () => new UnsecuredJWT({ sub: uniqueName(), iss: ISSUER, aud: AUDIENCE }).setExpirationTime("10m").encode()],
    ["a wrong issuer", () => sign(rsa.privateKey, "RS256", { iss: "https://evil.example.com" })],
    ["a wrong audience", () => sign(rsa.privateKey, "RS256", { aud: "someone-else" })],
    ["no exp", () => sign(rsa.privateKey, "RS256", { exp: null })],
    ["an expired exp", () => sign(rsa.privateKey, "RS256", { exp: Math.floor(Date.now() / 1000) - 60 })],
    ["HS256 signed with the public key as the secret", () => sign(new TextEncoder().encode(pem(rsa.publicKey)), "HS256")],
    ["a user claim that is no identifier", () => sign(rsa.privateKey, "RS256", { sub: "not valid!" })],
  ];

  it.each(refused)("refuses %s on HTTP and WebSocket", async (_, make) => {
    const token = await make();
    for (const server of servers) {
      expect(onlyError(await gql(server, ME, {}, { token })).extensions).toMatchObject({ code: "UNAUTHENTICATED" });
      expect(await WsClient.open(server, token).waitForClose()).toMatchObject({ code: 4403 });
    }
  });

  it("logout revokes that external token; revokeUserTokens revokes all issued before it", async () => {
    const sub = uniqueName("Ext");
    const first = await sign(rsa.privateKey, "RS256", { sub });
    const second = await sign(rsa.privateKey, "RS256", { sub });
    await ok(servers[0]!, `mutation { logout }`, {}, { token: first });
    expect(onlyError(await gql(servers[0]!, ME, {}, { token: first })).message).toBe("token revoked");
    await ok(servers[0]!, ME, {}, { token: second });
    await ok(servers[0]!, REVOKE_ALL, { id: sub }, asServer);
    expect(onlyError(await gql(servers[0]!, ME, {}, { token: second })).message).toBe("token revoked");
  });
});
