// Writes messages in batches under the database's sequencer (Database.sequenced): each batch
// commits, and is published, before the next takes row ids, so every subscriber hears of
// messages in rowId order and a rowId seen committed has no lower one still to come. That is
// what lets messageReceived switch from replay to live without a gap or a duplicate.
// Batching keeps the price of that ordering to one lock round per batch, not per message.
import type { Logger } from "pino";
import { In } from "typeorm";
import type { ChatDelta, ChatService, ChatRef } from "../chats/chat.service.js";
import type { Database } from "../db/database.js";
import { asId } from "../db/values.js";
import type { PubSub } from "../realtime/pubsub.js";
import { type MessagePayload, topics } from "../realtime/topics.js";
import { type MediaData, MessageRow, type MessageType } from "./message.entity.js";
import { ReceiptRow } from "./receipt.entity.js";

/** A validated message, ready to be written. */
export interface Draft {
  id: string;
  chat: ChatRef;
  type: MessageType;
  text: string | null;
  media: MediaData | null;
  replyToId: string | null;
  mentions: string[];
  isForwarded: boolean;
  createdAt: Date;
  /** The replied-to message as the sender and as the recipient see it. */
  replyPreview: { sender: MessagePayload | null; recipient: MessagePayload | null };
}

export type Outcome =
  | { kind: "stored"; row: MessageRow }
  /** The same sender sent this msgId before: the stored message, nothing new published. */
  | { kind: "existing"; row: MessageRow }
  /** Another sender's message has this msgId. */
  | { kind: "conflict" };

/** Drafts written together or not at all (a forward to many chats is one unit). */
interface Unit {
  drafts: Draft[];
  resolve: (outcomes: Outcome[]) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 256;

export class MessageWriter {
  private queue: Unit[] = [];
  private draining = false;

  constructor(
    private readonly db: Database,
    private readonly chats: ChatService,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
  ) {}

  async write(draft: Draft): Promise<Outcome> {
    const [outcome] = await this.writeAll([draft]);
    return outcome!;
  }

  /** Writes the drafts in one transaction: all are stored, or none. */
  writeAll(drafts: Draft[]): Promise<Outcome[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ drafts, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch: Unit[] = [this.queue.shift()!];
        let size = batch[0]!.drafts.length;
        while (this.queue.length > 0 && size + this.queue[0]!.drafts.length <= MAX_BATCH) {
          const unit = this.queue.shift()!;
          size += unit.drafts.length;
          batch.push(unit);
        }
        try {
          await this.writeBatch(batch);
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          // One bad unit must not take its batch down: write each on its own.
          for (const unit of batch) {
            await this.writeBatch([unit]).catch((e: unknown) => unit.reject(e));
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async writeBatch(batch: Unit[]): Promise<void> {
    const drafts = batch.flatMap((u) => u.drafts);
    const outcomes = await this.db.sequenced(
      async (em) => {
        const ids = [...new Set(drafts.map((d) => d.id))];
        const before = new Map((await em.find(MessageRow, { where: { id: In(ids) } })).map((r) => [r.id, r]));
        const fresh = new Map<string, Draft>();
        for (const draft of drafts) if (!before.has(draft.id) && !fresh.has(draft.id)) fresh.set(draft.id, draft);
        if (fresh.size === 0) return { before, stored: new Map<string, MessageRow>(), fresh, muted: new Set<string>() };

        await em.insert(
          MessageRow,
          [...fresh.values()].map((d) => ({
            id: d.id,
            chatKey: d.chat.key,
            chatType: d.chat.type,
            senderId: d.chat.me.id,
            recipientId: d.chat.peer.id,
            type: d.type,
            text: d.text,
            media: d.media,
            replyToId: d.replyToId,
            mentions: d.mentions,
            isForwarded: d.isForwarded,
            deletedForEveryoneAt: null,
            createdAt: d.createdAt,
          })),
        );
        const rows = await em.find(MessageRow, { where: { id: In([...fresh.keys()]) } });
        const stored = new Map(rows.map((r) => [r.id, Object.assign(r, { rowId: asId(r.rowId) })]));
        const receipts = rows
          .filter((r) => r.recipientId !== null && r.recipientId !== r.senderId)
          .map((r) => ({ messageRowId: r.rowId, userId: r.recipientId!, chatKey: r.chatKey, deliveredAt: null, seenAt: null }));
        if (receipts.length > 0) await em.insert(ReceiptRow, receipts);
        const muted = await this.chats.applyMessages(em, rows.flatMap((r) => this.deltas(r, fresh.get(r.id)!)));
        return { before, stored, fresh, muted };
      },
      async ({ stored, fresh, muted }) => {
        const ordered = [...stored.values()].sort((a, b) => (BigInt(a.rowId) < BigInt(b.rowId) ? -1 : 1));
        const publishes = ordered.flatMap((row) => this.announcements(row, fresh.get(row.id)!, muted));
        // Bounded: Redis commands fail after a few reconnect attempts (see redisConnection).
        await Promise.all(publishes).catch((err: unknown) =>
          // The messages are stored; subscribers that missed the wake-up catch up by cursor.
          this.log.warn({ err }, "publishing new messages failed"),
        );
      },
    );
    const claimed = new Set<string>();
    for (const unit of batch) {
      unit.resolve(
        unit.drafts.map((draft): Outcome => {
          const earlier = outcomes.before.get(draft.id);
          const row = earlier ?? outcomes.stored.get(draft.id)!;
          const first = !claimed.has(draft.id);
          claimed.add(draft.id);
          if (row.senderId !== draft.chat.me.id) return { kind: "conflict" };
          return earlier || !first ? { kind: "existing", row } : { kind: "stored", row };
        }),
      );
    }
  }

  private deltas(row: MessageRow, draft: Draft): ChatDelta[] {
    const { me, peer } = draft.chat;
    const mine: ChatDelta = {
      ownerId: me.id,
      jid: peer.jid,
      key: row.chatKey,
      type: "CHAT",
      peerUserId: peer.id,
      lastRowId: row.rowId,
      unreadIncrement: 0,
      at: row.createdAt,
    };
    if (me.id === peer.id) return [mine];
    return [mine, { ...mine, ownerId: peer.id, jid: me.jid, peerUserId: me.id, unreadIncrement: 1 }];
  }

  private announcements(row: MessageRow, draft: Draft, muted: Set<string>): Promise<void>[] {
    const { me, peer } = draft.chat;
    const base: MessagePayload = {
      rowId: row.rowId,
      id: row.id,
      chatType: "CHAT",
      chatJid: peer.jid,
      fromJid: me.jid,
      toJid: peer.jid,
      senderId: me.id,
      type: row.type,
      text: row.text,
      media: row.media,
      replyTo: draft.replyPreview.sender,
      mentionedUserJids: row.mentions,
      isForwarded: row.isForwarded,
      isDeletedForEveryone: false,
      isFavourite: false,
      isMuted: muted.has(`${me.id} ${row.chatKey}`),
      status: "SENT",
      createdAt: row.createdAt.toISOString(),
    };
    const sends = [this.pubsub.publish(topics.messageReceived(me.id), base)];
    if (peer.id !== me.id) {
      sends.push(
        this.pubsub.publish(topics.messageReceived(peer.id), {
          ...base,
          chatJid: me.jid,
          replyTo: draft.replyPreview.recipient,
          isMuted: muted.has(`${peer.id} ${row.chatKey}`),
        }),
      );
    }
    return sends;
  }
}
