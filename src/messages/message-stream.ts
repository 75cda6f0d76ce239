// messageReceived: replay from the database, then live, with no gap and no duplicate; catch up
// from the database whenever the live path may have lost something; DELIVERED once written.
//
// The live subscription is made first and buffers; then the replay reads every visible message
// after the cursor; then the buffer is drained, skipping what the replay already gave. This has
// no gap because messages are committed and announced in rowId order (MessageWriter, under the
// sequencer): whatever the replay could not see yet is announced after the subscription began,
// so it is buffered. Comparing rowIds removes what both saw.
//
// The broker is at-most-once, so the live path can lose events in two ways, and both end in a
// catch-up: the same replay, from the last rowId yielded (nothing yielded yet: from the
// announced-up-to mark read before listening, below which everything was announced before this
// subscription began), then live again, deduped by rowId.
// - Stored messages announced late (their writer died, or the broker refused the announcement):
//   the writer that finds them sends a CatchUpPayload on the same topic, in rowId order with the
//   rest (message-writer.ts).
// - This process's connection to the broker dropped and came back: pubsub.listen's broker
//   watcher says lost at once (before anything of the next connection) and resumed once the
//   subscriptions stand again; what comes in between is left to the catch-up.
// So a subscription never yields rowId N before every lower rowId addressed to its viewer, and the
// last rowId a client received is a safe afterRowId to resume from.
//
// DELIVERED is recorded when the consumer asks for the next event after a yield: the socket door
// (ProtocolStreams, http/graphql-ws-streams.ts) asks for it only once the socket's send callback
// reported the previous one written (SocketLink.send),
// and a send to a socket no longer open resolves without writing (DeliveryLink.lastSent tells).
// Events wait for a slow socket in the stream's queue; past link.maxQueued the socket is closed
// (link.overflow) and what it never wrote is never DELIVERED: it comes on resume. The queue tells
// the stream of an event once the task that heard it is done (AsyncQueue.takeBy), so a burst the
// broker brought in one read is all queued behind its first. With more
// events waiting, the stream says so (link.following): the socket then takes what it is sent for
// the rest of the event loop's turn without waiting for each write, up to 64 KB, and writes it
// all at once. Such a message is DELIVERED once the socket took it; should the connection break
// before the write, the client's last rowId is still before it, and a resume sends it again.
import type { DeliveryLink } from "../graphql/context.js";
import type { StageClock } from "../graphql/stage-clock.js";
import type { Viewer } from "../identity/identity.types.js";
import { AsyncQueue, DONE, type HandingIterator, nextBy, type StepTaker, type Taker } from "../realtime/async-queue.js";
import type { BrokerWatcher, PubSub } from "../realtime/pubsub.js";
import { type MessageEvent, topics } from "../realtime/topics.js";
import type { MessagePayload } from "./message-view.js";
import type { MessageService } from "./message.service.js";
import type { ReceiptService } from "./receipt.service.js";

const REPLAY_PAGE = 500;

/** An event shared by many members' subscriptions gets one DELIVERED copy, shared in turn. */
const deliveredCopies = new WeakMap<MessagePayload, MessagePayload>();

export function deliveredCopy(m: MessagePayload): MessagePayload {
  let copy = deliveredCopies.get(m);
  if (!copy) deliveredCopies.set(m, (copy = Object.freeze({ ...m, status: "DELIVERED" as const })));
  return copy;
}

/** What a stream reads and tells; stageClock only with STAGE_TIMINGS. */
type Deps = { pubsub: PubSub; messages: MessageService; receipts: ReceiptService; stageClock: StageClock | undefined };

/** The broker connection dropped: what it hears next may follow a gap. */
const LOST = Symbol("lost");
/** The broker connection came back: catch up from the database. */
const RESUMED = Symbol("resumed");
type LiveEvent = MessageEvent | typeof LOST | typeof RESUMED;

