// Sync: everything a user must learn of, caught up from one cursor and then followed live.
// Two streams make it: the messages the user sees (the messages table, by rowId: nothing extra
// is written on send) and their stored entries (sync_events, by position: SyncLog). Both commit
// in order under the sequencer, and each entry records the newest rowId before it, so they merge
// into one order (sync-cursor.ts). The subscription listens first, then replays pages, then
// drains what it heard, skipping what the replay gave: as messageReceived(afterRowId) does, and
// like it (message-stream.ts) catches up from the database when the live path may have lost
// something (a late announcement, the broker connection dropped and back), and records DELIVERED
// once the socket wrote the message.
import { deliveredCopy } from "../messages/message-stream.js";
import type { DeliveryLink } from "../graphql/context.js";
import type { MessagePayload } from "../messages/message-view.js";
import type { MessageService } from "../messages/message.service.js";
import type { ReceiptService } from "../messages/receipt.service.js";
import type { GroupService } from "../groups/group.service.js";
import type { Group } from "../groups/group.types.js";
import { badInput, syncCursorExpired } from "../graphql/errors.js";
import type { Viewer } from "../identity/identity.types.js";
import type { ProfileService } from "../profiles/profile.service.js";
import type { UserProfile } from "../profiles/profile.types.js";
import { AsyncQueue, endedWith } from "../realtime/async-queue.js";
import type { PubSub } from "../realtime/pubsub.js";
import { type MessageEvent, topics } from "../realtime/topics.js";
import { decodeCursor, encodeCursor, type SyncPosition } from "./sync-cursor.js";
import type { SyncBody, SyncEventPayload } from "../realtime/sync-entry.js";
import type { SyncLog } from "../realtime/sync-log.js";

export const MAX_SYNC_PAGE = 500;
/** The subscription replays in pages of this many. */
const REPLAY_PAGE = 500;

/** One entry of the stream as a client gets it, with the cursor to resume after it. */
export type SyncItem = { cursor: string } & (
  | { kind: "MESSAGE"; message: MessagePayload }
  | Exclude<SyncBody, { kind: "GROUP" | "PROFILE" }>
  /** group: the group as the user sees it now; null once deleted or when they are no participant. */
  | (Extract<SyncBody, { kind: "GROUP" }> & { view: Group | null })
  /** The contact's profile as it is now. */
  | { kind: "PROFILE"; profile: UserProfile | null }
);

export interface SyncPage {
  entries: SyncItem[];
  cursor: string;
  hasMore: boolean;
}

/** The broker connection dropped (what is heard next may follow a gap) / is back. */
const LOST = Symbol("lost");
const RESUMED = Symbol("resumed");
type Live = { message: MessageEvent } | { event: SyncEventPayload } | typeof LOST | typeof RESUMED;
type Key = readonly [bigint, number, bigint];

const compare = (a: Key, b: Key): number => {
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
};
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const LAST = 2n ** 63n;

export class SyncService {
  /** Profiles read for one live entry, shared by its subscribers on this process (keyed by its body). */
  private readonly profileViews = new WeakMap<object, ReturnType<ProfileService["sharedViews"]>>();

  constructor(
    private readonly log: SyncLog,
    private readonly messages: MessageService,
    private readonly receipts: ReceiptService,
    private readonly groups: GroupService,
    private readonly profiles: ProfileService,
    private readonly pubsub: PubSub,
  ) {}

