// Subscription events executed once per event and operation, not once per subscriber. A group
// message reaches a thousand members' subscriptions as one event object (PubSub.publishToMany
// hands the same object to every member without a patch of their own); the subscriptions of
// members whose clients sent the same operation get the same result, so it is executed for the
// first of them and reused by the rest. Only for root fields whose result depends on nothing but
// the event and the operation (no resolver below them reads the viewer or the context).
import {
  createSourceEventStream,
  type DocumentNode,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  getOperationAST,
  Kind,
  subscribe,
} from "graphql";
import { type HandingIterator, nextBy, type StepTaker, stepTo } from "../realtime/async-queue.js";

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Root subscription fields rendered from their event alone. */
const EVENT_ONLY_FIELDS: ReadonlySet<string> = new Set(["messageReceived"]);

/**
 * What names a subscription's results: its parsed document when it has no variables and no
 * operation name (the socket door keeps one document per operation text, so every subscription
 * that sent the same text shares it, and no key is made per subscription), else the operation
 * text, name and variables.
 */
type ShareKey = DocumentNode | string;

/** Results by event, then by share key; gone with the event. */
const results = new WeakMap<object, Map<ShareKey, Result>>();

/** The share key of a subscription's args, when its results can be shared. */
const shareKeys = new WeakMap<ExecutionArgs, ShareKey>();

/**
 * Marks args, built from the operation text the client sent, as sharing results with every
 * subscription that sent the same text and variables, when its root field allows it.
 */
export function shareResults(args: ExecutionArgs, query: string): ExecutionArgs {
  const operation = getOperationAST(args.document, args.operationName);
  const [field, ...more] = operation?.operation === "subscription" ? operation.selectionSet.selections : [];
  if (field?.kind === Kind.FIELD && more.length === 0 && EVENT_ONLY_FIELDS.has(field.name.value)) {
    const plain = args.operationName == null && (args.variableValues == null || Object.keys(args.variableValues).length === 0);
    shareKeys.set(args, plain ? args.document : JSON.stringify([query, args.operationName ?? null, args.variableValues ?? null]));
  }
  return args;
}

/** graphql's subscribe, executing each event once per shared operation (see shareResults). */
export async function subscribeSharing(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const key = shareKeys.get(args);
  if (key === undefined) return subscribe(args);
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  return new SharedResults(stream[Symbol.asyncIterator](), args, key);
}

/**
 * The source stream's events mapped to results. A plain iterator rather than an async
 * generator: return() must reach the source at once, also while next() waits for an event. A
 * class, so that a subscription holds one object rather than one closure per method. It hands its
 * steps on (nextTo): a consumer that takes them so, from a source that hands its steps on too,
 * waits as a field in each, not as a promise and its reaction.
 */
class SharedResults implements AsyncIterableIterator<ExecutionResult>, HandingIterator<ExecutionResult>, StepTaker<unknown> {
  /** Who waits for the next result, while the source is asked for its next event. */
  private waiting: StepTaker<ExecutionResult> | undefined = undefined;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    private readonly key: ShareKey,
  ) {}

  next(): Promise<IteratorResult<ExecutionResult>> {
    return nextBy(this);
  }

  nextTo(taker: StepTaker<ExecutionResult>): void {
    this.waiting = taker;
    stepTo(this.source, this);
  }

  /** The source's next event: its result, rendered here or by an earlier subscriber, goes to the taker. */
  took(step: IteratorResult<unknown>): void {
    const taker = this.waiting!;
    this.waiting = undefined;
    const rendered = this.rendered(step);
    if (!(rendered instanceof Promise)) return taker.took(rendered);
    rendered.then(
      (result) => taker.took(result),
      (error: unknown) => taker.failed(error),
    );
  }

  /** The source failed: the taker hears it as it is. */
  failed(error: unknown): void {
    const taker = this.waiting!;
    this.waiting = undefined;
    taker.failed(error);
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Not an async function: a result already rendered for this event (every subscriber's but the
   * first) is handed on in the same turn, not after an await per subscriber. A failure to render
   * ends the stream, and comes back as a rejected promise.
   */
  private rendered(step: IteratorResult<unknown>): IteratorResult<ExecutionResult> | Promise<IteratorResult<ExecutionResult>> {
    if (step.done) return { value: undefined, done: true };
    let result: Result;
    try {
      result = this.render(step.value);
    } catch (error) {
      return this.renderFailed(error);
    }
    if (!(result instanceof Promise)) return { value: result, done: false };
    return result.then(
      (value) => ({ value, done: false }),
      (error: unknown) => this.renderFailed(error),
    );
  }

  private async renderFailed(error: unknown): Promise<never> {
    await this.return();
    throw error;
  }

  private render(event: unknown): Result {
    if (typeof event !== "object" || event === null) return execute({ ...this.args, rootValue: event });
    let byOperation = results.get(event);
    if (!byOperation) results.set(event, (byOperation = new Map()));
    let result = byOperation.get(this.key);
    if (!result) {
      const executing = execute({ ...this.args, rootValue: event });
      byOperation.set(this.key, (result = executing));
      // Once rendered, the result itself is kept, so that later subscribers need not wait on the promise.
      if (executing instanceof Promise) void executing.then((value) => byOperation.set(this.key, value), () => undefined);
    }
    return result;
  }
}
