// How the rate limits count an operation: each top-level mutation field, through fragments;
// logout and __typename are free; queries are not counted; callers without a token count against
// their address.
import { getOperationAST, GraphQLError, parse } from "graphql";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { MutationRateLimiter } from "../src/graphql/rate-limit.js";
import type { Viewer } from "../src/identity/identity.types.js";

const viewer: Viewer = { userId: 7, username: "u", jid: "u@localhost", jti: "j", expiresAt: new Date(Date.now() + 60_000), generation: 0, issuedAt: null };

function limiter(mutations: number, anonymous = 0): MutationRateLimiter {
  const config = loadConfig({
    RATE_LIMIT_MUTATIONS: String(mutations),
    RATE_LIMIT_WINDOW_SECONDS: "600",
    RATE_LIMIT_ANONYMOUS: String(anonymous),
    RATE_LIMIT_ANONYMOUS_WINDOW_SECONDS: "600",
  });
  return new MutationRateLimiter(config, undefined, pino({ level: "silent" }));
}

async function run(rl: MutationRateLimiter, source: string, caller: () => Promise<Viewer | null> = async () => viewer, clientAddress = "203.0.113.1"): Promise<string> {
  const document = parse(source);
  try {
    await rl.check({ caller, clientAddress, serverAccess: "none" }, document, getOperationAST(document)!);
    return "ok";
  } catch (error) {
    return error instanceof GraphQLError ? String(error.extensions.code) : (error as Error).message;
  }
}

describe("MutationRateLimiter", () => {
  it("counts every mutation field, through inline fragments and fragment spreads", async () => {
    const rl = limiter(4);
    const three = `mutation { a: register(userIdentifier: "x") { password } ... on Mutation { b: logout c: connect(username: "u", password: "p") { token } } ...F }
      fragment F on Mutation { d: sendTypingStatus(toJid: "v@localhost") }`;
    expect(await run(rl, three)).toBe("ok");
    expect(await run(rl, `mutation { sendTypingStatus(toJid: "v@localhost") }`)).toBe("ok");
    expect(await run(rl, `mutation { sendTypingStatus(toJid: "v@localhost") }`)).toBe("RATE_LIMITED");
  });

  it("never counts logout or __typename, nor queries", async () => {
    const rl = limiter(1);
    expect(await run(rl, `mutation { sendTypingStatus(toJid: "v@localhost") }`)).toBe("ok");
    expect(await run(rl, `mutation { logout __typename }`)).toBe("ok");
    expect(await run(rl, `{ myProfile { jid } }`)).toBe("ok");
    expect(await run(rl, `mutation { sendTypingStatus(toJid: "v@localhost") }`)).toBe("RATE_LIMITED");
  });

  it("counts callers without a token, and with a bad one, against their address, apart from any user's allowance", async () => {
    const rl = limiter(1, 3);
    const twice = `mutation { a: connect(username: "u", password: "p") { token } b: connect(username: "u", password: "p") { token } }`;
    const badToken = () => Promise.reject(new GraphQLError("invalid token", { extensions: { code: "UNAUTHENTICATED" } }));
    expect(await run(rl, twice, async () => null)).toBe("ok");
    // 2 + 2 > 3: the same address, whether its token is missing or bad.
    expect(await run(rl, twice, badToken)).toBe("RATE_LIMITED");
    expect(await run(rl, twice, async () => null, "203.0.113.2")).toBe("ok");
    // A signed-in caller from the exhausted address has their own allowance.
    expect(await run(rl, `mutation { sendTypingStatus(toJid: "v@localhost") }`)).toBe("ok");
  });

  it("leaves callers without a token alone with RATE_LIMIT_ANONYMOUS=0", async () => {
    const rl = limiter(1, 0);
    const twice = `mutation { a: connect(username: "u", password: "p") { token } b: connect(username: "u", password: "p") { token } }`;
    for (let i = 0; i < 5; i += 1) expect(await run(rl, twice, async () => null)).toBe("ok");
  });

  it("lets an unexpected failure of authentication through to the door, to be logged and masked", async () => {
    expect(await run(limiter(1), `mutation { logout sendTypingStatus(toJid: "v@localhost") }`, () => Promise.reject(new Error("database down")))).toBe("database down");
  });

  it("is off with RATE_LIMIT_MUTATIONS=0", async () => {
    const rl = limiter(0);
    for (let i = 0; i < 5; i += 1) expect(await run(rl, `mutation { sendTypingStatus(toJid: "v@localhost") }`)).toBe("ok");
  });
});