  /**
   * The query: entries after the cursor, at most limit, and the cursor to go on from. Without a
   * cursor, none and the cursor of now (a client that just loaded its state starts there).
   */
  async page(viewer: Viewer, after: string | null, limit: number): Promise<SyncPage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SYNC_PAGE) throw badInput("limit", `must be between 1 and ${MAX_SYNC_PAGE}`);
    if (after === null) return { entries: [], cursor: encodeCursor(await this.log.head()), hasMore: false };
    const from = await this.checkedCursor(after);
    const page = await this.read(viewer, from, limit);
    return { entries: page.items, cursor: encodeCursor(page.next), hasMore: page.hasMore };
  }

  /** A cursor the server can still answer whole from; SYNC_CURSOR_EXPIRED otherwise. */
  async checkedCursor(after: string): Promise<SyncPosition> {
    const from = decodeCursor(after, "after");
    if (from.position < (await this.log.prunedThrough())) throw syncCursorExpired("after", this.log.retentionDays);
    return from;
  }

  /** The subscription: replay from the cursor (checkedCursor), or from now without one, then live. */
  stream(viewer: Viewer, from: SyncPosition | null, link?: DeliveryLink): AsyncGenerator<SyncItem> {
    // Past link.maxQueued waiting events the queue ends and the socket is closed (link.overflow).
    const live = new AsyncQueue<Live>(link);
    return endedWith(live, this.replayThenLive(viewer, from, live, link));
  }

  private async *replayThenLive(viewer: Viewer, from: SyncPosition | null, live: AsyncQueue<Live>, link: DeliveryLink | undefined): AsyncGenerator<SyncItem> {
    const push = (heard: Live) => live.push(heard);
    const broker = { lost: () => push(LOST), resumed: () => push(RESUMED) };
    // Both topics share one broker connection (PubSub.listen): what they carry arrives in commit
    // order, and one watcher on it tells of a drop.
    const stops = await Promise.all([
      this.pubsub.listen(topics.messageReceived(viewer.userId), (message) => push({ message }), broker),
      this.pubsub.listen(topics.sync(viewer.userId), (event) => push({ event })),
    ]);
    // Read after listening: what commits later is heard; what came before is not this stream's.
    let at: SyncPosition = from ?? (await this.log.head());
    const self = this;
    /** Every entry after `at` from the database, page by page, moving `at` past each page. */
    async function* replay(): AsyncGenerator<SyncItem> {
      for (;;) {
        const page = await self.read(viewer, at, REPLAY_PAGE);
        for (const item of page.items) {
          // A page's items may leave the socket in one write (DeliveryLink.following).
          link?.following?.();
          yield* self.deliver(viewer, item, link);
        }
        at = page.next;
        if (!page.hasMore) break;
      }
    }
    try {
      if (from !== null) yield* replay();
      // Between a drop and the catch-up, what the new connection brings may lie beyond a gap: it
      // is left to the catch-up (committed before it was announced, so the catch-up reads it).
      let gap = false;
      for await (const heard of live) {
        if (heard === LOST) {
          gap = true;
        } else if (heard === RESUMED) {
          gap = false;
          yield* replay();
        } else if (gap) {
          continue;
        } else if ("message" in heard) {
          const message = heard.message;
          if ("catchUpAfter" in message) {
            if (at.rowId < BigInt(message.upTo)) yield* replay();
            continue;
          }
          const rowId = BigInt(message.rowId);
          if (rowId <= at.rowId) continue;
          at = { ...at, rowId };
          yield* this.deliver(viewer, { kind: "MESSAGE", cursor: encodeCursor(at), message }, link);
        } else {
          const position = BigInt(heard.event.position);
          if (position <= at.position) continue;
          if (BigInt(heard.event.previous ?? 0) > at.position) {
            // An entry before it was never heard of: the database has both, in order.
            yield* replay();
            continue;
          }
          at = { ...at, position };
          yield await this.renderLive(viewer, heard.event, encodeCursor(at));
        }
      }
    } finally {
      for (const stop of stops) stop();
      live.end();
    }
  }

  /** Yields the item as the viewer's copy; a message reaching the viewer is DELIVERED once the socket wrote it, as on messageReceived. */
  private async *deliver(viewer: Viewer, item: SyncItem, link: DeliveryLink | undefined): AsyncGenerator<SyncItem> {
    if (item.kind !== "MESSAGE" || item.message.senderId === viewer.userId) {
      yield item;
      return;
    }
    yield item.message.status === "SENT" ? { ...item, message: deliveredCopy(item.message) } : item;
    if (!link || link.lastSent()) this.receipts.delivered(viewer, item.message);
  }

  /**
   * One page after `from`, merged in commit order: a bounded number of indexed queries whatever
   * the user's number of chats (the messages' replay page, the entries' page, the horizon, and one
   * batch each for the groups and profiles the page names).
   */
  private async read(viewer: Viewer, from: SyncPosition, limit: number): Promise<{ items: SyncItem[]; next: SyncPosition; hasMore: boolean }> {
    // Read before the pages: when both run dry, everything up to it is covered.
    const head = await this.log.head();
    const [messages, events] = await Promise.all([
      this.messages.visibleAfter(viewer.userId, from.rowId.toString(), limit),
      this.log.after(viewer.userId, from.position, limit),
    ]);
    // Checked after reading: pruning that began before the read shows here (SyncLog.prune).
    if (from.position < (await this.log.prunedThrough())) throw syncCursorExpired("after", this.log.retentionDays);

    type Merged = { key: Key; message?: MessagePayload; event?: SyncEventPayload };
    const merged: Merged[] = [
      ...messages.messages.map((message) => ({ key: [BigInt(message.rowId), 0, 0n] as Key, message })),
      // An entry comes before message r exactly when its afterRowId < r.
      ...events.map((event) => ({ key: [BigInt(event.afterRowId), 1, BigInt(event.position)] as Key, event })),
    ].sort((a, b) => compare(a.key, b.key));
    // A full page of either stream may have more beyond it: what could fall after its unread
    // rest waits for the next page.
    const scanned = messages.next === null ? null : BigInt(messages.next);
    const bounds: Key[] = [];
    if (scanned !== null) bounds.push([scanned, 1, LAST]);
    if (events.length === limit) bounds.push(merged.findLast((m) => m.event)!.key);
    const bound = bounds.sort(compare)[0];
    const safe = bound ? merged.filter((m) => compare(m.key, bound) <= 0) : merged;
    const taken = safe.slice(0, limit);
    const capped = safe.length > limit;

    let { rowId, position } = from;
    for (const m of taken) {
      if (m.message) rowId = BigInt(m.message.rowId);
      else position = BigInt(m.event!.position);
    }
    // Every message candidate up to `scanned` was looked at (and those visible taken): go past them.
    if (scanned !== null && taken.filter((m) => m.message).length === messages.messages.length) rowId = max(rowId, scanned);
    const hasMore = scanned !== null || events.length === limit || capped;
    if (!hasMore) ({ rowId, position } = { rowId: max(rowId, head.rowId), position: max(position, head.position) });

    // Cursors along the page: each item's own, as the client would resume after it.
    let cursor = { ...from };
    const steps = taken.map((m) => {
      cursor = m.message ? { ...cursor, rowId: BigInt(m.message.rowId) } : { ...cursor, position: BigInt(m.event!.position) };
      return { ...m, cursor: encodeCursor(cursor) };
    });
    const items = await this.render(viewer, steps);
    return { items, next: { rowId, position }, hasMore };
  }

  /** The page's entries with what they carry: groups and profiles as they are now, read once for the page. */
  private async render(viewer: Viewer, steps: { cursor: string; message?: MessagePayload; event?: SyncEventPayload }[]): Promise<SyncItem[]> {
    const bodies = steps.flatMap((s) => (s.event ? [s.event.body] : []));
    const groupIds = [...new Set(bodies.flatMap((b) => (b.kind === "GROUP" ? [b.group.groupId] : [])))];
    const jids = [...new Set(bodies.flatMap((b) => (b.kind === "PROFILE" ? [b.profile.jid] : [])))];
    const [groups, profileOf] = await Promise.all([
      groupIds.length ? this.groups.viewsIfMember(viewer, groupIds) : new Map<string, Group>(),
      jids.length ? this.profiles.sharedViews(jids) : () => undefined,
    ]);
    return steps.map(({ cursor, message, event }): SyncItem => {
      if (message) return { kind: "MESSAGE", cursor, message };
      const body = event!.body;
      if (body.kind === "GROUP") return { ...body, cursor, view: groups.get(body.group.groupId) ?? null };
      if (body.kind === "PROFILE") return { kind: "PROFILE", cursor, profile: profileOf(viewer, body.profile.jid) ?? null };
      return { ...body, cursor };
    });
  }

  /** A live entry: what it carries is read once for all its subscribers on this process (keyed by its shared body). */
  private async renderLive(viewer: Viewer, event: SyncEventPayload, cursor: string): Promise<SyncItem> {
    const body = event.body;
    if (body.kind === "GROUP") return { ...body, cursor, view: await this.groups.viewAfter(body, viewer, body.group.groupId) };
    if (body.kind === "PROFILE") {
      let views = this.profileViews.get(body);
      if (!views) this.profileViews.set(body, (views = this.profiles.sharedViews([body.profile.jid])));
      return { kind: "PROFILE", cursor, profile: (await views)(viewer, body.profile.jid) ?? null };
    }
    return { ...body, cursor };
  }
}