export function messageStream(deps: Deps, viewer: Viewer, afterRowId: string | null, link?: DeliveryLink): AsyncGenerator<MessagePayload> {
  return new MessageStream(deps, viewer, afterRowId, link);
}

/**
 * One messageReceived subscription. A class whose state is its fields rather than an async
 * generator: between events an idle subscription holds this object, its queue and its place among
 * the topic's listeners, not a suspended generator with a wrapper and closures around it (an idle
 * socket's subscriptions are most of what a process holds). Replays, which are rare, still run as
 * generators, made when one begins.
 */
class MessageStream implements AsyncGenerator<MessagePayload>, HandingIterator<MessagePayload>, BrokerWatcher, Taker<LiveEvent> {
  /** Heard and not yet taken; past link.maxQueued the queue ends and the socket is closed (link.overflow). */
  private readonly live: AsyncQueue<LiveEvent>;
  private unlisten: (() => void) | undefined = undefined;
  private started = false;
  /** return() was called, or next() failed: nothing more is yielded. */
  private closed = false;
  /** The last rowId yielded, or the cursor. */
  private last: bigint | null;
  /** The announced-up-to mark read before listening (a catch-up starts there when nothing was yielded yet). */
  private since = "0";
  /** Between a drop of the broker connection and its catch-up: what is heard may lie beyond a gap. */
  private gap = false;
  private replaying: AsyncGenerator<MessagePayload> | undefined = undefined;
  /** Yielded to the viewer, another's: DELIVERED once the consumer asks for the next (the socket wrote it). */
  private written: MessagePayload | undefined = undefined;
  /** Who waits for the next step, while the stream waits for a live event (waitLive). */
  private waiting: StepTaker<MessagePayload> | undefined = undefined;

  constructor(
    private readonly deps: Deps,
    private readonly viewer: Viewer,
    private readonly afterRowId: string | null,
    private readonly link: DeliveryLink | undefined,
  ) {
    this.live = new AsyncQueue(link);
    this.last = afterRowId === null ? null : BigInt(afterRowId);
  }

  next(): Promise<IteratorResult<MessagePayload>> {
    return nextBy(this);
  }

  nextTo(taker: StepTaker<MessagePayload>): void {
    try {
      this.confirmWritten();
    } catch (error) {
      this.close();
      return taker.failed(error);
    }
    // Live with nothing else under way: the wait for an event is the taker in a field, as that
    // wait is where an idle subscription spends its life.
    if (this.started && !this.replaying) return this.waitLive(taker);
    void this.pull(taker);
  }

  /**
   * The rest of nextTo, for what may wait on the database: the start and replays. It ends by
   * handing the wait for live events back to a field, so that no suspended function stays.
   */
  private async pull(taker: StepTaker<MessagePayload>): Promise<void> {
    let step: IteratorResult<MessagePayload> | undefined;
    try {
      if (!this.started) await this.start();
      while (this.replaying && !this.closed) {
        const replayed = await this.replaying.next();
        if (this.closed) break;
        if (!replayed.done) {
          step = this.deliver(replayed.value);
          break;
        }
        this.replaying = undefined;
      }
    } catch (error) {
      this.close();
      return taker.failed(error);
    }
    if (step) return taker.took(step);
    if (this.closed) return taker.took(DONE);
    this.waitLive(taker);
  }

  /** Waits for the next live event: the queue tells this stream (took), which tells taker. */
  private waitLive(taker: StepTaker<MessagePayload>): void {
    this.waiting = taker;
    this.live.takeBy(this);
  }

  took(step: IteratorResult<LiveEvent>): void {
    const taker = this.waiting!;
    this.waiting = undefined;
    let delivered: IteratorResult<MessagePayload> | undefined;
    try {
      if (step.done || this.closed) {
        this.close();
        delivered = DONE;
      } else {
        delivered = this.handle(step.value);
      }
    } catch (error) {
      this.close();
      return taker.failed(error);
    }
    if (delivered) return taker.took(delivered);
    void this.pull(taker);
  }

