// The rate limits on mutations, checked by both doors once an operation is known to be a
// mutation and before it runs: per user, and per client address for those without a token.
// Counted in Redis when REDIS_URL is set, so that they hold across every process; in memory
// otherwise (one process). With Redis, a busy caller's points are taken from Redis a few at a time
// ahead of use (Allowances), so that their mutations do not each wait for a Redis round trip.
import { performance } from "node:perf_hooks";
import { type DocumentNode, GraphQLError, Kind, type OperationDefinitionNode, type SelectionSetNode } from "graphql";
import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config } from "../config.js";
import type { Context } from "./context.js";
import { rateLimited } from "./errors.js";

/** Mutations that never count: a user over the limit can still end their session. */
const EXEMPT = new Set(["logout"]);

export class MutationRateLimiter {
  /** Per user. */
  private readonly limiter: Allowances | undefined;
  /** Per client address, for mutations without a token (register, connect: guessing passwords, mass sign-ups). */
  private readonly anonymous: Allowances | undefined;

  constructor(config: Config, redis: Redis | undefined, private readonly log: Logger) {
    const { mutations, windowSeconds, anonymous, anonymousWindowSeconds } = config.rateLimit;
    this.limiter = allowances(redis, "parley:rate:mutations", mutations, windowSeconds, log);
    this.anonymous = allowances(redis, "parley:rate:anonymous", anonymous, anonymousWindowSeconds, log);
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

  private async consume(limiter: Allowances | undefined, key: string, points: number): Promise<void> {
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
function allowances(redis: Redis | undefined, keyPrefix: string, points: number, duration: number, log: Logger): Allowances | undefined {
  if (points === 0) return undefined;
  if (!redis) return new Allowances(new RateLimiterMemory({ keyPrefix, points, duration }), 0, duration, () => false, log);
  const store = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points,
    duration,
    // While Redis is down each process counts on its own instead of refusing every mutation.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
  });
  return new Allowances(store, Math.floor(points * LEASE_SHARE), duration, () => redis.status === "ready", log);
}

/**
 * The share of a limit a process takes from Redis at once for a busy key (a lease). Points taken
 * are counted in Redis before any of them is handed out, so the limit holds across processes. The
 * price: points a process took and its caller then did not use there are lost to the caller for
 * the rest of the window, and so is a lease Redis refused (another process took the points since):
 * a caller who moves between processes within a window may be refused up to two and a half leases
 * per process short of the limit (25 of the default 1000). Limits under 100 points take no leases:
 * every mutation asks Redis.
 */
const LEASE_SHARE = 0.01;
/** Keys whose points a process holds, at most; the least recently used are forgotten first. */
const HELD_KEYS = 100_000;

/** Points taken ahead for one key, usable until the window they were counted in ends. */
interface Held {
  points: number;
  /** performance.now() by which the window they were counted in has ended, at the latest. */
  until: number;
  /** The key's remaining points as Redis last said. */
  remaining: number;
  /** A top-up is under way. */
  topping: boolean;
}

/**
 * A limiter whose points, for a key used more than once in a window, are taken from its store a
 * lease at a time, ahead of use and off the caller's path: a caller within their allowance waits
 * for the store only on their first two mutations of a window (the first one when they were busy
 * in the window before), or when this process runs out of points it took for them. Near the limit
 * (less than two leases left) every mutation asks the store, so the last points of a window are
 * counted exactly. A lease is taken only while Redis is ready: while it is not, the store's
 * in-memory insurance counts as it did.
 */
class Allowances {
  private readonly held: LRUCache<string, Held>;

  constructor(
    private readonly store: RateLimiterAbstract,
    private readonly lease: number,
    windowSeconds: number,
    private readonly storeReady: () => boolean,
    private readonly log: Logger,
  ) {
    // Kept a window past their own: a key busy in the last window takes a lease on its first mutation.
    this.held = new LRUCache({ max: HELD_KEYS, ttl: 2 * windowSeconds * 1000 });
  }

  /** Resolves once the points are counted; rejects with the store's RateLimiterRes when they are over the limit. */
  async consume(key: string, points: number): Promise<void> {
    const now = performance.now();
    const held = this.held.get(key);
    const current = held && held.until > now ? held : undefined;
    if (current && current.points >= points) {
      current.points -= points;
      this.topUp(key, current);
      return;
    }
    const answer = await this.store.consume(key, points);
    if (this.lease === 0) return;
    if (current) {
      current.remaining = answer.remainingPoints;
      this.topUp(key, current);
      return;
    }
    const fresh: Held = { points: 0, until: now + answer.msBeforeNext, remaining: answer.remainingPoints, topping: false };
    this.held.set(key, fresh);
    // The first mutation of a window takes a lease only for a key busy in the one before: most
    // callers send a mutation now and then, and a lease would be theirs to lose elsewhere.
    if (held) this.topUp(key, fresh);
  }

  /** Takes another lease for the key once the points held run low, unless the limit is near. */
  private topUp(key: string, held: Held): void {
    if (held.topping || held.points >= this.lease / 2 || held.remaining < 2 * this.lease || !this.storeReady()) return;
    held.topping = true;
    const sentAt = performance.now();
    this.store.consume(key, this.lease).then(
      (answer) => {
        held.topping = false;
        held.remaining = answer.remainingPoints;
        const until = sentAt + answer.msBeforeNext;
        // Counted in a window begun since the points held were: those are void.
        if (answer.isFirstInDuration || held.until <= sentAt) {
          held.points = this.lease;
          held.until = until;
        } else {
          held.points += this.lease;
          held.until = Math.min(held.until, until);
        }
        this.held.set(key, held);
      },
      (refusal: unknown) => {
        held.topping = false;
        // Over the limit: taken by another process since. The next mutation asks the store.
        held.remaining = 0;
        if (!(refusal instanceof RateLimiterRes)) this.log.debug({ err: refusal }, "rate limit lease failed");
      },
    );
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
