// Strings are checked once, at the door: every string an operation hands to a resolver (an argument
// or an input field, written in the document or sent as a variable, at any depth of input objects
// and lists) is refused when it holds a NUL or an unpaired UTF-16 surrogate. Neither can be stored
// (PostgreSQL refuses NUL in text; a lone surrogate is not UTF-8) nor encoded (encodeURIComponent
// throws), so past the door they would surface as internal errors in whichever service met them.
import { type DocumentNode, getArgumentValues, GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import { argumentSites } from "./argument-sites.js";
import { badInput } from "./errors.js";

/** A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const UNSAFE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSAFE_STRING = "must not contain NUL or unpaired surrogates";

/** The path (input.customFields[0].value) of the first unsafe string in a coerced argument value. */
function unsafePath(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return UNSAFE.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unsafePath(item, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const found = unsafePath(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * BAD_USER_INPUT naming the first argument or input field of the operation that holds an unsafe
 * string, or undefined. Arguments are read as execution will see them (graphql-js's own coercion
 * of literals, variables and defaults), so nothing reaches a resolver unchecked. variableValues
 * are the operation's variables as graphql-js coerced them (getVariableValues), without errors:
 * variables that do not fit their types are execution's to refuse, before any resolver runs.
 */
export function unsafeStringIn(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variableValues: Record<string, unknown>,
): GraphQLError | undefined {
  for (const { field, node } of argumentSites(schema, document, operation)) {
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(field, node, variableValues);
    } catch (error) {
      // An argument that does not coerce is execution's to refuse, with graphql-js's own error.
      if (error instanceof GraphQLError) continue;
      throw error;
    }
    for (const [name, value] of Object.entries(args)) {
      const found = unsafePath(value, name);
      if (found) return badInput(found, UNSAFE_STRING);
    }
  }
  return undefined;
}