  /** What one live event makes: a message to yield, or nothing (it was skipped, or began a replay). */
  private handle(event: LiveEvent): IteratorResult<MessagePayload> | undefined {
    if (event === LOST) {
      this.gap = true;
    } else if (event === RESUMED) {
      this.gap = false;
      this.replaying = this.replay(String(this.last ?? this.since));
    } else if (this.gap) {
      // Between a drop and the catch-up, events heard on the new connection may lie beyond a gap:
      // they are left to the catch-up (committed before they were announced, so it reads them).
    } else if ("catchUpAfter" in event) {
      if (this.last === null || this.last < BigInt(event.upTo)) this.replaying = this.replay(String(this.last ?? this.since));
    } else if (this.last === null || BigInt(event.rowId) > this.last) {
      return this.deliver(event);
    }
    return undefined;
  }

  async return(): Promise<IteratorResult<MessagePayload>> {
    this.close();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<MessagePayload>> {
    this.close();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Heard on the viewer's topic. */
  heard(event: MessageEvent): void {
    // STAGE_TIMINGS: the broker stage is the moment the listener hears the message; the sender's
    // own copy is not timed (the figures follow the recipient's).
    if (this.deps.stageClock && !("catchUpAfter" in event) && event.senderId !== this.viewer.userId) this.deps.stageClock.mark(event.id, "broker");
    this.live.push(event);
  }

  lost(): void {
    this.live.push(LOST);
  }

  resumed(): void {
    this.live.push(RESUMED);
  }

  private async start(): Promise<void> {
    this.started = true;
    // Read before listening: everything at or below it was announced before this subscription began.
    this.since = this.afterRowId ?? (await this.deps.messages.announcedUpTo());
    // A bound method, kept for the subscription's life: smaller than a closure and its context.
    const unlisten = await this.deps.pubsub.listen(topics.messageReceived(this.viewer.userId), this.heard.bind(this), this);
    if (this.closed) unlisten();
    else this.unlisten = unlisten;
    if (this.afterRowId !== null) this.replaying = this.replay(this.afterRowId);
  }

  /** m as the viewer's copy, remembered for its DELIVERED when it is another's. */
  private deliver(m: MessagePayload): IteratorResult<MessagePayload> {
    this.last = BigInt(m.rowId);
    // A backlog (a burst heard at once, a replay): its messages may leave in one write.
    if (this.replaying || this.live.size > 0) this.link?.following?.();
    if (m.senderId === this.viewer.userId) return { value: m, done: false };
    // The render stage is marked by the socket (onNext), which the stream never sees.
    if (this.deps.stageClock) this.link?.yielding?.(m.id);
    this.written = m;
    return { value: m.status === "SENT" ? deliveredCopy(m) : m, done: false };
  }

  /** The consumer asked for more: the socket has written what was yielded last, if it was open then (DeliveryLink.lastSent). */
  private confirmWritten(): void {
    const m = this.written;
    if (!m) return;
    this.written = undefined;
    if (this.link && !this.link.lastSent()) return;
    this.deps.stageClock?.mark(m.id, "socket");
    this.deps.receipts.delivered(this.viewer, m);
  }

  /** Every visible message after the cursor, from the database, in rowId order. */
  private async *replay(after: string): AsyncGenerator<MessagePayload> {
    let cursor: string | null = after;
    while (cursor !== null) {
      const page: { messages: MessagePayload[]; next: string | null } = await this.deps.messages.visibleAfter(this.viewer.userId, cursor, REPLAY_PAGE);
      for (const m of page.messages) if (this.last === null || BigInt(m.rowId) > this.last) yield m;
      cursor = page.next;
    }
  }

  private close(): void {
    this.closed = true;
    this.written = undefined;
    this.live.end();
    this.unlisten?.();
    this.unlisten = undefined;
    void this.replaying?.return(undefined);
    this.replaying = undefined;
  }
}
