// subscribeSharing (src/graphql/shared-results.ts): subscriptions that sent the same operation get
// one result per event, executed once; the steps reach a consumer through next() or, without a
// promise, through nextTo, from a source that hands its steps on or from one that does not.
import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { shareResults, subscribeSharing } from "../src/graphql/shared-results.js";
import { AsyncQueue, DONE, type HandingIterator, handsSteps, nextBy, type StepTaker } from "../src/realtime/async-queue.js";

/** A source handing its steps on, as a message stream does: events pushed, failures on demand. */
class HandingSource implements HandingIterator<unknown>, AsyncIterable<unknown> {
  readonly queue = new AsyncQueue<unknown>();
  handedTo = 0;
  failWith: Error | undefined;
  next(): Promise<IteratorResult<unknown>> {
    return nextBy(this);
  }
  nextTo(taker: StepTaker<unknown>): void {
    this.handedTo += 1;
    if (this.failWith) return taker.failed(this.failWith);
    this.queue.takeBy(taker);
  }
  async return(): Promise<IteratorResult<unknown>> {
    this.queue.end();
    return DONE;
  }
  [Symbol.asyncIterator]() {
    return this;
  }
}

let sources: AsyncIterable<unknown>[] = [];
let executions = 0;

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: "Query", fields: { hello: { type: GraphQLString } } }),
  subscription: new GraphQLObjectType({
    name: "Subscription",
    fields: {
      messageReceived: {
        type: GraphQLString,
        subscribe: () => sources.shift()!,
        resolve: (event: unknown) => {
          executions += 1;
          return (event as { text: string }).text;
        },
      },
    },
  }),
});

const text = "subscription { messageReceived }";
/** One parsed document for the text, as the socket door keeps (ValidDocuments): the share key of an operation without variables. */
const document = parse(text);

async function subscribed(source: AsyncIterable<unknown>) {
  sources = [source];
  const stream = await subscribeSharing(shareResults({ schema, document, contextValue: {} }, text));
  if (!(Symbol.asyncIterator in stream)) throw new Error("expected a stream");
  return stream;
}

/** A taker noting what it is told. */
function noting() {
  const told: { step?: IteratorResult<unknown>; error?: unknown }[] = [];
  return { told, taker: { took: (step: IteratorResult<unknown>) => told.push({ step }), failed: (error: unknown) => told.push({ error }) } };
}

describe("shared results", () => {
  it("two subscriptions of one operation get one result object per event, executed once", async () => {
    const [a, b] = [new HandingSource(), new HandingSource()];
    const [one, two] = [await subscribed(a), await subscribed(b)];
    const [first, second] = [one.next(), two.next()];
    const event = { text: "hi" };
    executions = 0;
    a.queue.push(event);
    b.queue.push(event);
    const [x, y] = await Promise.all([first, second]);
    expect(x.value).toEqual({ data: { messageReceived: "hi" } });
    expect(y.value).toBe(x.value);
    expect(executions).toBe(1);
  });

  it("hands a step to a taker through a source that hands its steps on, and the source's failure as it is", async () => {
    const source = new HandingSource();
    const stream = await subscribed(source);
    if (!handsSteps(stream)) throw new Error("expected nextTo");
    const { told, taker } = noting();
    stream.nextTo(taker);
    expect(source.handedTo).toBe(1);
    expect(told).toEqual([]);
    source.queue.push({ text: "one" });
    await expect.poll(() => told).toEqual([{ step: { value: { data: { messageReceived: "one" } }, done: false } }]);
    const boom = new Error("the source broke");
    source.failWith = boom;
    stream.nextTo(taker);
    expect(told[1]).toEqual({ error: boom });
  });

  it("hands a step to a taker through a source that only has next(), and its end", async () => {
    async function* plain() {
      yield { text: "plain" };
    }
    const stream = await subscribed(plain());
    if (!handsSteps(stream)) throw new Error("expected nextTo");
    const { told, taker } = noting();
    stream.nextTo(taker);
    await expect.poll(() => told.length).toBe(1);
    stream.nextTo(taker);
    await expect.poll(() => told.length).toBe(2);
    expect(told).toEqual([{ step: { value: { data: { messageReceived: "plain" } }, done: false } }, { step: { value: undefined, done: true } }]);
  });
});
