// The message store on PostgreSQL: array parameters (unnest, ANY) keep each statement's text the same whatever the batch size.
import type { EntityManager } from "typeorm";
import { asId } from "../../db/values.js";
import { MessageRow } from "../message.entity.js";
import type { NewMessage, NewReceipt } from "./message-store.js";
import { SqlMessageStore } from "./sql-message-store.js";

export class PostgresMessageStore extends SqlMessageStore {
  /**
   * One INSERT … ON CONFLICT DO NOTHING RETURNING, one array per column: a statement the same
   * for every batch, with no query building. The recipient's receipt of each new one-to-one
   * message goes in with it. Only ids that were taken are read back.
   */
  async insertMessages(em: EntityManager, messages: readonly NewMessage[]): Promise<{ before: Map<string, MessageRow>; rows: MessageRow[] }> {
    const inserted = await this.db.rows<{ row_id: unknown; id: string }>(
      em,
      `WITH stored AS (
         INSERT INTO messages (id, chat_key, chat_type, sender_id, recipient_id, type, text, media, media_token, reply_to_id, mentions, is_forwarded, created_at)
         SELECT * FROM unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::integer[], ?::integer[], ?::varchar[], ?::text[], ?::text[], ?::varchar[], ?::varchar[], ?::text[], ?::boolean[], ?::timestamptz[])
         ON CONFLICT DO NOTHING RETURNING row_id, id, chat_key, sender_id, recipient_id
       ), receipts AS (
         INSERT INTO receipts (message_row_id, user_id, chat_key)
         SELECT row_id, recipient_id, chat_key FROM stored WHERE recipient_id IS NOT NULL AND recipient_id <> sender_id
       )
       SELECT row_id, id FROM stored`,
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
      ],
    );
    const rowIds = new Map(inserted.map((r) => [r.id, asId(r.row_id)]));
    const before = await this.existing(em, messages.map((m) => m.id).filter((id) => !rowIds.has(id)));
    const rows = messages
      .filter((v) => rowIds.has(v.id))
      .map((v) => Object.assign(new MessageRow(), v, { rowId: rowIds.get(v.id)! }))
      .sort((a, b) => (BigInt(a.rowId) < BigInt(b.rowId) ? -1 : 1));
    return { before, rows };
  }

  /** Group receipts only: insertMessages wrote the one-to-one ones. */
  async insertReceipts(em: EntityManager, receipts: readonly NewReceipt[]): Promise<void> {
    const group = receipts.filter((r) => r.chatType === "GROUPCHAT");
    if (group.length === 0) return;
    // Three arrays, whatever the count: no statement of thousands of parameters to build and parse.
    await this.db.rows(em, `INSERT INTO receipts (message_row_id, user_id, chat_key) SELECT * FROM unnest(?::bigint[], ?::integer[], ?::varchar[])`, [
      group.map((r) => r.rowId),
      group.map((r) => r.userId),
      group.map((r) => r.chatKey),
    ]);
  }

  /**
   * One arm per message, each a primary-key lookup that takes its users as one array: a group
   * message delivered to a thousand members is one arm with one parameter, not a thousand.
   */
  async markDelivered(usersByMessage: ReadonlyMap<string, readonly number[]>, at: Date): Promise<{ rowId: string; userId: number }[]> {
    const where = [...usersByMessage.keys()].map(() => "(message_row_id = ? AND user_id = ANY(?::integer[]))");
    const params = [...usersByMessage.entries()].flatMap(([rowId, users]): unknown[] => [rowId, users]);
    const updated = await this.db.statement<{ message_row_id: unknown; user_id: unknown }>(
      `UPDATE receipts SET delivered_at = ? WHERE delivered_at IS NULL AND (${where.join(" OR ")}) RETURNING message_row_id, user_id`,
      [at, ...params],
    );
    return updated.map((r) => ({ rowId: asId(r.message_row_id), userId: Number(r.user_id) }));
  }
}
