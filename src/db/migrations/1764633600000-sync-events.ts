// The sync stream's stored entries (src/sync/): per user, what they must learn of besides
// messages (those are replayed from the messages table), with a position that only grows; and
// how far pruning went, so that a cursor behind it is refused instead of answered partially.
import { type MigrationInterface, type QueryRunner, Table, TableIndex } from "typeorm";
import { isPostgres, timestampType } from "../column-types.js";

export class SyncEvents1764633600000 implements MigrationInterface {
  name = "SyncEvents1764633600000";

  async up(q: QueryRunner): Promise<void> {
    // SQLite's autoincrement needs "integer"; both are 64-bit.
    const id = isPostgres(q) ? "bigint" : "integer";
    await q.createTable(
      new Table({
        name: "sync_events",
        columns: [
          { name: "position", type: id, isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "user_id", type: "integer" },
          { name: "after_row_id", type: id },
          { name: "kind", type: "varchar", length: "24" },
          { name: "body", type: "text" },
          { name: "created_at", type: timestampType(q) },
        ],
        indices: [
          // A user's catch-up page: keyset on (user, position).
          new TableIndex({ name: "sync_events_user_position_idx", columnNames: ["user_id", "position"] }),
          // Pruning by age.
          new TableIndex({ name: "sync_events_created_idx", columnNames: ["created_at"] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "sync_horizon",
        columns: [
          { name: "id", type: "integer", isPrimary: true },
          { name: "pruned_through", type: id },
        ],
      }),
    );
    await q.query(`INSERT INTO sync_horizon (id, pruned_through) VALUES (1, 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("sync_horizon");
    await q.dropTable("sync_events");
  }
}
