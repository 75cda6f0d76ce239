// The one module that makes API errors: each carries extensions.code and extensions.statusCode
// (the contract's table). formatError is the one place where anything else is masked.
import { GraphQLError, type GraphQLFormattedError, Kind } from "graphql";
import type { Logger } from "pino";
import { dependencyUnreachable } from "./unreachable.js";

export const STATUS_BY_CODE = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  FEATURE_UNAVAILABLE: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  SYNC_CURSOR_EXPIRED: 410,
  INTERNAL_SERVER_ERROR: 500,
  // Errors of the request itself, made by graphql-js and Apollo before any resolver runs.
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  PERSISTED_QUERY_NOT_FOUND: 400,
  PERSISTED_QUERY_NOT_SUPPORTED: 400,
} as const;
export type ErrorCode = keyof typeof STATUS_BY_CODE;

function apiError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, statusCode: STATUS_BY_CODE[code], ...extra } });
}

export const unauthenticated = (why = "authentication required: send Authorization: Bearer <token>") =>
  apiError("UNAUTHENTICATED", why);
export const forbidden = (why: string) => apiError("FORBIDDEN", why);
export const notFound = (what: string) => apiError("NOT_FOUND", `${what} not found`);
/** Bad input: the message and extensions.field name the offending field. */
export const badInput = (field: string, why: string) => apiError("BAD_USER_INPUT", `${field}: ${why}`, { field });
/** CONFLICT; with a field, extensions.field names the input that collides. */
export const conflict = (why: string, field?: string) => apiError("CONFLICT", why, field ? { field } : {});
export const featureUnavailable = (feature: string) =>
  apiError("FEATURE_UNAVAILABLE", `${feature} is not included in this server's plan`, { feature });
/**
 * SYNC_CURSOR_EXPIRED: entries after the cursor were pruned (SYNC_RETENTION_DAYS), so no answer
 * from it would be whole; the client reloads its state and continues from a fresh cursor.
 */
export const syncCursorExpired = (field: string, retentionDays: number) =>
  apiError(
    "SYNC_CURSOR_EXPIRED",
    `${field}: the cursor is older than what this server keeps (${retentionDays} days): reload the state (recent chats, groups, profiles) and continue with the cursor of sync(after: null)`,
    { field },
  );
/** BAD_REQUEST: a request that cannot be served as sent; on HTTP also a 400 status. */
export const badRequest = (why: string) => apiError("BAD_REQUEST", why, { http: { status: 400 } });
/** RATE_LIMITED; on HTTP also a 429 status with Retry-After (Apollo reads and removes extensions.http). */
export const rateLimited = (retryAfterSeconds: number) =>
  apiError("RATE_LIMITED", `too many requests; retry in ${retryAfterSeconds}s`, {
    retryAfterSeconds,
    http: { status: 429, headers: new Map([["retry-after", String(retryAfterSeconds)]]) },
  });

/**
 * How long a client should wait before retrying after SERVICE_UNAVAILABLE: about what a database
 * restart or a Redis failover takes, and no shorter than the Redis reconnect back-off's cap (2 s).
 */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

/**
 * SERVICE_UNAVAILABLE: the database or Redis cannot be reached; retry later. Made by formatError
 * from the driver's error, never thrown by services. On HTTP the response is a 503 with
 * Retry-After: src/http/server.ts sets them, since Apollo reads extensions.http before formatError.
 */
function serviceUnavailable(formatted: GraphQLFormattedError): GraphQLFormattedError {
  return {
    message: `service unavailable: a dependency of this server cannot be reached; retry in ${RETRY_AFTER_UNAVAILABLE_SECONDS}s`,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: "SERVICE_UNAVAILABLE", statusCode: STATUS_BY_CODE.SERVICE_UNAVAILABLE, retryAfterSeconds: RETRY_AFTER_UNAVAILABLE_SECONDS },
  };
}

