// Deleting messages: for oneself (any message one sees), or for everyone (one's own messages,
// within DELETE_FOR_EVERYONE_WINDOW): then the content is gone from storage, everyone who holds
// the message sees a tombstone and hears of it (messagesDeleted), former group participants too.
import type { Logger } from "pino";
import { In } from "typeorm";
import { Chat } from "./chat.entity.js";
import { type ChatService, chatChangeEntry } from "./chat.service.js";
import type { Database } from "../db/database.js";
import { asId } from "../db/values.js";
import { badInput, forbidden } from "../graphql/errors.js";
import type { Viewer } from "../identity/identity.types.js";
import type { MediaStore } from "../media/media-store.js";
import type { PubSub } from "../realtime/pubsub.js";
import { topics } from "../realtime/topics.js";
import { Addressing, type ChatRef } from "./addressing.js";
import { MessageRow } from "./message.entity.js";
import type { MessageService } from "./message.service.js";
import { MAX_DELETE } from "./message.types.js";
import { ReceiptRow } from "./receipt.entity.js";
import type { MessageStore } from "./store/message-store.js";
import type { SyncLog } from "../realtime/sync-log.js";


export class DeletionService {
  constructor(
    private readonly db: Database,
    private readonly store: MessageStore,
    private readonly addressing: Addressing,
    private readonly chats: ChatService,
    private readonly messages: MessageService,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
    private readonly windowMs: number,
    private readonly media: MediaStore,
    private readonly sync: SyncLog,
  ) {}

  /** Hides the messages from the viewer only; deleting one that is already gone for them is a no-op. */
  async forMe(viewer: Viewer, toJid: string, messageIds: readonly string[]): Promise<boolean> {
    this.checkCount(messageIds);
    const chat = await this.addressing.resolve(viewer, toJid, "toJid");
    const ids = [...new Set(messageIds)];
    const gone = await this.store.deletedFor(viewer.userId, chat.key, ids);
    const goneIds = new Set(gone.map((m) => m.id));
    const rows = await this.messages.visibleByIds(viewer, ids.filter((id) => !goneIds.has(id)), "messageIds", chat);
    await this.sync.transaction(async (em, record) => {
      await this.store.setMessageStates(em, viewer.userId, rows, { isDeleted: true, isFavourite: false, favouritedAt: null });
      const state = await this.chats.ensure(em, viewer.userId, chat);
      const last = await this.messages.lastVisibleRowId(em, viewer.userId, chat.key, asId(state.clearedUpToRowId));
      await em.update(Chat, { ownerId: viewer.userId, jid: chat.jid }, { lastMessageRowId: last });
      await this.store.recountUnread(em, viewer.userId, chat.key);
      record([await chatChangeEntry(em, viewer.userId, chat.jid, "MESSAGES_DELETED_FOR_ME", ids)]);
    });
    return true;
  }

  /** Deletes the viewer's own messages for every member of the chat. */
  async forEveryone(viewer: Viewer, toJid: string, messageIds: readonly string[]): Promise<boolean> {
    this.checkCount(messageIds);
    const chat = await this.addressing.resolve(viewer, toJid, "toJid");
    // It changes what the group's participants see: like sending, for current participants only.
    Addressing.requireMember(chat);
    const rows = await this.messages.visibleByIds(viewer, [...new Set(messageIds)], "messageIds", chat);
    const foreign = rows.find((r) => r.senderId !== viewer.userId);
    if (foreign) throw forbidden(`message ${foreign.id} is not yours: only the sender deletes a message for everyone`);
    const pending = rows.filter((r) => r.deletedForEveryoneAt === null);
    const late = pending.find((r) => Date.now() - r.createdAt.getTime() > this.windowMs);
    if (late) throw forbidden(`message ${late.id} is older than ${Math.round(this.windowMs / 60000)} minutes: too late to delete it for everyone`);
    if (pending.length === 0) return true;
    const at = new Date();
    const rowIds = pending.map((r) => asId(r.rowId));
    await this.db.transaction(async (em) => {
      // The content leaves storage; the row stays as a tombstone for history and replies.
      await em.update(MessageRow, { rowId: In(rowIds) }, { deletedForEveryoneAt: at, text: null, media: null, mentions: [] });
      await this.store.unfavouriteMessages(em, rowIds);
    });
    // An uploaded file goes with its last message (forwarded copies and profile images keep it).
    for (const token of new Set(pending.map((r) => r.mediaToken))) await this.media.releaseIfUnused(token);
    // Each holder hears of the messages they hold, under the chat's jid as they see it: one
    // event, patched only for those who hold fewer of the messages or see another jid.
    const event = { byJid: viewer.jid, at: at.toISOString(), chatJid: chat.jid, messageIds: pending.map((r) => r.id) };
    const holders = await this.holdersOf(chat, pending);
    await this.sync.append(
      [...holders].map(([userId, { chatJid, messageIds }]) => ({ userId, body: { kind: "MESSAGES_DELETED", deleted: { ...event, chatJid, messageIds } } })),
    );
    await this.pubsub
      .publishToMany(
        event,
        [...holders].map(([userId, { chatJid, messageIds }]) => ({
          topic: topics.messagesDeleted(userId),
          patch: { ...(chatJid === event.chatJid ? {} : { chatJid }), ...(messageIds.length === event.messageIds.length ? {} : { messageIds }) },
        })),
      )
      .catch((err: unknown) => this.log.warn({ err }, "publishing deleted messages failed"));
    return true;
  }

  /**
   * Who holds which of the messages (in rowId order). One-to-one: both users, all of them. Group:
   * the sender, and each recipient of record (a receipt) — a participant who has left since keeps
   * what they received, and one who joined later never had it.
   */
  private async holdersOf(chat: ChatRef, rows: readonly MessageRow[]): Promise<Map<number, { chatJid: string; messageIds: string[] }>> {
    const all = rows.map((r) => r.id);
    if (chat.type === "CHAT") return new Map((await this.addressing.audience(chat)).map(({ userId, chatJid }) => [userId, { chatJid, messageIds: all }]));
    const holders = new Map([[chat.me.id, { chatJid: chat.jid, messageIds: [...all] }]]);
    const idOf = new Map(rows.map((r) => [asId(r.rowId), r.id]));
    const receipts = await this.db.repository(ReceiptRow).find({
      select: { messageRowId: true, userId: true },
      where: { messageRowId: In([...idOf.keys()]) },
      order: { messageRowId: "ASC" },
    });
    for (const r of receipts) {
      const id = idOf.get(asId(r.messageRowId))!;
      const held = holders.get(r.userId);
      if (held) held.messageIds.push(id);
      else holders.set(r.userId, { chatJid: chat.jid, messageIds: [id] });
    }
    return holders;
  }

  private checkCount(messageIds: readonly string[]): void {
    if (messageIds.length === 0 || messageIds.length > MAX_DELETE) {
      throw badInput("messageIds", `must name 1 to ${MAX_DELETE} messages, got ${messageIds.length}`);
    }
  }
}
