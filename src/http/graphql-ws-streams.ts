// Subscriptions served on graphql-ws's connection context, in place of its handler of their
// subscribe message. graphql-ws's core handles a subscribe message in one async function that
// stays suspended for as long as the subscription lives (its register file, the message and its
// raw text, an emit object and its three closures: about 1 KB for every idle subscribed socket,
// a quarter of all a bare socket costs), and, for every event, copies the result, stringifies the
// whole message and encodes it for each subscriber. Here a subscription is an object waiting on its
// stream (in a field of the stream, when the stream hands its steps on: HandingIterator), and a
// result shared by many subscribers (shared-results.ts) is serialised once: each subscriber's
// frame is its id's prefix and those bytes.
//
// The protocol is graphql-ws's, step for step (its server.ts, `case MessageType.Subscribe`), with
// the same hooks called at the same points: the operation takes its place in ctx.subscriptions,
// so a client's complete and the socket's close end it through graphql-ws as before; errors,
// next and complete frames are the ones graphql-ws sends. Queries, mutations and every other
// message stay graphql-ws's own.
import { type ExecutionArgs, type ExecutionResult, GraphQLError, subscribe } from "graphql";
import {
  areGraphQLErrors,
  CloseCode,
  type Context,
  type FormattedExecutionResult,
  MessageType,
  type ServerOptions,
  type SubscribeMessage,
  type SubscribePayload,
} from "graphql-ws";
import { type StepTaker, stepTo } from "../realtime/async-queue.js";
import type { SocketLink } from "./graphql-ws-sockets.js";

type Hooks<L extends SocketLink> = ServerOptions<Record<string, unknown> | undefined, L>;
type ProtocolContext<L extends SocketLink> = Context<Record<string, unknown> | undefined, L>;
type OperationResult = AsyncIterable<ExecutionResult> | ExecutionResult;

/** A result's payload, serialised once, closing its next message: `<payload>}`. */
const payloadBytes = new WeakMap<object, Buffer>();

function nextFrame(id: string, payload: object, shared: boolean): Buffer {
  let tail = shared ? payloadBytes.get(payload) : undefined;
  if (!tail) {
    tail = Buffer.from(`${JSON.stringify(payload)}}`);
    if (shared) payloadBytes.set(payload, tail);
  }
  // The same text as graphql-ws's stringifyMessage({ id, type: "next", payload }).
  const head = `{"id":${JSON.stringify(id)},"type":"${MessageType.Next}","payload":`;
  const headLength = Buffer.byteLength(head);
  const frame = Buffer.allocUnsafe(headLength + tail.length);
  frame.write(head, 0, headLength);
  tail.copy(frame, headLength);
  return frame;
}

/** Ends a stream whose end no one waits for (graphql-ws does not either). */
function returnQuietly(stream: AsyncIterator<unknown>): void {
  stream.return?.(undefined).catch(() => undefined);
}

function isAsyncIterable(value: OperationResult): value is AsyncIterable<ExecutionResult> {
  return typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === "function";
}

/**
 * The subscribe messages of subscriptions, served on graphql-ws's context (see the top). Only for
 * hooks whose onSubscribe answers every subscribe message with execution args or errors, and that
 * give no JSON reviver or replacer (websocket.ts).
 */
export class ProtocolStreams<L extends SocketLink> {
  constructor(
    private readonly hooks: Hooks<L>,
    /** Hears what failed in a subscription's handling after it was set up (an error or complete message that could not be sent). */
    readonly handlingFailed: (error: unknown, link: L) => void,
  ) {
    if (hooks.jsonMessageReviver || hooks.jsonMessageReplacer) throw new Error("ProtocolStreams parses and writes messages as plain JSON: no jsonMessageReviver or jsonMessageReplacer");
  }

  /** Serves message on the socket of ctx, as graphql-ws would (see the top); what it throws, graphql-ws's handler would have thrown. */
  async subscribe(link: L, ctx: ProtocolContext<L> | undefined, message: SubscribeMessage): Promise<void> {
    const { hooks } = this;
    const { id, payload } = message;
    if (!ctx?.acknowledged) return link.close(CloseCode.Unauthorized, "Unauthorized");
    if (id in ctx.subscriptions) return link.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
    ctx.subscriptions[id] = null;
    let streaming = false;
    try {
      const argsOrErrors = await hooks.onSubscribe?.(ctx, id, payload);
      if (!argsOrErrors || (Array.isArray(argsOrErrors) && !areGraphQLErrors(argsOrErrors))) {
        throw new Error("onSubscribe must answer a subscription with execution args or GraphQL errors");
      }
      if (areGraphQLErrors(argsOrErrors)) {
        if (id in ctx.subscriptions) await this.sendErrors(link, ctx, id, payload, argsOrErrors);
        return;
      }
      const args = argsOrErrors as ExecutionArgs;
      let result: OperationResult = await (hooks.subscribe ?? subscribe)(args);
      result = (await hooks.onOperation?.(ctx, id, payload, args, result)) ?? result;
      if (!isAsyncIterable(result)) {
        if (id in ctx.subscriptions) await this.sendNext(link, ctx, id, payload, args, result);
        await this.complete(link, ctx, id, payload, id in ctx.subscriptions);
        return;
      }
      const stream = result[Symbol.asyncIterator]();
      if (!(id in ctx.subscriptions)) {
        // Completed by the client while it was being set up.
        returnQuietly(stream);
        await this.complete(link, ctx, id, payload, false);
        return;
      }
      ctx.subscriptions[id] = result;
      streaming = true;
      new ServedStream(this, link, ctx, id, payload, args, stream).pull();
    } finally {
      if (!streaming) delete ctx.subscriptions[id];
    }
  }