/** True when an answer's errors include an outage: on HTTP it gets a 503 with Retry-After. */
export function reportsOutage(errors: readonly GraphQLFormattedError[] | undefined): boolean {
  return errors?.some((e) => e.extensions?.code === "SERVICE_UNAVAILABLE") ?? false;
}

/**
 * The error with its statusCode as the HTTP status too, for a refusal before execution: Apollo
 * answers 500 to an error thrown from its hooks unless extensions.http says otherwise.
 */
export function atTheDoor(error: GraphQLError): GraphQLError {
  const status = error.extensions.statusCode;
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status } } });
}

function isApiError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && typeof error.extensions?.code === "string" && error.extensions.code in STATUS_BY_CODE;
}

/** The first error that is not a GraphQLError wrapper: what a resolver actually threw. */
function thrownBy(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

/** True for an error that is neither an API error nor a fault of the request: a bug or an outage, to be logged (and a bug masked). */
export function isUnexpected(error: unknown): boolean {
  return !(thrownBy(error) instanceof GraphQLError);
}

/** Logs each unexpected error once, with the request id of the logger given; an outage as a warning naming the dependency. */
export function logUnexpected(log: Logger, errors: readonly unknown[]): void {
  for (const error of errors) {
    if (!isUnexpected(error)) continue;
    const err = thrownBy(error);
    const path = (error as GraphQLError).path;
    const dependency = dependencyUnreachable(err);
    if (dependency) log.warn({ err, path, dependency }, "dependency unavailable");
    else log.error({ err, path }, "unexpected error");
  }
}

export interface FormatOptions {
  /** Hide "Did you mean …?" schema hints, as in production. */
  hideSchemaHints: boolean;
}

/**
 * Shapes every error a client sees, on HTTP and WebSocket alike. API errors and errors in the
 * request itself (syntax, validation, variables) pass with their status; a dependency that
 * cannot be reached is SERVICE_UNAVAILABLE, without its driver's words (they hold addresses);
 * anything else a resolver threw is masked (logged, and given the request id, by the caller:
 * see logUnexpected and src/http/operation-outcome.ts).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, options: FormatOptions): GraphQLFormattedError {
  const thrown = thrownBy(error);
  if (!(thrown instanceof GraphQLError)) {
    if (dependencyUnreachable(thrown)) return serviceUnavailable(formatted);
    return {
      message: "Internal server error",
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        code: "INTERNAL_SERVER_ERROR",
        statusCode: 500,
      },
    };
  }
  const code = isApiError(thrown)
    ? (thrown.extensions.code as string)
    : typeof formatted.extensions?.code === "string"
      ? formatted.extensions.code
      : refusesVariable(error)
        ? "BAD_USER_INPUT"
        : "GRAPHQL_VALIDATION_FAILED";
  const statusCode = STATUS_BY_CODE[code as ErrorCode] ?? 400;
  const { stacktrace: _stack, http: _http, ...extensions } = formatted.extensions ?? {};
  return {
    ...formatted,
    message: options.hideSchemaHints ? withoutSchemaHints(formatted.message) : formatted.message,
    extensions: { ...extensions, code, statusCode },
  };
}

/**
 * graphql-js's refusal of a variable's value (it does not fit its type, or is missing): an error
 * on one variable definition, in coercion's words — validation also reports on a definition (a
 * variable never used), and stays a validation error. Apollo codes the refusal BAD_USER_INPUT over
 * HTTP by the same test; so does every door.
 */
function refusesVariable(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.nodes?.length !== 1) return false;
  const node = error.nodes[0]!;
  if (node.kind !== Kind.VARIABLE_DEFINITION) return false;
  const variable = `Variable "$${node.variable.name.value}" `;
  return ["got invalid value ", "of required type ", "of non-null type "].some((words) => error.message.startsWith(variable + words));
}

/** graphql-js suggests field and type names in its messages; in production those leak the schema. */
export function withoutSchemaHints(message: string): string {
  return message.replace(/ ?Did you mean (.+)\?$/, "");
}
