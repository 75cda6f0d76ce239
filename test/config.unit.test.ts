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
    expect(loadConfig({ NODE_ENV: "production" })).toMatchObject({ playground: false, introspection: false });
    expect(loadConfig({ NODE_ENV: "production", PLAYGROUND: "yes" })).toMatchObject({ playground: true, introspection: true });
    expect(loadConfig({ PLAYGROUND: "false", INTROSPECTION: "true" })).toMatchObject({ playground: false, introspection: true });
  });

  it("a bad value or a playground without introspection stops the start, naming the variable", () => {
    expect(() => loadConfig({ PLAYGROUND: "maybe" })).toThrow(/PLAYGROUND must be true or false/);
    expect(() => loadConfig({ PLAYGROUND: "true", INTROSPECTION: "false" })).toThrow(ConfigError);
    expect(() => loadConfig({ PLAYGROUND: "true", INTROSPECTION: "false" })).toThrow(/INTROSPECTION cannot be false while PLAYGROUND is true/);
  });
});
