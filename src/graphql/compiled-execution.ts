// Queries and mutations on the socket door run from a plan compiled once per document and
// operation (graphql-jit) instead of graphql-js walking the document on every request: the door
// keeps one parsed document per operation text (ValidDocuments), so an app that sends the same
// operations over and over compiles each once. A document is compiled on its second run, not its
// first: one sent once costs no compilation (nor can a client make the server compile by sending
// new documents). The plans go with their documents: when the door forgets a document, its plans
// are garbage too. The same resolvers run, with the same context, as over HTTP.
import { type DocumentNode, execute, type ExecutionArgs, type ExecutionResult } from "graphql";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";

/** Run once (RAN_ONCE), compiled, or not compilable (null: graphql-js runs it). */
type Plan = typeof RAN_ONCE | CompiledQuery | null;
const RAN_ONCE = 1;

/** Plans by document, then by operation name ("" for the document's one operation). */
const plans = new WeakMap<DocumentNode, Map<string, Plan>>();

export function executeCompiled(args: ExecutionArgs): ExecutionResult | Promise<ExecutionResult> {
  const plan = planFor(args);
  if (!plan) return execute(args);
  const result = plan.query(args.rootValue, args.contextValue, args.variableValues ?? {});
  // Variables that do not fit their types are refused before anything runs, with no data, in
  // graphql-jit's words; the API's are graphql-js's, as over HTTP.
  if (!isPromise(result) && result.data === undefined && result.errors) return execute(args);
  return result;
}

/** The document's plan from its second run on; undefined when graphql-js is to run it. */
function planFor(args: ExecutionArgs): CompiledQuery | undefined {
  const name = args.operationName ?? "";
  let byName = plans.get(args.document);
  if (!byName) plans.set(args.document, (byName = new Map()));
  const plan = byName.get(name);
  if (plan === undefined) {
    byName.set(name, RAN_ONCE);
    return undefined;
  }
  if (plan !== RAN_ONCE) return plan ?? undefined;
  const compiled = compileQuery(args.schema, args.document, args.operationName ?? undefined);
  const made = isCompiledQuery(compiled) ? compiled : null;
  byName.set(name, made);
  return made ?? undefined;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T>).then === "function";
}