  /** graphql-ws's emit.next: onNext, then the next message. */
  sendNext(link: L, ctx: ProtocolContext<L>, id: string, payload: SubscribePayload, args: ExecutionArgs, result: ExecutionResult): Promise<void> {
    const formatted = this.hooks.onNext?.(ctx, id, payload, args, result);
    if (formatted instanceof Promise) return formatted.then((answer) => this.writeNext(link, id, result, answer));
    return this.writeNext(link, id, result, formatted);
  }

  private writeNext(link: L, id: string, result: ExecutionResult, formatted: FormattedExecutionResult | void): Promise<void> {
    if (formatted) return link.send(nextFrame(id, formatted, formatted === result));
    const { errors, ...withoutErrors } = result;
    return link.send(nextFrame(id, errors ? { ...withoutErrors, errors: errors.map((e) => e.toJSON()) } : withoutErrors, false));
  }

  /** graphql-ws's emit.error: onError, then the error message. */
  async sendErrors(link: L, ctx: ProtocolContext<L>, id: string, payload: SubscribePayload, errors: readonly GraphQLError[]): Promise<void> {
    const formatted = (await this.hooks.onError?.(ctx, id, payload, errors)) ?? errors.map((e) => e.toJSON());
    await link.send(JSON.stringify({ id, type: MessageType.Error, payload: formatted }));
  }

  /** graphql-ws's emit.complete: onComplete, then the complete message if the client still waits for it. */
  async complete(link: L, ctx: ProtocolContext<L>, id: string, payload: SubscribePayload, notifyClient: boolean): Promise<void> {
    await this.hooks.onComplete?.(ctx, id, payload);
    if (notifyClient) await link.send(JSON.stringify({ id, type: MessageType.Complete }));
  }
}

/**
 * One subscription served by ProtocolStreams: between events, it is this object, held as the taker
 * of its stream's next step (or by a reaction to its pending next()), not a suspended function.
 */
class ServedStream<L extends SocketLink> implements StepTaker<ExecutionResult> {
  constructor(
    private readonly streams: ProtocolStreams<L>,
    private readonly link: L,
    private readonly ctx: ProtocolContext<L>,
    private readonly id: string,
    private readonly payload: SubscribePayload,
    private readonly args: ExecutionArgs,
    private readonly stream: AsyncIterator<ExecutionResult>,
  ) {}

  /**
   * Asks for the next event once the last one is written (the stream's DELIVERED depends on it).
   * A stream that hands its steps on (Parley's shared results on a message stream) keeps this
   * object in a field while it waits: no promise is pending for an idle subscription.
   */
  pull(): void {
    stepTo(this.stream, this);
  }

  took(step: IteratorResult<ExecutionResult>): void {
    if (step.done) return this.end();
    let sending: Promise<void>;
    try {
      sending = this.streams.sendNext(this.link, this.ctx, this.id, this.payload, this.args, step.value);
    } catch (error) {
      sending = Promise.reject(error);
    }
    sending.then(
      () => this.pull(),
      (error: unknown) => {
        // onNext or the socket's write failed: graphql-ws's loop would end the stream and report it.
        returnQuietly(this.stream);
        this.failed(error);
      },
    );
  }

  /** As graphql-ws's loop ends when the stream throws: an error message, and no complete. */
  failed(error: unknown): void {
    const originalError = error instanceof Error ? error : new Error(String(error));
    const { link, ctx, id, payload } = this;
    const reported = this.streams
      .sendErrors(link, ctx, id, payload, [new GraphQLError(originalError.message, { originalError })])
      .then(() => {
        delete ctx.subscriptions[id];
      });
    this.settle(reported.then(() => this.streams.complete(link, ctx, id, payload, false)));
  }

  private end(): void {
    const { link, ctx, id, payload } = this;
    this.settle(this.streams.complete(link, ctx, id, payload, id in ctx.subscriptions));
  }

  /** The end of the subscription's handling: its place freed; what failed in it goes where graphql-ws's handler's failures go. */
  private settle(ending: Promise<void>): void {
    ending
      .finally(() => {
        delete this.ctx.subscriptions[this.id];
      })
      .catch((error: unknown) => this.streams.handlingFailed(error, this.link));
  }
}
