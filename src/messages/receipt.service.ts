// Delivery and seen receipts. Delivered: a message reached a live subscription of its recipient;
// these come in bursts, so they are written in batches. Seen: sendSeenStatus marks a message and
// every earlier one in the chat. Either way the sender hears of it (messageStatusUpdated).
import type { Logger } from "pino";
import { In } from "typeorm";
import type { Database } from "../db/database.js";
import { asId } from "../db/values.js";
import { notFound } from "../graphql/errors.js";
import type { Viewer } from "../identity/identity.types.js";
import type { PubSub } from "../realtime/pubsub.js";
import { type ReceiptPayload, topics } from "../realtime/topics.js";
import type { Addressing } from "./addressing.js";
import { MessageRow } from "./message.entity.js";
import type { MessagePayload } from "./message-view.js";
import type { MessageStore } from "./store/message-store.js";
import { chatChangeEntry } from "./chat.service.js";
import type { SyncLog } from "../realtime/sync-log.js";

/** How long delivered receipts gather before they are written together. */
const DELIVERED_FLUSH_MS = 5;
const MAX_FLUSH = 500;
/** Deliveries per UPDATE (markDelivered): its parameters stay well under what PostgreSQL and SQLite accept. */
const MAX_STATEMENT = 10_000;

/** A receipt that changed, with what its sender needs to hear of it. */
interface Changed {
  rowId: string;
  messageId: string;
  senderId: number;
  group: boolean;
  chatJid: string;
  userJid: string;
}

/**
 * The receipt of a message by one recipient, as its sender hears of it: the chat as the sender
 * sees it is the recipient's jid, or the group's.
 */
function changed(message: { rowId: string; id: string; senderId: number }, chat: { type: string; jid: string }, recipient: Pick<Viewer, "jid">): Changed {
  const group = chat.type === "GROUPCHAT";
  return { rowId: message.rowId, messageId: message.id, senderId: message.senderId, group, chatJid: group ? chat.jid : recipient.jid, userJid: recipient.jid };
}

interface Delivery {
  viewer: Pick<Viewer, "userId" | "jid">;
  message: MessagePayload;
}

export class ReceiptService {
  private pending: Delivery[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly store: MessageStore,
    private readonly addressing: Addressing,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
    private readonly sync: SyncLog,
  ) {}

  /** The message reached a live subscription of the viewer, who is one of its recipients. */
  delivered(viewer: Pick<Viewer, "userId" | "jid">, message: MessagePayload): void {
    if (message.senderId === viewer.userId || message.status !== "SENT") return;
    this.pending.push({ viewer, message });
    // Once, as the batch reaches MAX_FLUSH, the flush is moved up to the next turn: not again for
    // each delivery after it (a group's members delivered in one turn re-armed a timer each).
    this.flushSoon(this.pending.length === MAX_FLUSH ? 0 : DELIVERED_FLUSH_MS);
  }

  private flushSoon(ms: number): void {
    if (this.timer && ms > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flushing.then(() => this.flush()).catch((err: unknown) => this.log.error({ err }, "writing delivery receipts failed"));
    }, ms);
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) await this.write(this.pending.splice(0, MAX_STATEMENT));
  }

  private async write(batch: Delivery[]): Promise<void> {
    const at = new Date();
    // Grouped by message: a group message delivered to a thousand members is one lookup with a
    // thousand user ids, not a thousand lookups.
    const byMessage = new Map<string, number[]>();
    for (const d of batch) {
      const users = byMessage.get(d.message.rowId);
      if (users) users.push(d.viewer.userId);
      else byMessage.set(d.message.rowId, [d.viewer.userId]);
    }
    const updated = await this.store.markDelivered(byMessage, at);
    const done = new Set(updated.map((r) => `${r.rowId} ${r.userId}`));
    const receipts = batch.filter((d) => done.delete(`${d.message.rowId} ${d.viewer.userId}`));
    await this.announce(
      receipts.map(({ viewer, message }) => changed(message, { type: message.chatType, jid: message.chatJid }, viewer)),
      "DELIVERED",
      at,
    );
  }

  /**
   * Tells senders. One-to-one: each receipt. Group: only when the message reached the status
   * with every recipient (Message.status), so a big group does not flood its senders;
   * groupMessageInfo has the per-recipient detail.
   */
  private async announce(changed: Changed[], status: ReceiptPayload["status"], at: Date): Promise<void> {
    const groupRows = [...new Set(changed.filter((c) => c.group).map((c) => c.rowId))];
    const claimed = new Set<string>();
    for (let i = 0; i < groupRows.length; i += MAX_FLUSH) {
      // Processes completing the last receipts of one message together may both find it
      // complete; the claim falls to one of them, so the sender is told once.
      for (const rowId of await this.store.claimComplete(groupRows.slice(i, i + MAX_FLUSH), status, at)) claimed.add(rowId);
    }
    const told = changed
      .filter((c) => !c.group || claimed.delete(c.rowId))
      .map((c) => ({ senderId: c.senderId, receipt: { messageId: c.messageId, chatJid: c.chatJid, userJid: c.userJid, status, at: at.toISOString() } }));
    // The senders' sync streams keep what messageStatusUpdated tells (one multi-row write).
    await this.sync.append(told.map(({ senderId, receipt }) => ({ userId: senderId, body: { kind: "RECEIPT", receipt } })));
    await Promise.all(told.map(({ senderId, receipt }) => this.publish(senderId, receipt)));
  }

  /** Marks the message and every earlier one in the chat as seen by the viewer. */
  async markSeen(viewer: Viewer, toJid: string, messageId: string): Promise<boolean> {
    const chat = await this.addressing.resolve(viewer, toJid, "toJid");
    const message = await this.db.repository(MessageRow).findOneBy({ id: messageId, chatKey: chat.key });
    if (!message) throw notFound(`message ${messageId} in chat ${toJid}`);
    const at = new Date();
    const seen = await this.sync.transaction(async (em, record) => {
      const rows = await this.store.markSeenUpTo(em, viewer.userId, chat.key, asId(message.rowId), at);
      await this.store.recountUnread(em, viewer.userId, chat.key);
      // The viewer's other devices: the chat's new unread count.
      record([await chatChangeEntry(em, viewer.userId, chat.jid, "SEEN", [message.id])]);
      return rows;
    });
    for (let i = 0; i < seen.length; i += MAX_FLUSH) {
      const rows = await this.db.repository(MessageRow).find({
        select: { rowId: true, id: true, senderId: true },
        where: { rowId: In(seen.slice(i, i + MAX_FLUSH)) },
        order: { rowId: "ASC" },
      });
      const records = rows.map((r) => changed({ rowId: asId(r.rowId), id: r.id, senderId: r.senderId }, chat, viewer));
      // Seeing is delivery too: in a group it may complete a message's delivery, and its sender
      // hears DELIVERED first (claimed once, so nothing is told twice). One-to-one, SEEN says it all.
      if (chat.type === "GROUPCHAT") await this.announce(records, "DELIVERED", at);
      await this.announce(records, "SEEN", at);
    }
    return true;
  }

  private async publish(senderId: number, receipt: ReceiptPayload): Promise<void> {
    // The receipt is stored; a lost wake-up shows in Message.status on the next read.
    await this.pubsub.publish(topics.messageStatus(senderId), receipt).catch((err: unknown) => this.log.warn({ err }, "publishing a receipt failed"));
  }

  /** Writes what is still pending. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush().catch((err: unknown) => this.log.error({ err }, "writing delivery receipts failed"));
  }
}
