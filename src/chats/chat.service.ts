// Chats as the message path sees them: the per-user chat state (last message, unread count)
// kept up to date in the same transaction as each message.
import type { EntityManager } from "typeorm";
import type { Database } from "../db/database.js";
import { asBool } from "../db/values.js";
import type { Feature } from "../config.js";
import { type ChatRef, groupKey } from "../messages/addressing.js";
import { Chat, type ChatType } from "./chat.entity.js";

/** What one new message changes in one user's chat row. */
export interface ChatDelta {
  ownerId: number;
  jid: string;
  key: string;
  type: ChatType;
  peerUserId: number | null;
  lastRowId: string;
  unreadIncrement: number;
  at: Date;
}

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

  /**
   * Applies new messages to their chat rows in one statement: creates missing rows, moves the
   * last message forward, adds to unread counts and brings deleted chats back. Returns which
   * owners muted the chat ("<ownerId> <chat key>").
   */
  async applyMessages(em: EntityManager, deltas: readonly ChatDelta[]): Promise<Set<string>> {
    const merged = new Map<string, ChatDelta>();
    for (const d of deltas) {
      const id = `${d.ownerId} ${d.jid}`;
      const seen = merged.get(id);
      merged.set(
        id,
        seen
          ? {
              ...seen,
              lastRowId: BigInt(d.lastRowId) > BigInt(seen.lastRowId) ? d.lastRowId : seen.lastRowId,
              unreadIncrement: seen.unreadIncrement + d.unreadIncrement,
              at: d.at > seen.at ? d.at : seen.at,
            }
          : d,
      );
    }
    // A stable order, so that concurrent writers lock rows in the same order.
    const rows = [...merged.values()].sort((a, b) => a.ownerId - b.ownerId || a.jid.localeCompare(b.jid));
    if (rows.length === 0) return new Set();
    const values = rows.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ");
    const params = rows.flatMap((d) => [d.ownerId, d.jid, d.type, d.key, d.peerUserId, d.lastRowId, d.unreadIncrement, d.at, false]);
    const changed = await this.db.rows<{ owner_id: unknown; chat_key: string; is_muted: unknown }>(
      em,
      `INSERT INTO chats (owner_id, jid, chat_type, chat_key, peer_user_id, last_message_row_id, unread_count, updated_at, is_hidden)
       VALUES ${values}
       ON CONFLICT (owner_id, jid) DO UPDATE SET
         last_message_row_id = CASE
           WHEN chats.last_message_row_id IS NULL OR chats.last_message_row_id < excluded.last_message_row_id
           THEN excluded.last_message_row_id ELSE chats.last_message_row_id END,
         unread_count = chats.unread_count + excluded.unread_count,
         updated_at = CASE WHEN chats.updated_at < excluded.updated_at THEN excluded.updated_at ELSE chats.updated_at END,
         is_hidden = excluded.is_hidden
       RETURNING owner_id, chat_key, is_muted`,
      params,
    );
    return new Set(changed.filter((r) => asBool(r.is_muted)).map((r) => `${Number(r.owner_id)} ${r.chat_key}`));
  }

  /**
   * New group messages of one sender (count of them, the newest lastRowId) in the chat rows of
   * every other current participant, in one statement whatever the group's size: unread count,
   * last message, and back into recent chats.
   */
  async applyGroupMessages(em: EntityManager, groupId: string, senderId: number, count: number, rowId: string, at: Date): Promise<void> {
    await this.db.rows(
      em,
      `UPDATE chats SET
         unread_count = unread_count + ?,
         last_message_row_id = CASE WHEN last_message_row_id IS NULL OR last_message_row_id < ? THEN ? ELSE last_message_row_id END,
         updated_at = CASE WHEN updated_at < ? THEN ? ELSE updated_at END,
         is_hidden = ?
       WHERE chat_key = ? AND owner_id <> ?
         AND owner_id IN (SELECT user_id FROM group_participants WHERE group_id = ? AND left_at IS NULL)`,
      [count, rowId, rowId, at, at, false, groupKey(groupId), senderId, groupId],
    );
  }

  /** Owners who muted the chat with this key. */
  async mutedBy(em: EntityManager, key: string): Promise<number[]> {
    const rows = await this.db.rows<{ owner_id: unknown }>(em, `SELECT owner_id FROM chats WHERE chat_key = ? AND is_muted = ?`, [key, true]);
    return rows.map((r) => Number(r.owner_id));
  }

  /** Sets the owner's unread count of a chat to the number of its messages they still see and have not seen. */
  async recountUnread(em: EntityManager, ownerId: number, key: string): Promise<void> {
    await this.db.rows(
      em,
      `UPDATE chats SET unread_count = (
         SELECT COUNT(*) FROM receipts r WHERE r.user_id = ? AND r.chat_key = ? AND r.seen_at IS NULL
           AND r.message_row_id > chats.cleared_up_to_row_id
           AND NOT EXISTS (SELECT 1 FROM message_states d
                           WHERE d.user_id = r.user_id AND d.message_row_id = r.message_row_id AND d.is_deleted = ?)
       ) WHERE owner_id = ? AND chat_key = ?`,
      [ownerId, key, true, ownerId, key],
    );
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
