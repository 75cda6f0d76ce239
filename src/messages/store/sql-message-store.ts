// The message store's statements that read the same on PostgreSQL and SQLite; each dialect's store extends it.
import { type EntityManager, In } from "typeorm";
import { type Database, PreparedSql } from "../../db/database.js";
import { asBool, asId } from "../../db/values.js";
import { MessageRow } from "../message.entity.js";
import { named, positional, type VisibilityScope, visibleTo } from "../visibility.js";
import type {
  ChatDelta,
  GroupMessagesDelta,
  Inserted,
  HistoryFrom,
  MessageStateChange,
  MessageStore,
  NewMessage,
  NewReceipt,
  ReceiptProgress,
  ReceiptStatus,
} from "./message-store.js";

/** The message_states column of each MessageStateChange field. */
const STATE_COLUMNS: Record<keyof MessageStateChange, string> = { isFavourite: "is_favourite", favouritedAt: "favourited_at", isDeleted: "is_deleted" };

/** Each user who shares a one-to-one chat with user ?, with the time of its latest message. */
const DIRECT_CONTACTS = `
    SELECT c.peer_user_id AS contact_id, c.updated_at AS last_at
      FROM chats c WHERE c.owner_id = ? AND c.peer_user_id IS NOT NULL AND c.peer_user_id <> ?`;

/** Each user who shares a group with user ?, with the time of the group chat's latest message. */
const GROUP_CONTACTS = `
    SELECT other.user_id AS contact_id, c.updated_at AS last_at
      FROM group_participants mine
      JOIN group_participants other ON other.group_id = mine.group_id AND other.left_at IS NULL AND other.user_id <> ?
      JOIN chats c ON c.owner_id = ? AND c.chat_key = 'g:' || mine.group_id
      WHERE mine.user_id = ? AND mine.left_at IS NULL`;

/**
 * How a new message's chat row meets the row already there (an INSERT INTO chats (owner_id, jid,
 * chat_type, chat_key, peer_user_id, last_message_row_id, unread_count, updated_at, is_hidden)
 * goes before it): the last message only moves forward, unread counts add up, a deleted chat comes
 * back; the rows answer who muted the chat.
 */
export const CHAT_ROW_UPSERT = `ON CONFLICT (owner_id, jid) DO UPDATE SET
         last_message_row_id = CASE
           WHEN chats.last_message_row_id IS NULL OR chats.last_message_row_id < excluded.last_message_row_id
           THEN excluded.last_message_row_id ELSE chats.last_message_row_id END,
         unread_count = chats.unread_count + excluded.unread_count,
         updated_at = CASE WHEN chats.updated_at < excluded.updated_at THEN excluded.updated_at ELSE chats.updated_at END,
         is_hidden = excluded.is_hidden
       RETURNING owner_id, chat_key, is_muted`;

/** A group message's chat rows: every present member's but the sender's. */
const GROUP_MESSAGES = `UPDATE chats SET
         unread_count = unread_count + ?,
         last_message_row_id = CASE WHEN last_message_row_id IS NULL OR last_message_row_id < ? THEN ? ELSE last_message_row_id END,
         updated_at = CASE WHEN updated_at < ? THEN ? ELSE updated_at END,
         is_hidden = ?
       WHERE chat_key = ? AND owner_id <> ?
         AND owner_id IN (SELECT user_id FROM group_participants WHERE group_id = ? AND left_at IS NULL)
       RETURNING owner_id, is_muted`;

export abstract class SqlMessageStore implements MessageStore {
  /** GROUP_MESSAGES as the dialect runs it: on every group send, so prepared. */
  private readonly groupMessagesSql: PreparedSql;

  constructor(protected readonly db: Database) {
    this.groupMessagesSql = new PreparedSql(this.mutedOnly(GROUP_MESSAGES));
  }

  abstract insertMessages(em: EntityManager, messages: readonly NewMessage[], chats: readonly ChatDelta[], lastInTurn?: boolean): Promise<Inserted>;
  abstract insertReceipts(em: EntityManager, receipts: readonly NewReceipt[]): Promise<void>;
  abstract markDelivered(usersByMessage: ReadonlyMap<string, readonly number[]>, at: Date): Promise<{ rowId: string; userId: number }[]>;

