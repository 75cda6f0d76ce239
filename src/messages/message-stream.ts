// messageReceived: replay from the database, then live, with no gap and no duplicate.
//
// The live subscription is made first and buffers; then the replay reads every visible message
// after the cursor; then the buffer is drained, skipping what the replay already gave. This has
// no gap because messages are committed and published in rowId order (MessageWriter): whatever
// the replay could not see yet is published after the subscription began, so it is buffered.
// Comparing rowIds removes what both saw.
import type { Viewer } from "../identity/identity.types.js";
import { AsyncQueue, endedWith } from "../realtime/async-queue.js";
import type { PubSub } from "../realtime/pubsub.js";
import { topics } from "../realtime/topics.js";
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

type Deps = { pubsub: PubSub; messages: MessageService; receipts: ReceiptService };

export function messageStream(deps: Deps, viewer: Viewer, afterRowId: string | null): AsyncGenerator<MessagePayload> {
  const live = new AsyncQueue<MessagePayload>();
  return endedWith(live, replayThenLive(deps, viewer, afterRowId, live));
}

async function* replayThenLive(deps: Deps, viewer: Viewer, afterRowId: string | null, live: AsyncQueue<MessagePayload>): AsyncGenerator<MessagePayload> {
  const stop = await deps.pubsub.listen(topics.messageReceived(viewer.userId), (m) => live.push(m));
  // Reaching this subscription is delivery: the recipient's own status becomes DELIVERED.
  const deliver = (m: MessagePayload): MessagePayload => {
    if (m.senderId === viewer.userId) return m;
    deps.receipts.delivered(viewer, m);
    return m.status === "SENT" ? deliveredCopy(m) : m;
  };
  try {
    let last: bigint | null = null;
    if (afterRowId !== null) {
      let cursor: string | null = afterRowId;
      last = BigInt(afterRowId);
      while (cursor !== null) {
        const page: { messages: MessagePayload[]; next: string | null } = await deps.messages.visibleAfter(viewer.userId, cursor, REPLAY_PAGE);
        for (const m of page.messages) {
          last = BigInt(m.rowId);
          yield deliver(m);
        }
        cursor = page.next;
      }
    }
    for await (const m of live) {
      const rowId = BigInt(m.rowId);
      if (last !== null && rowId <= last) continue;
      last = rowId;
      yield deliver(m);
    }
  } finally {
    stop();
    live.end();
  }
}
