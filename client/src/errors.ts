// ParleyError: every failure the SDK reports, with the server's extensions.code (or one of the
// SDK's own codes for a socket close or a network failure) so that apps branch on codes, not text.

/** A GraphQL error as the server formats it. */
export interface GraphQLErrorBody {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; statusCode?: number; field?: string; retryAfterSeconds?: number; [key: string]: unknown };
}

/**
 * codes: the server's (UNAUTHENTICATED, BAD_USER_INPUT, …, see the README's table) and the SDK's:
 * NETWORK_ERROR (no answer, or not GraphQL), SOCKET_REFUSED (the WebSocket was closed with a
 * 44xx code; closeCode and the server's reason say why).
 */
export class ParleyError extends Error {
  readonly code: string;
  /** The argument or input field at fault, for BAD_USER_INPUT and CONFLICT. */
  readonly field: string | undefined;
  readonly statusCode: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** For SOCKET_REFUSED: the WebSocket close code (4401, 4403, 4429). */
  readonly closeCode: number | undefined;

  constructor(
    message: string,
    readonly errors: readonly GraphQLErrorBody[],
    options: { code?: string; statusCode?: number; closeCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ParleyError";
    const first = errors[0]?.extensions;
    this.code = options.code ?? first?.code ?? "INTERNAL_SERVER_ERROR";
    this.field = first?.field;
    this.statusCode = first?.statusCode ?? options.statusCode;
    this.retryAfterSeconds = first?.retryAfterSeconds;
    this.closeCode = options.closeCode;
  }

  /** The errors of a GraphQL result, for the operation named. */
  static fromErrors(operation: string, errors: readonly GraphQLErrorBody[], statusCode?: number): ParleyError {
    const text = errors.map((e) => `${e.extensions?.code ?? "ERROR"}: ${e.message}`).join("; ");
    return new ParleyError(`${operation} failed: ${text}`, errors, { statusCode });
  }
}
