// The message store on SQLite: lists of parameters in place of arrays, and a read back of new rowIds its driver does not return.
import { type EntityManager, In } from "typeorm";
import { asId } from "../../db/values.js";
import { MessageRow } from "../message.entity.js";
import type { NewMessage, NewReceipt } from "./message-store.js";
import { SqlMessageStore } from "./sql-message-store.js";

/** Receipts per INSERT statement: 3 parameters each, well under what SQLite accepts. */
const INSERT_CHUNK = 5000;

export class SqliteMessageStore extends SqlMessageStore {
  /** Reads first, then inserts and reads the new rowIds back (the driver returns none for a multi-row INSERT). */
  async insertMessages(em: EntityManager, messages: readonly NewMessage[]): Promise<{ before: Map<string, MessageRow>; rows: MessageRow[] }> {
    const before = await this.existing(em, messages.map((m) => m.id));
    const fresh = messages.filter((v) => !before.has(v.id));
    if (fresh.length === 0) return { before, rows: [] };
    await em.insert(MessageRow, fresh);
    const rows = await em.find(MessageRow, { where: { id: In(fresh.map((v) => v.id)) }, order: { rowId: "ASC" } });
    return { before, rows: rows.map((r) => Object.assign(r, { rowId: asId(r.rowId) })) };
  }

  /** All of them, one-to-one and group alike, in chunks. */
  async insertReceipts(em: EntityManager, receipts: readonly NewReceipt[]): Promise<void> {
    for (let i = 0; i < receipts.length; i += INSERT_CHUNK) {
      const chunk = receipts.slice(i, i + INSERT_CHUNK);
      await this.db.rows(
        em,
        `INSERT INTO receipts (message_row_id, user_id, chat_key) VALUES ${chunk.map(() => "(?, ?, ?)").join(", ")}`,
        chunk.flatMap((r) => [r.rowId, r.userId, r.chatKey]),
      );
    }
  }

  /** One arm per message, each a primary-key lookup with its users listed. */
  async markDelivered(usersByMessage: ReadonlyMap<string, readonly number[]>, at: Date): Promise<{ rowId: string; userId: number }[]> {
    const where = [...usersByMessage.values()].map((users) => `(message_row_id = ? AND user_id IN (${users.map(() => "?").join(", ")}))`);
    const params = [...usersByMessage.entries()].flatMap(([rowId, users]): unknown[] => [rowId, ...users]);
    const updated = await this.db.statement<{ message_row_id: unknown; user_id: unknown }>(
      `UPDATE receipts SET delivered_at = ? WHERE delivered_at IS NULL AND (${where.join(" OR ")}) RETURNING message_row_id, user_id`,
      [at, ...params],
    );
    return updated.map((r) => ({ rowId: asId(r.message_row_id), userId: Number(r.user_id) }));
  }
}
