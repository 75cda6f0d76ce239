// Queries and mutations on the socket door run from a plan compiled once per document and
// operation (graphql-jit) instead of graphql-js walking the document on every request: the door
// keeps one parsed document per operation text (ValidDocuments), so an app that sends the same
// operations over and over compiles each once. The plans go with their documents: when the door
// forgets a document, its plans are garbage too. The same resolvers run, with the same context.
import { type DocumentNode, execute, type ExecutionArgs, type ExecutionResult, GraphQLError, Kind } from "graphql";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";

type Plan = CompiledQuery | ExecutionResult;

/** Plans by document, then by operation name ("" for the document's one operation). */
const plans = new WeakMap<DocumentNode, Map<string, Plan>>();

/**
 * Runs a query or mutation: from its compiled plan when the document compiles, else (which a
 * document the door has validated does not do) with graphql-js, whose errors then answer.
 */
export function executeCompiled(args: ExecutionArgs): ExecutionResult | Promise<ExecutionResult> {
  const name = args.operationName ?? "";
  let byName = plans.get(args.document);
  if (!byName) plans.set(args.document, (byName = new Map()));
  let plan = byName.get(name);
  if (!plan) byName.set(name, (plan = compileQuery(args.schema, args.document, args.operationName ?? undefined)));
  if (!isCompiledQuery(plan)) return execute(args);
  const result = plan.query(args.rootValue, args.contextValue, args.variableValues ?? {});
  // Variables that do not fit their types are refused before anything runs, with no data: in
  // graphql-jit's words, while the API's are graphql-js's, as over HTTP.
  if (!isPromise(result) && result.data === undefined && result.errors) return refusedVariables(args);
  return result;
}

/**
 * graphql-js's refusal of variables that do not fit their types, each coded BAD_USER_INPUT as
 * Apollo codes them over HTTP (an error on one variable definition), rather than left without a
 * code. Anything else execute answers is returned as it is.
 */
function refusedVariables(args: ExecutionArgs): ExecutionResult | Promise<ExecutionResult> {
  const result = execute(args);
  if (isPromise(result) || !result.errors) return result;
  return {
    ...result,
    errors: result.errors.map((error) =>
      error.nodes?.length === 1 && error.nodes[0]!.kind === Kind.VARIABLE_DEFINITION && error.extensions.code === undefined
        ? new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: "BAD_USER_INPUT" } })
        : error,
    ),
  };
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T>).then === "function";
}
