// Tells an outage of a dependency (PostgreSQL, Redis) from a bug, by the shapes of the errors its
// driver throws, so that formatError can answer SERVICE_UNAVAILABLE instead of masking it.
export type Dependency = "database" | "redis";

/** Node's socket errors: nothing answers at the address, or the connection was cut. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * PostgreSQL's SQLSTATEs for a server that is going away or not taking connections:
 * 57P01 admin_shutdown (a fast stop or restart), 57P02 crash_shutdown, 57P03 cannot_connect_now
 * (starting up, shutting down, in recovery), 53300 too_many_connections; every 08xxx is a
 * connection exception.
 */
const PG_UNAVAILABLE = new Set(["57P01", "57P02", "57P03", "53300"]);

/** node-postgres says it in words, with no code, when a connection ends under it or cannot be had in time. */
const PG_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /is not queryable$/,
];

/** ioredis, after its retries (maxRetriesPerRequest) or on a connection closed under a command. */
const REDIS_MESSAGES = [/^Connection is closed\.?$/, /^Reached the max retries per request limit/, /^Stream isn't writeable/, /^Broker unreachable:/, /^redis PUBLISH: no answer/];

/**
 * The dependency that an error says cannot be reached, or undefined when it is something else.
 * Follows the wrappers: TypeORM's QueryFailedError (driverError), cause, and an AggregateError's
 * errors (one per address tried).
 * SQLite is in the process's own files: its errors (SQLITE_BUSY after busy_timeout, a full
 * disk) are not an outage a client can wait out, so they stay masked.
 */
export function dependencyUnreachable(error: unknown, depth = 0): Dependency | undefined {
  if (!(error instanceof Error) || depth > 5) return undefined;
  const { code, name, message } = error as Error & { code?: unknown };
  if (name === "MaxRetriesPerRequestError" || REDIS_MESSAGES.some((m) => m.test(message))) return "redis";
  if (typeof code === "string") {
    if (PG_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return "database";
    // A bare socket error is the database driver's: ioredis gives its callers the errors above
    // and keeps socket errors to its error event while it reconnects.
    if (SOCKET_CODES.has(code)) return "database";
  }
  if (PG_MESSAGES.some((m) => m.test(message))) return "database";
  const wrapped = [(error as { driverError?: unknown }).driverError, error.cause, ...(error instanceof AggregateError ? error.errors : [])];
  for (const inner of wrapped) {
    const found = dependencyUnreachable(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}
