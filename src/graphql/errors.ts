// The one module that makes API errors: each carries extensions.code and extensions.statusCode
// (the contract's table). formatError is the one place where anything else is masked.
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";

export const STATUS_BY_CODE = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  FEATURE_UNAVAILABLE: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  RATE_LIMITED: 429,
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
export const conflict = (why: string) => apiError("CONFLICT", why);
export const featureUnavailable = (feature: string) =>
  apiError("FEATURE_UNAVAILABLE", `${feature} is not included in this server's plan`, { feature });
/** BAD_REQUEST: a request that cannot be served as sent; on HTTP also a 400 status. */
export const badRequest = (why: string) => apiError("BAD_REQUEST", why, { http: { status: 400 } });
/** RATE_LIMITED; on HTTP also a 429 status with Retry-After (Apollo reads and removes extensions.http). */
export const rateLimited = (retryAfterSeconds: number) =>
  apiError("RATE_LIMITED", `too many requests; retry in ${retryAfterSeconds}s`, {
    retryAfterSeconds,
    http: { status: 429, headers: new Map([["retry-after", String(retryAfterSeconds)]]) },
  });

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

/** True for an error that is neither an API error nor a fault of the request: a bug or an outage, to be logged and masked. */
export function isUnexpected(error: unknown): boolean {
  return !(thrownBy(error) instanceof GraphQLError);
}

/** Logs each unexpected error once, with the request id of the logger given. */
export function logUnexpected(log: Logger, errors: readonly unknown[]): void {
  for (const error of errors) {
    if (isUnexpected(error)) log.error({ err: thrownBy(error), path: (error as GraphQLError).path }, "unexpected error");
  }
}

export interface FormatOptions {
  /** Hide "Did you mean …?" schema hints, as in production. */
  hideSchemaHints: boolean;
}

/**
 * Shapes every error a client sees, on HTTP and WebSocket alike. API errors and errors in the
 * request itself (syntax, validation, variables) pass with their status; anything else a
 * resolver threw is masked (logged, and given the request id, by the caller: see
 * logUnexpected and src/http/operation-outcome.ts).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, options: FormatOptions): GraphQLFormattedError {
  const thrown = thrownBy(error);
  if (!(thrown instanceof GraphQLError)) {
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
      : "GRAPHQL_VALIDATION_FAILED";
  const statusCode = STATUS_BY_CODE[code as ErrorCode] ?? 400;
  const { stacktrace: _stack, http: _http, ...extensions } = formatted.extensions ?? {};
  return {
    ...formatted,
    message: options.hideSchemaHints ? withoutSchemaHints(formatted.message) : formatted.message,
    extensions: { ...extensions, code, statusCode },
  };
}

/** graphql-js suggests field and type names in its messages; in production those leak the schema. */
export function withoutSchemaHints(message: string): string {
  return message.replace(/ ?Did you mean (.+)\?$/, "");
}