  historyPage(viewer: VisibilityScope, chatKey: string, from: HistoryFrom, limit: number): Promise<MessageRow[]> {
    const query = this.history(viewer, chatKey).limit(limit);
    if ("after" in from) return query.andWhere("m.row_id > :last", { last: from.after }).orderBy("m.row_id", "ASC").getMany();
    if (from.before !== null) query.andWhere("m.row_id < :last", { last: from.before });
    return query.orderBy("m.row_id", "DESC").getMany();
  }

  mediaPage(viewer: VisibilityScope, chatKey: string, before: string | null, limit: number): Promise<MessageRow[]> {
    const query = this.history(viewer, chatKey)
      .andWhere("m.type IN (:...mediaTypes)", { mediaTypes: ["IMAGE", "AUDIO", "VIDEO", "FILE"] })
      .andWhere("m.deleted_for_everyone_at IS NULL")
      .orderBy("m.row_id", "DESC")
      .limit(limit);
    if (before !== null) query.andWhere("m.row_id < :last", { last: before });
    return query.getMany();
  }

  /** The chat's messages as the viewer sees them (visibleTo). */
  private history(viewer: VisibilityScope, chatKey: string) {
    const { param, params } = named();
    return this.db.repository(MessageRow).createQueryBuilder("m").where("m.chat_key = :key", { key: chatKey }).andWhere(visibleTo(viewer, param), params);
  }

  seesMessageWithMedia(viewer: VisibilityScope, mediaToken: string): Promise<boolean> {
    const { param, params } = named();
    return this.db
      .repository(MessageRow)
      .createQueryBuilder("m")
      .where("m.media_token = :token AND m.deleted_for_everyone_at IS NULL", { token: mediaToken })
      .andWhere(visibleTo(viewer, param), params)
      .getExists();
  }

  async lastVisibleRowId(em: EntityManager, viewer: VisibilityScope, chatKey: string): Promise<string | null> {
    const { param, params } = positional();
    const [row] = await this.db.rows<{ row_id: unknown }>(
      em,
      `SELECT m.row_id FROM messages m WHERE m.chat_key = ${param(chatKey)} AND ${visibleTo(viewer, param)}
       ORDER BY m.row_id DESC LIMIT 1`,
      params,
    );
    return row ? asId(row.row_id) : null;
  }

  async visibleRowIds(viewer: VisibilityScope, rowIds: readonly string[]): Promise<Set<string>> {
    if (rowIds.length === 0) return new Set();
    const { param, params } = named();
    const visible = await this.db
      .repository(MessageRow)
      .createQueryBuilder("m")
      .select("m.row_id", "row_id")
      .where("m.row_id IN (:...rowIds)", { rowIds: [...rowIds] })
      .andWhere(visibleTo(viewer, param), params)
      .getRawMany<{ row_id: unknown }>();
    return new Set(visible.map((r) => asId(r.row_id)));
  }

  /** The messages of these ids already stored. */
  protected async existing(em: EntityManager, ids: readonly string[]): Promise<Map<string, MessageRow>> {
    return new Map(ids.length === 0 ? [] : (await em.find(MessageRow, { where: { id: In([...ids]) } })).map((r) => [r.id, r]));
  }

  async applyGroupMessages(em: EntityManager, { groupId, chatKey, senderId, count, lastRowId, at }: GroupMessagesDelta): Promise<number[]> {
    const changed = await this.db.rows<{ owner_id: unknown; is_muted: unknown }>(
      em,
      this.groupMessagesSql,
      [count, lastRowId, lastRowId, at, at, false, chatKey, senderId, groupId],
    );
    return changed.filter((r) => asBool(r.is_muted)).map((r) => Number(r.owner_id));
  }

  /**
   * A statement that returns chat rows (owner_id, is_muted), made to return only the muted ones
   * where the dialect can (a thousand-member group then sends back its few muted rows, not a
   * thousand); the caller filters either way.
   */
  protected mutedOnly(returningChats: string): string {
    return returningChats;
  }

