// Chats as their owners see them: the per-user chat state (mute, archive, the recent and archived
// lists). The message path keeps the rows current through the message store, in its own transaction.
// The rows are the message core's (visibility reads cleared and hidden, the writer keeps last
// message and unread): chats/ (recent chats, conversation management) reads them through here.
import type { EntityManager } from "typeorm";
import type { Database } from "../db/database.js";
import type { Feature } from "../config.js";
import type { ChatRef } from "./addressing.js";
import type { ChatChange, NewSyncEntry } from "../realtime/sync-entry.js";
import { Chat } from "./chat.entity.js";

export class ChatService {
  constructor(
    private readonly db: Database,
    private readonly features: ReadonlySet<Feature>,
  ) {}

  /** The owner's state of the chat with this key, or null when they have none yet. */
  stateOf(ownerId: number, key: string): Promise<Chat | null> {
    return this.db.repository(Chat).findOneBy({ ownerId, chatKey: key });
  }

  async statesOf(ownerId: number, keys: readonly string[]): Promise<Map<string, Chat>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db
      .repository(Chat)
      .createQueryBuilder("c")
      .where("c.owner_id = :ownerId AND c.chat_key IN (:...keys)", { ownerId, keys: [...new Set(keys)] })
      .getMany();
    return new Map(rows.map((r) => [r.chatKey, r]));
  }

  /** True when the user already has a chat with the other user (they wrote to each other before). */
  async hasChatWith(ownerId: number, otherId: number): Promise<boolean> {
    return this.db.repository(Chat).existsBy({ ownerId, peerUserId: otherId });
  }

  /** The owner's chats, most recent first: those in recent chats, or the archived ones. */
  list(ownerId: number, archived: boolean, limit: number): Promise<Chat[]> {
    const query = this.db
      .repository(Chat)
      .createQueryBuilder("c")
      .where("c.owner_id = :ownerId AND c.is_archived = :archived AND c.is_hidden = :hidden", { ownerId, archived, hidden: false })
      // A chat is listed once it had a message (a cleared chat stays, without a last message);
      // a group from the moment one joins it.
      .andWhere("(c.last_message_row_id IS NOT NULL OR c.cleared_up_to_row_id > 0 OR c.chat_type = :group)", { group: "GROUPCHAT" })
      .orderBy("c.updated_at", "DESC")
      .addOrderBy("c.last_message_row_id", "DESC");
    // Without groupChat in the plan, group chats are not the owner's to see.
    if (!this.features.has("groupChat")) query.andWhere("c.chat_type <> :group");
    return query.limit(limit).getMany();
  }

  /** The owner's row for the chat, created (empty) when they have none yet. */
  async ensure(em: EntityManager, ownerId: number, chat: ChatRef): Promise<Chat> {
    await em
      .createQueryBuilder()
      .insert()
      .into(Chat)
      .values({
        ownerId,
        jid: chat.jid,
        chatType: chat.type,
        chatKey: chat.key,
        peerUserId: chat.type === "CHAT" ? chat.peer.id : null,
        updatedAt: new Date(),
      })
      .orIgnore()
      .execute();
    return em.findOneByOrFail(Chat, { ownerId, jid: chat.jid });
  }

  /** All of the owner's chat rows. */
  all(ownerId: number): Promise<Chat[]> {
    return this.db.repository(Chat).findBy({ ownerId });
  }
}

/**
 * The sync entry of the owner's change to a chat, with the chat's state as the change left it
 * (read inside the change's transaction): what their other devices need, unread count included.
 */
export async function chatChangeEntry(em: EntityManager, ownerId: number, jid: string | null, change: ChatChange, messageIds: string[] = []): Promise<NewSyncEntry> {
  const row = jid === null ? null : await em.findOneBy(Chat, { ownerId, jid });
  return {
    userId: ownerId,
    body: {
      kind: "CHAT",
      chat: { change, chatJid: jid, messageIds, unreadCount: row?.unreadCount ?? 0, isMuted: row?.isMuted ?? false, isArchived: row?.isArchived ?? false, at: new Date().toISOString() },
    },
  };
}
