// The per-user rate limit on mutations, checked by both doors once an operation is known to be a
// mutation and before it runs. Counted in Redis when REDIS_URL is set, so that it holds across
// every process; in memory otherwise (one process).
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
  private readonly limiter: RateLimiterAbstract | undefined;

  constructor(config: Config, redis: Redis | undefined, private readonly log: Logger) {
    const { mutations: points, windowSeconds: duration } = config.rateLimit;
    if (points === 0) return;
    const keyPrefix = "parley:rate:mutations";
    this.limiter = redis
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

  /**
   * Counts the operation's mutation fields against the caller's allowance; RATE_LIMITED when it
   * is used up. Anonymous mutations (register, connect) are not per-user and are not counted.
   */
  async check(context: Pick<Context, "caller">, document: DocumentNode, operation: OperationDefinitionNode): Promise<void> {
    if (!this.limiter || operation.operation !== "mutation") return;
    const points = countFields(document, operation.selectionSet);
    if (points === 0) return;
    const caller = await context.caller().catch((error: unknown) => {
      // A bad token is reported by the operation itself, where it matters (connect does not care).
      if (error instanceof GraphQLError && error.extensions.code === "UNAUTHENTICATED") return null;
      throw error;
    });
    if (!caller) return;
    try {
      await this.limiter.consume(String(caller.userId), points);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw rateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      // Neither Redis nor the in-memory fallback answered: let the mutation through rather than fail it.
      this.log.warn({ err: rejection }, "rate limiter unavailable");
    }
  }
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