  async markSeenUpTo(em: EntityManager, userId: number, chatKey: string, rowId: string, at: Date): Promise<string[]> {
    const rows = await this.db.rows<{ message_row_id: unknown }>(
      em,
      `UPDATE receipts SET seen_at = ?, delivered_at = COALESCE(delivered_at, ?)
       WHERE user_id = ? AND chat_key = ? AND message_row_id <= ? AND seen_at IS NULL RETURNING message_row_id`,
      [at, at, userId, chatKey, rowId],
    );
    return rows.map((r) => asId(r.message_row_id));
  }

  /**
   * One UPDATE: processes completing the last receipts of one message together may both find it
   * complete, but only one finds it not yet announced (PostgreSQL: the other waits for the row,
   * then sees it taken; SQLite: writes take turns).
   */
  async claimComplete(rowIds: readonly string[], status: ReceiptStatus, at: Date): Promise<string[]> {
    if (rowIds.length === 0) return [];
    const [announced, reached] = status === "SEEN" ? ["seen_announced_at", "seen_at"] : ["delivery_announced_at", "delivered_at"];
    const rows = await this.db.statement<{ row_id: unknown }>(
      `UPDATE messages SET ${announced} = ?
       WHERE row_id IN (${rowIds.map(() => "?").join(", ")}) AND ${announced} IS NULL
         AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.message_row_id = messages.row_id AND r.${reached} IS NULL)
       RETURNING row_id`,
      [at, ...rowIds],
    );
    return rows.map((r) => asId(r.row_id));
  }

  deletedFor(userId: number, chatKey: string, ids: readonly string[]): Promise<MessageRow[]> {
    return this.db
      .repository(MessageRow)
      .createQueryBuilder("m")
      .innerJoin("message_states", "s", "s.message_row_id = m.row_id AND s.user_id = :viewer AND s.is_deleted = :yes", { viewer: userId, yes: true })
      .where("m.id IN (:...ids) AND m.chat_key = :key", { ids, key: chatKey })
      .getMany();
  }

  async setMessageStates(em: EntityManager, userId: number, messages: readonly Pick<MessageRow, "rowId" | "chatKey">[], change: MessageStateChange): Promise<void> {
    if (messages.length === 0) return;
    const set = Object.entries(change).map(([key, value]) => [STATE_COLUMNS[key as keyof MessageStateChange], value] as const);
    const columns = set.map(([column]) => column);
    const values = messages.map(() => `(?, ?, ?, ${columns.map(() => "?").join(", ")})`).join(", ");
    const params = messages.flatMap((r) => [userId, asId(r.rowId), r.chatKey, ...set.map(([, value]) => value)]);
    await this.db.rows(
      em,
      `INSERT INTO message_states (user_id, message_row_id, chat_key, ${columns.join(", ")}) VALUES ${values}
     ON CONFLICT (user_id, message_row_id) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(", ")}`,
      params,
    );
  }

  async unfavouriteAll(em: EntityManager, userId: number): Promise<void> {
    await this.db.rows(em, `UPDATE message_states SET is_favourite = ?, favourited_at = NULL WHERE user_id = ? AND is_favourite = ?`, [false, userId, true]);
  }

  async unfavouriteUpTo(em: EntityManager, userId: number, chatKey: string, rowId: string): Promise<void> {
    await this.db.rows(
      em,
      `UPDATE message_states SET is_favourite = ?, favourited_at = NULL WHERE user_id = ? AND chat_key = ? AND message_row_id <= ?`,
      [false, userId, chatKey, rowId],
    );
  }

  async unfavouriteMessages(em: EntityManager, rowIds: readonly string[]): Promise<void> {
    await this.db.rows(
      em,
      `UPDATE message_states SET is_favourite = ?, favourited_at = NULL WHERE message_row_id IN (${rowIds.map(() => "?").join(", ")})`,
      [false, ...rowIds],
    );
  }

  async audienceOf(after: string, upTo: string): Promise<number[]> {
    const rows = await this.db.rows<{ user_id: unknown }>(
      undefined,
      `SELECT sender_id AS user_id FROM messages WHERE row_id > ? AND row_id <= ?
       UNION SELECT user_id FROM receipts WHERE message_row_id > ? AND message_row_id <= ?`,
      [after, upTo, after, upTo],
    );
    return rows.map((r) => Number(r.user_id));
  }

