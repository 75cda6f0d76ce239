// Strings are checked once, at the door: every string an operation hands to a resolver (an argument
// or an input field, written in the document or sent as a variable, at any depth of input objects
// and lists) is refused when it holds a NUL or an unpaired UTF-16 surrogate. Neither can be stored
// (PostgreSQL refuses NUL in text; a lone surrogate is not UTF-8) nor encoded (encodeURIComponent
// throws), so past the door they would surface as internal errors in whichever service met them.
import {
  type DocumentNode,
  type FieldNode,
  getArgumentValues,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";
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

/** A field of the operation (or of a fragment) that takes arguments, with its definition. */
interface ArgumentSite {
  field: GraphQLField<unknown, unknown>;
  node: FieldNode;
}

/**
 * The argument sites of each operation, by schema and document: found by one walk of the
 * document with its types, the first time it is checked. Both doors hand in the same tree for the
 * same text (Apollo's document store, the socket's ValidDocuments), so this holds what their
 * bounded stores hold, and no more.
 */
const sitesBySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<OperationDefinitionNode, ArgumentSite[]>>>();

function argumentSites(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): ArgumentSite[] {
  let byDocument = sitesBySchema.get(schema);
  if (!byDocument) sitesBySchema.set(schema, (byDocument = new WeakMap()));
  let byOperation = byDocument.get(document);
  if (!byOperation) byDocument.set(document, (byOperation = new Map()));
  let sites = byOperation.get(operation);
  if (sites) return sites;
  const found: ArgumentSite[] = [];
  const typeInfo = new TypeInfo(schema);
  // Only the operation that runs, and the fragments it may spread.
  const runs: DocumentNode = { kind: Kind.DOCUMENT, definitions: document.definitions.filter((d) => d === operation || d.kind === Kind.FRAGMENT_DEFINITION) };
  visit(
    runs,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const field = typeInfo.getFieldDef();
        if (field && node.arguments?.length) found.push({ field, node });
      },
    }),
  );
  byOperation.set(operation, (sites = found));
  return sites;
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
