// The rate limits on mutations, checked by both doors once an operation is known to be a
// mutation and before it runs: per user, and per client address for those without a token.
// Counted in Redis when REDIS_URL is set, so that they hold across every process; in memory
// otherwise (one process).
import { type DocumentNode, GraphQLError, Kind, type OperationDefinitionNode, type SelectionSetNode } from "graphql";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config } from "../config.js";
import type { Context } from "./context.js";
import { rateLimited } from "./errors.js";

/** Mutations that never count: a user over the limit can still end their session. */
const EXEMPT = new Set(["logout"]);

export class MutationRateLimiter {
  /** Per user. */
  private readonly limiter: RateLimiterAbstract | undefined;
  /** Per client address, for mutations without a token (register, connect: guessing passwords, mass sign-ups). */
  private readonly anonymous: RateLimiterAbstract | undefined;

  constructor(config: Config, redis: Redis | undefined, private readonly log: Logger) {
    const { mutations, windowSeconds, anonymous, anonymousWindowSeconds } = config.rateLimit;
    this.limiter = limiter(redis, "parley:rate:mutations", mutations, windowSeconds);
    this.anonymous = limiter(redis, "parley:rate:anonymous", anonymous, anonymousWindowSeconds);
  }

  /**
   * Counts the operation's mutation fields against the caller's allowance, or for a caller
   * without a token against their address's; RATE_LIMITED when it is used up. The app's
   * backend (server credential) is not limited.
   */
  async check(context: Pick<Context, "caller" | "clientAddress" | "serverAccess">, document: DocumentNode, operation: OperationDefinitionNode): Promise<void> {
    if ((!this.limiter && !this.anonymous) || operation.operation !== "mutation") return;
    // The app's backend registers and mints for all of its users from a few addresses.
    if (context.serverAccess === "valid") return;
    const points = countFields(document, operation.selectionSet);
    if (points === 0) return;
    const caller = await context.caller().catch((error: unknown) => {
      // A bad token is reported by the operation itself, where it matters (connect does not care).
      if (error instanceof GraphQLError && error.extensions.code === "UNAUTHENTICATED") return null;
      throw error;
    });
    if (caller) await this.consume(this.limiter, String(caller.userId), points);
    else if (context.clientAddress !== undefined) await this.consume(this.anonymous, context.clientAddress, points);
  }

  private async consume(limiter: RateLimiterAbstract | undefined, key: string, points: number): Promise<void> {
    if (!limiter) return;
    try {
      await limiter.consume(key, points);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw rateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      // Neither Redis nor the in-memory fallback answered: let the mutation through rather than fail it.
      this.log.warn({ err: rejection }, "rate limiter unavailable");
    }
  }
}

/** A limit of points per window: in Redis across processes, in memory for one; none for 0 points. */
function limiter(redis: Redis | undefined, keyPrefix: string, points: number, duration: number): RateLimiterAbstract | undefined {
  if (points === 0) return undefined;
  return redis
    ? new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points,
        duration,
        // While Redis is down each process counts on its own instead of refusing every mutation.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
      })
    : new RateLimiterMemory({ keyPrefix, points, duration });
}

/** The top-level fields of a selection set, through fragments, leaving exempt ones out. */
function countFields(document: DocumentNode, selectionSet: SelectionSetNode, seen = new Set<string>()): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!EXEMPT.has(selection.name.value) && selection.name.value !== "__typename") count += 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countFields(document, selection.selectionSet, seen);
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) count += countFields(document, fragment.selectionSet, seen);
    }
  }
  return count;
}