  async newestRowId(em: EntityManager, chatKey: string): Promise<string | null> {
    const [newest] = await this.db.rows<{ row_id: unknown }>(em, `SELECT MAX(row_id) AS row_id FROM messages WHERE chat_key = ?`, [chatKey]);
    return newest?.row_id == null ? null : asId(newest.row_id);
  }

  async recountUnread(em: EntityManager, ownerId: number, chatKey: string): Promise<void> {
    await this.db.rows(
      em,
      `UPDATE chats SET unread_count = (
         SELECT COUNT(*) FROM receipts r WHERE r.user_id = ? AND r.chat_key = ? AND r.seen_at IS NULL
           AND r.message_row_id > chats.cleared_up_to_row_id
           AND NOT EXISTS (SELECT 1 FROM message_states d
                           WHERE d.user_id = r.user_id AND d.message_row_id = r.message_row_id AND d.is_deleted = ?)
       ) WHERE owner_id = ? AND chat_key = ?`,
      [ownerId, chatKey, true, ownerId, chatKey],
    );
  }

  async receiptProgress(rowIds: readonly string[]): Promise<Map<string, ReceiptProgress>> {
    if (rowIds.length === 0) return new Map();
    const rows = await this.db.rows<{ message_row_id: unknown; total: unknown; delivered: unknown; seen: unknown }>(
      undefined,
      `SELECT message_row_id, COUNT(*) AS total, COUNT(delivered_at) AS delivered, COUNT(seen_at) AS seen
       FROM receipts WHERE message_row_id IN (${rowIds.map(() => "?").join(", ")}) GROUP BY message_row_id`,
      rowIds,
    );
    return new Map(rows.map((r) => [asId(r.message_row_id), { total: Number(r.total), delivered: Number(r.delivered), seen: Number(r.seen) }]));
  }

  async contactIds(userId: number, order: "NAME" | "RECENT", limit: number, viaGroups: boolean): Promise<number[]> {
    const orderBy =
      order === "RECENT"
        ? "k.last_at DESC, k.contact_id ASC"
        : "CASE WHEN p.nickname IS NULL THEN 1 ELSE 0 END, LOWER(p.nickname), u.username";
    const rows = await this.db.rows<{ contact_id: unknown }>(
      undefined,
      `SELECT k.contact_id FROM (
         SELECT contact_id, MAX(last_at) AS last_at FROM (${viaGroups ? `${DIRECT_CONTACTS} UNION ALL ${GROUP_CONTACTS}` : DIRECT_CONTACTS}) shared GROUP BY contact_id
       ) k
       JOIN profiles p ON p.user_id = k.contact_id
       JOIN users u ON u.id = k.contact_id
       ORDER BY ${orderBy} LIMIT ?`,
      [...(viaGroups ? [userId, userId, userId, userId, userId] : [userId, userId]), limit],
    );
    return rows.map((r) => Number(r.contact_id));
  }

  async watcherIds(userId: number, viaGroups: boolean): Promise<number[]> {
    const rows = await this.db.rows<{ id: unknown }>(
      undefined,
      `SELECT owner_id AS id FROM chats WHERE peer_user_id = ? AND owner_id <> ?${
        viaGroups
          ? ` UNION
       SELECT other.user_id AS id FROM group_participants mine
         JOIN group_participants other ON other.group_id = mine.group_id AND other.left_at IS NULL AND other.user_id <> ?
         WHERE mine.user_id = ? AND mine.left_at IS NULL`
          : ""
      }`,
      viaGroups ? [userId, userId, userId, userId] : [userId, userId],
    );
    return rows.map((r) => Number(r.id));
  }

  async replayCandidates(viewerId: number, afterRowId: string, limit: number): Promise<string[]> {
    const candidates = await this.db.rows<{ row_id: unknown }>(
      undefined,
      `SELECT row_id FROM (SELECT row_id FROM messages WHERE sender_id = ? AND row_id > ? ORDER BY row_id LIMIT ?) mine
       UNION
       SELECT message_row_id FROM (
         SELECT message_row_id FROM receipts WHERE user_id = ? AND message_row_id > ? ORDER BY message_row_id LIMIT ?
       ) theirs
       ORDER BY 1 LIMIT ?`,
      [viewerId, afterRowId, limit, viewerId, afterRowId, limit, limit],
    );
    return candidates.map((r) => asId(r.row_id));
  }
}
