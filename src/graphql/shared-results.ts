// Subscription events executed once per event and operation, not once per subscriber. A group
// message reaches a thousand members' subscriptions as one event object (PubSub.publishToMany
// hands the same object to every member without a patch of their own); the subscriptions of
// members whose clients sent the same operation get the same result, so it is executed for the
// first of them and reused by the rest. Only for root fields whose result depends on nothing but
// the event and the operation (no resolver below them reads the viewer or the context).
import {
  createSourceEventStream,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  getOperationAST,
  Kind,
  subscribe,
} from "graphql";

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Root subscription fields rendered from their event alone. */
const EVENT_ONLY_FIELDS: ReadonlySet<string> = new Set(["messageReceived"]);

/** Results by event, then by operation text and variables; gone with the event. */
const results = new WeakMap<object, Map<string, Result>>();

/** The operation text and variables that name a subscription's results, when they can be shared. */
const shareKeys = new WeakMap<ExecutionArgs, string>();

/**
 * Marks args, built from the operation text the client sent, as sharing results with every
 * subscription that sent the same text and variables, when its root field allows it.
 */
export function shareResults(args: ExecutionArgs, query: string): ExecutionArgs {
  const operation = getOperationAST(args.document, args.operationName);
  const [field, ...more] = operation?.operation === "subscription" ? operation.selectionSet.selections : [];
  if (field?.kind === Kind.FIELD && more.length === 0 && EVENT_ONLY_FIELDS.has(field.name.value)) {
    shareKeys.set(args, JSON.stringify([query, args.operationName ?? null, args.variableValues ?? null]));
  }
  return args;
}

/** graphql's subscribe, executing each event once per shared operation (see shareResults). */
export async function subscribeSharing(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const key = shareKeys.get(args);
  if (key === undefined) return subscribe(args);
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const render = (event: unknown): Result => {
    if (typeof event !== "object" || event === null) return execute({ ...args, rootValue: event });
    let byOperation = results.get(event);
    if (!byOperation) results.set(event, (byOperation = new Map()));
    let result = byOperation.get(key);
    if (!result) byOperation.set(key, (result = execute({ ...args, rootValue: event })));
    return result;
  };
  return mapEvents(stream[Symbol.asyncIterator](), render);
}

/**
 * The source stream's events mapped to results. A plain iterator rather than an async
 * generator: return() must reach the source at once, also while next() waits for an event.
 */
function mapEvents(source: AsyncIterator<unknown>, render: (event: unknown) => Result): AsyncIterableIterator<ExecutionResult> {
  const close = async (): Promise<IteratorResult<ExecutionResult>> => {
    await source.return?.();
    return { value: undefined, done: true };
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const step = await source.next();
      if (step.done) return { value: undefined, done: true };
      try {
        return { value: await render(step.value), done: false };
      } catch (error) {
        await close();
        throw error;
      }
    },
    return: close,
    async throw(error: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
