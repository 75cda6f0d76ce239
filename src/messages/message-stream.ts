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
// DELIVERED is recorded when the generator is resumed after a yield: graphql-ws asks for the next
// event only once the socket's send callback reported the previous one written (use/ws.ts), and
// a send to a socket no longer open resolves without writing (DeliveryLink.lastSent tells).
// Events wait for a slow socket in the live queue; past link.maxQueued the socket is closed
// (link.overflow) and what it never wrote is never DELIVERED: it comes on resume.
import type { DeliveryLink } from "../graphql/context.js";
import type { StageClock } from "../graphql/stage-clock.js";
import type { Viewer } from "../identity/identity.types.js";
import { AsyncQueue, endedWith } from "../realtime/async-queue.js";
import type { PubSub } from "../realtime/pubsub.js";
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
  const live = new AsyncQueue<LiveEvent>();
  return endedWith(live, replayThenLive(deps, viewer, afterRowId, live, link));
}

/**
 * Puts what a subscription hears into its queue; once more than link.maxQueued wait there (the
 * socket is not taking them), ends the queue and has the socket closed (link.overflow), once.
 */
export function queueFor<T>(live: AsyncQueue<T>, link: DeliveryLink | undefined): (event: T) => void {
  let overflowed = false;
  return (event) => {
    live.push(event);
    if (link && !overflowed && live.size > link.maxQueued) {
      overflowed = true;
      live.end();
      link.overflow();
    }
  };
}

async function* replayThenLive(deps: Deps, viewer: Viewer, afterRowId: string | null, live: AsyncQueue<LiveEvent>, link: DeliveryLink | undefined): AsyncGenerator<MessagePayload> {
  // Read before listening: everything at or below it was announced before this subscription began.
  const since = afterRowId ?? (await deps.messages.announcedUpTo());
  const push = queueFor(live, link);
  const heard = deps.stageClock ? heardTimed(deps.stageClock, viewer, push) : push;
  const stop = await deps.pubsub.listen(topics.messageReceived(viewer.userId), heard, { lost: () => push(LOST), resumed: () => push(RESUMED) });
  let last: bigint | null = afterRowId === null ? null : BigInt(afterRowId);

  /** Yields m as the viewer's copy; records DELIVERED once the socket wrote it. */
  async function* deliver(m: MessagePayload): AsyncGenerator<MessagePayload> {
    last = BigInt(m.rowId);
    if (m.senderId === viewer.userId) {
      yield m;
      return;
    }
    // The render stage is marked by the socket (onNext), which the stream never sees.
    if (deps.stageClock) link?.yielding?.(m.id);
    yield m.status === "SENT" ? deliveredCopy(m) : m;
    if (!link || link.lastSent()) {
      deps.stageClock?.mark(m.id, "socket");
      deps.receipts.delivered(viewer, m);
    }
  }

  /** Every visible message after the cursor, from the database, in rowId order. */
  async function* replay(after: string): AsyncGenerator<MessagePayload> {
    let cursor: string | null = after;
    while (cursor !== null) {
      const page: { messages: MessagePayload[]; next: string | null } = await deps.messages.visibleAfter(viewer.userId, cursor, REPLAY_PAGE);
      for (const m of page.messages) if (last === null || BigInt(m.rowId) > last) yield* deliver(m);
      cursor = page.next;
    }
  }

  try {
    if (afterRowId !== null) yield* replay(afterRowId);
    // Between a drop and the catch-up, events heard on the new connection may lie beyond a gap:
    // they are left to the catch-up (committed before they were announced, so it reads them).
    let gap = false;
    for await (const event of live) {
      if (event === LOST) {
        gap = true;
      } else if (event === RESUMED) {
        gap = false;
        yield* replay(String(last ?? since));
      } else if (gap) {
        continue;
      } else if ("catchUpAfter" in event) {
        if (last === null || last < BigInt(event.upTo)) yield* replay(String(last ?? since));
      } else if (last === null || BigInt(event.rowId) > last) {
        yield* deliver(event);
      }
    }
  } finally {
    stop();
    live.end();
  }
}

/** STAGE_TIMINGS: the broker stage of a message to the viewer is the moment its listener hears it. */
function heardTimed(clock: StageClock, viewer: Viewer, push: (event: LiveEvent) => void): (event: MessageEvent) => void {
  return (event) => {
    // The sender's own copy is not timed: the figures follow the recipient's.
    if (!("catchUpAfter" in event) && event.senderId !== viewer.userId) clock.mark(event.id, "broker");
    push(event);
  };
}
