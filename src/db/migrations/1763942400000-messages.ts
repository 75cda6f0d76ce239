// One-to-one messaging: messages with a global increasing rowId, per-recipient receipts, and the
// per-user chat state that recent chats and unread counts are read from.
import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from "typeorm";
import { isPostgres, timestampType } from "../column-types.js";

export class Messages1763942400000 implements MigrationInterface {
  name = "Messages1763942400000";

  async up(q: QueryRunner): Promise<void> {
    const ts = timestampType(q);
    // SQLite's autoincrement needs "integer"; both are 64-bit.
    const rowId = isPostgres(q) ? "bigint" : "integer";
    await q.createTable(
      new Table({
        name: "messages",
        columns: [
          { name: "row_id", type: rowId, isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "id", type: "varchar", length: "64", isUnique: true },
          { name: "chat_key", type: "varchar", length: "160" },
          { name: "chat_type", type: "varchar", length: "16" },
          { name: "sender_id", type: "integer" },
          { name: "recipient_id", type: "integer", isNullable: true },
          { name: "type", type: "varchar", length: "16" },
          { name: "text", type: "text", isNullable: true },
          { name: "media", type: "text", isNullable: true },
          { name: "reply_to_id", type: "varchar", length: "64", isNullable: true },
          { name: "mentions", type: "text" },
          { name: "is_forwarded", type: "boolean", default: false },
          { name: "deleted_for_everyone_at", type: ts, isNullable: true },
          { name: "created_at", type: ts },
        ],
        indices: [
          // History pages: keyset on (chat, rowId).
          new TableIndex({ name: "messages_chat_row_idx", columnNames: ["chat_key", "row_id"] }),
          // Replay of what a user sent (their other devices).
          new TableIndex({ name: "messages_sender_row_idx", columnNames: ["sender_id", "row_id"] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "receipts",
        columns: [
          { name: "message_row_id", type: rowId, isPrimary: true },
          { name: "user_id", type: "integer", isPrimary: true },
          { name: "chat_key", type: "varchar", length: "160" },
          { name: "delivered_at", type: ts, isNullable: true },
          { name: "seen_at", type: ts, isNullable: true },
        ],
        indices: [
          // Replay of what a user received, and seen-up-to within one chat.
          new TableIndex({ name: "receipts_user_row_idx", columnNames: ["user_id", "message_row_id"] }),
          new TableIndex({ name: "receipts_user_chat_row_idx", columnNames: ["user_id", "chat_key", "message_row_id"] }),
        ],
      }),
    );
    await q.addColumns("chats", [
      new TableColumn({ name: "chat_key", type: "varchar", length: "160", default: "''" }),
      new TableColumn({ name: "last_message_row_id", type: rowId, isNullable: true }),
      new TableColumn({ name: "unread_count", type: "integer", default: 0 }),
      new TableColumn({ name: "is_muted", type: "boolean", default: false }),
      new TableColumn({ name: "is_archived", type: "boolean", default: false }),
      new TableColumn({ name: "cleared_up_to_row_id", type: rowId, default: 0 }),
      new TableColumn({ name: "is_hidden", type: "boolean", default: false }),
    ]);
    await q.createIndex("chats", new TableIndex({ name: "chats_owner_key_idx", columnNames: ["owner_id", "chat_key"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("chats", "chats_owner_key_idx");
    for (const c of ["is_hidden", "cleared_up_to_row_id", "is_archived", "is_muted", "unread_count", "last_message_row_id", "chat_key"]) {
      await q.dropColumn("chats", c);
    }
    await q.dropTable("receipts");
    await q.dropTable("messages");
  }
}
