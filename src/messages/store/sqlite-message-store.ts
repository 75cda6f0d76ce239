// The message store on SQLite: lists of parameters in place of arrays, and a read back of new rowIds its driver does not return.
import { type EntityManager, In } from "typeorm";
import { asBool, asId } from "../../db/values.js";
import { MessageRow } from "../message.entity.js";
import type { ChatDelta, Inserted, NewMessage, NewReceipt } from "./message-store.js";
import { CHAT_ROW_UPSERT, SqlMessageStore } from "./sql-message-store.js";

/** A chat delta with what its message got when stored. */
type ChatRowDelta = ChatDelta & { key: string; lastRowId: string; at: Date };

/** Receipts per INSERT statement: 3 parameters each, well under what SQLite accepts. */
const INSERT_CHUNK = 5000;

export class SqliteMessageStore extends SqlMessageStore {
  /**
   * Reads first, then inserts and reads the new rowIds back (the driver returns none for a
   * multi-row INSERT), then applies the chat deltas: statements of their own, which cost no
   * round trip here.
   */
  async insertMessages(em: EntityManager, messages: readonly NewMessage[], chats: readonly ChatDelta[]): Promise<Inserted> {
    const before = await this.existing(em, messages.map((m) => m.id));
    const fresh = messages.filter((v) => !before.has(v.id));
    if (fresh.length === 0) return { before, rows: [], muted: new Set() };
    await em.insert(MessageRow, fresh);
    const rows = (await em.find(MessageRow, { where: { id: In(fresh.map((v) => v.id)) }, order: { rowId: "ASC" } })).map((r) => Object.assign(r, { rowId: asId(r.rowId) }));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const muted = await this.applyChatDeltas(
      em,
      chats.flatMap((d) => {
        const row = byId.get(d.messageId);
        return row ? [{ ...d, key: row.chatKey, lastRowId: row.rowId, at: row.createdAt }] : [];
      }),
    );
    return { before, rows, muted };
  }

  /**
   * One INSERT … ON CONFLICT DO UPDATE for every changed chat row (deltas of one row merged:
   * a statement may change a row once), in a stable order; returns who muted the chat.
   */
  private async applyChatDeltas(em: EntityManager, deltas: readonly ChatRowDelta[]): Promise<Set<string>> {
    const merged = new Map<string, ChatRowDelta>();
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
       ${CHAT_ROW_UPSERT}`,
      params,
    );
    return new Set(changed.filter((r) => asBool(r.is_muted)).map((r) => `${Number(r.owner_id)} ${r.chat_key}`));
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
