// One preparation of an operation for both doors: parse (token limit), validation (graphql-js's
// rules, then the limits), operation resolution, subscriptions refused over HTTP, the strings
// and the cost of the operation with its variables, and the mutation rate limit. Each step answers with the operation or the errors to send, so that
// HTTP and WebSocket refuse the same things with the same errors.
import {
  type DocumentNode,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  parse,
  type ParseOptions,
  specifiedRules,
  validate,
  type ValidationRule,
} from "graphql";
import { LRUCache } from "lru-cache";
import type { Context, DoorServices } from "./context.js";
import type { CostLimit } from "./cost.js";
import { atTheDoor, badRequest } from "./errors.js";
import { unsafeStringIn } from "./input-strings.js";

export type Transport = "http" | "ws";

/** The errors to send instead of running the operation. */
export type Refused = { errors: readonly GraphQLError[] };

/** What a request's text has to pass before anything runs; Apollo is given the same (src/http/server.ts). */
export interface DocumentRules {
  schema: GraphQLSchema;
  parseOptions: ParseOptions;
  /** The limits, run after graphql-js's own rules. */
  rules: ValidationRule[];
  /** Counted once the variables are known (checkOperation), as list sizes may come from them. */
  cost: CostLimit;
}

/** An operation as a door received it, parsed and valid. */
export interface OperationRequest {
  document: DocumentNode;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | null | undefined;
}

/**
 * Parses and validates an operation's text as Apollo does on HTTP: the same calls, options and
 * codes (GRAPHQL_PARSE_FAILED; GRAPHQL_VALIDATION_FAILED is formatError's default).
 */
export function parseAndValidate(rules: DocumentRules, query: string): { document: DocumentNode; errors?: undefined } | (Refused & { document?: undefined }) {
  let document;
  try {
    document = parse(query, rules.parseOptions);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return { errors: [new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code: "GRAPHQL_PARSE_FAILED" } })] };
  }
  // validate() runs only the rules it is given: graphql-js's own first, as Apollo does.
  const errors = validate(rules.schema, document, [...specifiedRules, ...rules.rules]);
  return errors.length > 0 ? { errors } : { document };
}

/**
 * Documents the socket door parsed and validated, by their text. A client sends the same few
 * documents again and again (each message it sends, each subscription it opens): without this,
 * each would be parsed and validated anew, and each open subscription would keep a syntax tree
 * of its own (about 2 KB) for as long as it lives. Apollo keeps such a store for HTTP. Only valid
 * documents are kept (a refusal is worked out again, and is cheap to); the store is bounded by
 * the number of documents and their total text, least recently used first out.
 */
export class ValidDocuments {
  /** Each document with the text it was stored under (see sharedText). */
  private readonly documents: LRUCache<string, { document: DocumentNode; text: string }>;

  constructor(
    private readonly rules: DocumentRules,
    limits: { documents: number; textChars: number } = { documents: 1000, textChars: 4_000_000 },
  ) {
    this.documents = new LRUCache({ max: limits.documents, maxSize: limits.textChars, sizeCalculation: (_entry, text) => Math.max(1, text.length) });
  }

  parseAndValidate(query: string): ReturnType<typeof parseAndValidate> {
    const known = this.documents.get(query);
    if (known) return { document: known.document };
    const result = parseAndValidate(this.rules, query);
    if (result.document) this.documents.set(query, { document: result.document, text: query });
    return result;
  }

  /**
   * The store's copy of a valid document's text, equal to query: each subscribe message brings a
   * copy of its own, which graphql-ws keeps with the message for as long as the subscription
   * lives (a client's subscription text is often a kilobyte); one copy can serve them all.
   */
  sharedText(query: string): string {
    return this.documents.peek(query)?.text ?? query;
  }
}

/** The operation, when the document names one, and the one error to send instead of running it, if any. */
export type Checked = { operation: OperationDefinitionNode; errors?: undefined } | (Refused & { operation: OperationDefinitionNode | undefined });

/**
 * The operation to run out of a valid document, once the door's transport may serve it, its
 * strings are safe to store, its cost is within the limit and the caller's mutation allowance
 * covers it; refused, with one error. Errors that are not API errors
 * (the rate limiter's store failing) come back wrapped, to be logged and masked like an
 * execution error.
 */
export async function checkOperation(rules: DocumentRules, context: Context<DoorServices>, request: OperationRequest, transport: Transport): Promise<Checked> {
  const { document, operationName } = request;
  const variables = request.variables ?? undefined;
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) {
    // graphql-js's words, which Apollo sends when execute() cannot pick the operation.
    const why = operationName ? `Unknown operation named "${operationName}".` : "Must provide operation name if query contains multiple operations.";
    return { operation: undefined, errors: [new GraphQLError(why, { extensions: { code: "OPERATION_RESOLUTION_FAILURE", http: { status: 400 } } })] };
  }
  // Apollo would run a subscription sent over HTTP like a query, with no event to resolve.
  if (transport === "http" && operation.operation === "subscription") {
    return { operation, errors: [badRequest("subscriptions are served over WebSocket (graphql-transport-ws) on /graphql, not over HTTP")] };
  }
  // Coerced once for the checks below. Variables that do not fit their types are execution's to
  // refuse, with graphql-js's own errors, before any resolver runs: neither check applies to them.
  const coerced = getVariableValues(rules.schema, operation.variableDefinitions ?? [], variables ?? {});
  if (!coerced.errors) {
    const unsafe = unsafeStringIn(rules.schema, document, operation, coerced.coerced);
    if (unsafe) return { operation, errors: [atTheDoor(unsafe)] };
    const tooCostly = rules.cost.refusal(document, operation, variables, true);
    if (tooCostly) return { operation, errors: [tooCostly] };
  }
  try {
    await context.services.mutationLimit.check(context, document, operation);
  } catch (error) {
    return { operation, errors: [error instanceof GraphQLError ? error : new GraphQLError("rate limit check failed", { originalError: error as Error })] };
  }
  return { operation };
}
