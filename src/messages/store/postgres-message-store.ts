// The message store on PostgreSQL: array parameters (unnest, ANY) keep each statement's text the same whatever the batch size.
import type { EntityManager } from "typeorm";
import { PreparedSql } from "../../db/database.js";
import { asId } from "../../db/values.js";
import { MessageRow } from "../message.entity.js";
import type { ChatDelta, Inserted, NewMessage, NewReceipt } from "./message-store.js";
import { CHAT_ROW_UPSERT, SqlMessageStore } from "./sql-message-store.js";

/**
 * One statement, one array per column: the same text for every batch, with no query building.
 * INSERT … ON CONFLICT DO NOTHING RETURNING the new messages; with them, the recipient's
 * receipt of each new one-to-one message and the chat rows of the new messages (deltas of one
 * row merged: a statement may change a row once; in a stable order), which answer who muted the
 * chat.
 */
const INSERT_MESSAGES = new PreparedSql(
  `WITH stored AS (
     INSERT INTO messages (id, chat_key, chat_type, sender_id, recipient_id, type, text, media, media_token, reply_to_id, mentions, is_forwarded, created_at)
     SELECT * FROM unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::integer[], ?::integer[], ?::varchar[], ?::text[], ?::text[], ?::varchar[], ?::varchar[], ?::text[], ?::boolean[], ?::timestamptz[])
     ON CONFLICT DO NOTHING RETURNING row_id, id, chat_key, sender_id, recipient_id, created_at
   ), receipts AS (
     INSERT INTO receipts (message_row_id, user_id, chat_key)
     SELECT row_id, recipient_id, chat_key FROM stored WHERE recipient_id IS NOT NULL AND recipient_id <> sender_id
   ), chat_rows AS (
     INSERT INTO chats (owner_id, jid, chat_type, chat_key, peer_user_id, last_message_row_id, unread_count, updated_at, is_hidden)
     SELECT d.owner_id, d.jid, MIN(d.chat_type), MIN(s.chat_key), MIN(d.peer_user_id), MAX(s.row_id), SUM(d.unread)::integer, MAX(s.created_at), false
       FROM unnest(?::varchar[], ?::integer[], ?::varchar[], ?::varchar[], ?::integer[], ?::integer[]) AS d(message_id, owner_id, jid, chat_type, peer_user_id, unread)
       JOIN stored s ON s.id = d.message_id
       GROUP BY d.owner_id, d.jid
       ORDER BY d.owner_id, d.jid
     ${CHAT_ROW_UPSERT}
   )
   SELECT row_id, id, NULL::integer AS muted_owner, NULL::varchar AS muted_key FROM stored
   UNION ALL
   SELECT NULL, NULL, owner_id, chat_key FROM chat_rows WHERE is_muted`,
);

/** Group receipts, three arrays whatever the count: no statement of thousands of parameters to build and parse. */
const INSERT_RECEIPTS = new PreparedSql(`INSERT INTO receipts (message_row_id, user_id, chat_key) SELECT * FROM unnest(?::bigint[], ?::integer[], ?::varchar[])`);

/** Delivered receipts: each (message, recipient) pair of the two arrays that has none yet. */
const MARK_DELIVERED = new PreparedSql(
  `UPDATE receipts r SET delivered_at = ?
     FROM unnest(?::bigint[], ?::integer[]) AS d(message_row_id, user_id)
    WHERE r.message_row_id = d.message_row_id AND r.user_id = d.user_id AND r.delivered_at IS NULL
    RETURNING r.message_row_id, r.user_id`,
);

export class PostgresMessageStore extends SqlMessageStore {
  /**
   * INSERT_MESSAGES; only ids that were taken are read back: after the COMMIT when it went with
   * the INSERT (lastInTurn), from the pool; they were committed before the turn took the lock.
   */
  async insertMessages(em: EntityManager, messages: readonly NewMessage[], chats: readonly ChatDelta[], lastInTurn = false): Promise<Inserted> {
    const answered = await this.db.rows<{ row_id: unknown; id: string | null; muted_owner: unknown; muted_key: string | null }>(
      em,
      INSERT_MESSAGES,
      [
        messages.map((v) => v.id),
        messages.map((v) => v.chatKey),
        messages.map((v) => v.chatType),
        messages.map((v) => v.senderId),
        messages.map((v) => v.recipientId),
        messages.map((v) => v.type),
        messages.map((v) => v.text),
        // simple-json columns, stored as TypeORM stores them.
        messages.map((v) => (v.media === null ? null : JSON.stringify(v.media))),
        messages.map((v) => v.mediaToken),
        messages.map((v) => v.replyToId),
        messages.map((v) => JSON.stringify(v.mentions)),
        messages.map((v) => v.isForwarded),
        messages.map((v) => v.createdAt),
        chats.map((d) => d.messageId),
        chats.map((d) => d.ownerId),
        chats.map((d) => d.jid),
        chats.map((d) => d.type),
        chats.map((d) => d.peerUserId),
        chats.map((d) => d.unreadIncrement),
      ],
      { lastInTurn },
    );
    const rowIds = new Map(answered.flatMap((r): [string, string][] => (r.id === null ? [] : [[r.id, asId(r.row_id)]])));
    const muted = new Set(answered.flatMap((r) => (r.id === null ? [`${Number(r.muted_owner)} ${r.muted_key}`] : [])));
    const before = await this.existing(lastInTurn ? this.db.manager : em, messages.map((m) => m.id).filter((id) => !rowIds.has(id)));
    const rows = messages
      .filter((v) => rowIds.has(v.id))
      .map((v) => Object.assign(new MessageRow(), v, { rowId: rowIds.get(v.id)! }))
      .sort((a, b) => (BigInt(a.rowId) < BigInt(b.rowId) ? -1 : 1));
    return { before, rows, muted };
  }

  /** Group receipts only: insertMessages wrote the one-to-one ones. */
  async insertReceipts(em: EntityManager, receipts: readonly NewReceipt[]): Promise<void> {
    const group = receipts.filter((r) => r.chatType === "GROUPCHAT");
    if (group.length === 0) return;
    await this.db.rows(em, INSERT_RECEIPTS, [
      group.map((r) => r.rowId),
      group.map((r) => r.userId),
      group.map((r) => r.chatKey),
    ]);
  }

  /** Only the muted rows come back. */
  protected override mutedOnly(returningChats: string): string {
    return `WITH changed AS (${returningChats}) SELECT owner_id, is_muted FROM changed WHERE is_muted`;
  }

  /**
   * One prepared statement, the same text however many messages and recipients the flush holds:
   * the pairs as two arrays, each a primary-key lookup. (An arm per message, OR-ed, was planned
   * afresh at every flush, and a hundred arms took PostgreSQL 70-85 ms to plan, a core's worth of
   * planning under a load of one-to-one messages.)
   */
  async markDelivered(usersByMessage: ReadonlyMap<string, readonly number[]>, at: Date): Promise<{ rowId: string; userId: number }[]> {
    const rowIds: string[] = [];
    const userIds: number[] = [];
    for (const [rowId, users] of usersByMessage) {
      for (const userId of users) {
        rowIds.push(rowId);
        userIds.push(userId);
      }
    }
    const updated = await this.db.statement<{ message_row_id: unknown; user_id: unknown }>(MARK_DELIVERED, [at, rowIds, userIds]);
    return updated.map((r) => ({ rowId: asId(r.message_row_id), userId: Number(r.user_id) }));
  }
}
