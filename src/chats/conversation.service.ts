// What a user does to their own view of a chat: clear it, delete it from recent chats, mute it,
// archive it. None of it touches the other members' view.
import type { EntityManager } from "typeorm";
import type { Database } from "../db/database.js";
import { asId } from "../db/values.js";
import type { Viewer } from "../identity/identity.types.js";
import type { Addressing, ChatRef } from "../messages/addressing.js";
import type { MessageService } from "../messages/message.service.js";
import type { MessageStore } from "../messages/store/message-store.js";
import { Chat } from "../messages/chat.entity.js";
import { type ChatService, chatChangeEntry } from "../messages/chat.service.js";
import type { ChatChange } from "../realtime/sync-entry.js";
import type { SyncLog } from "../realtime/sync-log.js";

export class ConversationService {
  constructor(
    private readonly db: Database,
    private readonly store: MessageStore,
    private readonly addressing: Addressing,
    private readonly chats: ChatService,
    private readonly messages: MessageService,
    private readonly sync: SyncLog,
  ) {}

  /** Clears the chat for the viewer, up to lastMessageId when given; favourites stay unless deleteFavourites. */
  async clear(viewer: Viewer, toJid: string, deleteFavourites: boolean, lastMessageId: string | null): Promise<boolean> {
    const chat = await this.addressing.resolve(viewer, toJid, "toJid");
    const upTo = lastMessageId === null ? null : asId((await this.messages.visibleByIds(viewer, [lastMessageId], "lastMessageId", chat))[0]!.rowId);
    await this.sync.transaction(async (em, record) => {
      await this.clearIn(em, viewer, chat, { upTo, deleteFavourites, hide: false });
      record([await chatChangeEntry(em, viewer.userId, chat.jid, "CLEARED")]);
    });
    return true;
  }

  /** Clears the chat and removes it from recent chats until a new message arrives. */
  async delete(viewer: Viewer, toJid: string, deleteFavourites: boolean): Promise<boolean> {
    const chat = await this.addressing.resolve(viewer, toJid, "toJid");
    await this.sync.transaction(async (em, record) => {
      await this.clearIn(em, viewer, chat, { upTo: null, deleteFavourites, hide: true });
      record([await chatChangeEntry(em, viewer.userId, chat.jid, "DELETED")]);
    });
    return true;
  }

  /** clearAllChats (hide false) and deleteAllRecentChats (hide true), favourites kept. */
  async clearAll(viewer: Viewer, hide: boolean): Promise<boolean> {
    const rows = await this.chats.all(viewer.userId);
    await this.sync.transaction(async (em, record) => {
      for (const row of rows) {
        const chat = await this.addressing.resolve(viewer, row.jid, "toJid");
        await this.clearIn(em, viewer, chat, { upTo: null, deleteFavourites: false, hide });
        record([await chatChangeEntry(em, viewer.userId, chat.jid, hide ? "DELETED" : "CLEARED")]);
      }
    });
    return true;
  }

  async mute(viewer: Viewer, toJid: string, isMuted: boolean): Promise<boolean> {
    return this.set(viewer, toJid, { isMuted }, isMuted ? "MUTED" : "UNMUTED");
  }

  async archive(viewer: Viewer, toJid: string, isArchived: boolean): Promise<boolean> {
    return this.set(viewer, toJid, { isArchived }, isArchived ? "ARCHIVED" : "UNARCHIVED");
  }

  private async set(viewer: Viewer, toJid: string, change: Partial<Pick<Chat, "isMuted" | "isArchived">>, told: ChatChange): Promise<boolean> {
    const chat = await this.addressing.resolve(viewer, toJid, "toJid");
    await this.sync.transaction(async (em, record) => {
      await this.chats.ensure(em, viewer.userId, chat);
      await em.update(Chat, { ownerId: viewer.userId, jid: chat.jid }, change);
      record([await chatChangeEntry(em, viewer.userId, chat.jid, told)]);
    });
    return true;
  }

  private async clearIn(
    em: EntityManager,
    viewer: Viewer,
    chat: ChatRef,
    options: { upTo: string | null; deleteFavourites: boolean; hide: boolean },
  ): Promise<void> {
    const row = await this.chats.ensure(em, viewer.userId, chat);
    const newest = await this.store.newestRowId(em, chat.key);
    const upTo = options.upTo ?? newest ?? "0";
    const cleared = BigInt(upTo) > BigInt(asId(row.clearedUpToRowId)) ? upTo : asId(row.clearedUpToRowId);
    if (options.deleteFavourites) {
      await this.store.unfavouriteUpTo(em, viewer.userId, chat.key, cleared);
    }
    const last = await this.messages.lastVisibleRowId(em, viewer.userId, chat.key, cleared);
    await em.update(
      Chat,
      { ownerId: viewer.userId, jid: chat.jid },
      { clearedUpToRowId: cleared, lastMessageRowId: last, ...(options.hide ? { isHidden: true } : {}) },
    );
    await this.store.recountUnread(em, viewer.userId, chat.key);
  }
}
