// Per-user message state: favourites and messages deleted for one user only.
import { type MigrationInterface, type QueryRunner, Table, TableIndex } from "typeorm";
import { isPostgres, timestampType } from "../column-types.js";

export class MessageStates1764028800000 implements MigrationInterface {
  name = "MessageStates1764028800000";

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: "message_states",
        columns: [
          { name: "user_id", type: "integer", isPrimary: true },
          { name: "message_row_id", type: isPostgres(q) ? "bigint" : "integer", isPrimary: true },
          { name: "chat_key", type: "varchar", length: "160" },
          { name: "is_favourite", type: "boolean", default: false },
          { name: "favourited_at", type: timestampType(q), isNullable: true },
          { name: "is_deleted", type: "boolean", default: false },
        ],
        indices: [
          new TableIndex({ name: "message_states_favourites_idx", columnNames: ["user_id", "is_favourite", "favourited_at"] }),
          new TableIndex({ name: "message_states_message_idx", columnNames: ["message_row_id"] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("message_states");
  }
}
