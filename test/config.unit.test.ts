// Configuration of the limits, Redis namespace and playground added to the environment: defaults,
// parsing, and a bad value named in the error.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("config", () => {
  it("rate limit and Redis namespace have defaults", () => {
    const config = loadConfig({});
    expect(config.rateLimit).toEqual({ mutations: 1000, windowSeconds: 10, anonymous: 30, anonymousWindowSeconds: 60 });
    expect(config.trustProxy).toBe(false);
    expect(config.redisPrefix).toBe("");
  });

  it("reads them from the environment", () => {
    const config = loadConfig({
      RATE_LIMIT_MUTATIONS: "0",
      RATE_LIMIT_WINDOW_SECONDS: "60",
      RATE_LIMIT_ANONYMOUS: "5",
      RATE_LIMIT_ANONYMOUS_WINDOW_SECONDS: "300",
      TRUST_PROXY: "10.0.0.0/8,::1",
      REDIS_NAMESPACE: "tenant-1",
    });
    expect(config.rateLimit).toEqual({ mutations: 0, windowSeconds: 60, anonymous: 5, anonymousWindowSeconds: 300 });
    expect(config.trustProxy).toEqual(["10.0.0.0/8", "::1"]);
    expect(loadConfig({ TRUST_PROXY: "true" }).trustProxy).toBe(true);
    expect(config.redisPrefix).toBe("tenant-1:");
  });

  it.each([
    ["RATE_LIMIT_MUTATIONS", "-1"],
    ["RATE_LIMIT_MUTATIONS", "many"],
    ["RATE_LIMIT_WINDOW_SECONDS", "0"],
    ["RATE_LIMIT_ANONYMOUS", "-1"],
    ["TRUST_PROXY", "yes please"],
    ["REDIS_NAMESPACE", "has space"],
  ])("refuses %s=%s, naming it", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration:\\n  ${name} `));
  });
});

describe("config: PLAYGROUND", () => {
  it("defaults: on unless production; introspection follows it", () => {
    expect(loadConfig({})).toMatchObject({ playground: true, introspection: true });
    expect(loadConfig({ NODE_ENV: "production", REGISTRATION: "open" })).toMatchObject({ playground: false, introspection: false });
    expect(loadConfig({ NODE_ENV: "production", REGISTRATION: "open", PLAYGROUND: "yes" })).toMatchObject({ playground: true, introspection: true });
    expect(loadConfig({ PLAYGROUND: "false", INTROSPECTION: "true" })).toMatchObject({ playground: false, introspection: true });
  });

  it("a bad value or a playground without introspection stops the start, naming the variable", () => {
    expect(() => loadConfig({ PLAYGROUND: "maybe" })).toThrow(/PLAYGROUND must be true or false/);
    expect(() => loadConfig({ PLAYGROUND: "true", INTROSPECTION: "false" })).toThrow(ConfigError);
    expect(() => loadConfig({ PLAYGROUND: "true", INTROSPECTION: "false" })).toThrow(/INTROSPECTION cannot be false while PLAYGROUND is true/);
  });
});

describe("config: identity and browsers", () => {
  it("a production start must choose its registration mode, and is told which setting and choices", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/REGISTRATION must be chosen in production: open .* licence .* server/);
    expect(loadConfig({ NODE_ENV: "production", LICENSE_KEY: "lk-1" }).registration).toBe("licence");
    expect(loadConfig({ NODE_ENV: "production", REGISTRATION: "server", SERVER_API_KEY: "k".repeat(32) }).registration).toBe("server");
  });

  it("defaults: open registration, any origin, 32 sockets per user, re-check every 5 s, no external auth", () => {
    expect(loadConfig({})).toMatchObject({
      registration: "open",
      corsOrigins: "*",
      maxSocketsPerUser: 32,
      sessionRecheckMs: 5000,
      externalAuth: undefined,
      serverApiKey: undefined,
    });
    expect(loadConfig({ REGISTRATION: "license", LICENSE_KEY: "lk" }).registration).toBe("licence");
  });

  it("reads origins and the app's auth settings", () => {
    const config = loadConfig({ CORS_ORIGINS: "https://app.example.com, http://localhost:5173", AUTH_JWT_JWKS_FILE: "/etc/jwks.json" });
    expect(config.corsOrigins).toEqual(["https://app.example.com", "http://localhost:5173"]);
    expect(config.externalAuth).toEqual({
      publicKey: undefined,
      jwksFile: "/etc/jwks.json",
      algorithms: ["RS256", "ES256"],
      userClaim: "sub",
      issuer: undefined,
      audience: undefined,
    });
  });

  it.each([
    [{ REGISTRATION: "closed" }, "REGISTRATION"],
    [{ REGISTRATION: "licence" }, "LICENSE_KEY"],
    [{ REGISTRATION: "server" }, "SERVER_API_KEY"],
    [{ SERVER_API_KEY: "short" }, "SERVER_API_KEY"],
    [{ CORS_ORIGINS: "https://app.example.com/path" }, "CORS_ORIGINS"],
    [{ AUTH_JWT_ALGORITHMS: "HS256" }, "AUTH_JWT_ALGORITHMS"],
    [{ AUTH_JWT_PUBLIC_KEY: "x", AUTH_JWT_JWKS_FILE: "y" }, "AUTH_JWT_JWKS_FILE"],
    [{ MAX_SOCKETS_PER_USER: "0" }, "MAX_SOCKETS_PER_USER"],
  ])("refuses %j, naming %s", (env, name) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`\\n  ${name}[ .]`));
  });
});
