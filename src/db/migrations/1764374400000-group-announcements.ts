// Per group message, when its sender was told that every recipient had it (DELIVERED) and had
// seen it (SEEN). Several processes may complete a message's receipts at the same moment: the
// one whose UPDATE … WHERE <not yet announced> claims the row tells the sender, the others not.
// Existing messages start unannounced: a message already complete has no receipt left to change,
// so nothing announces it again.
import type { MigrationInterface, QueryRunner } from "typeorm";
import { timestampType } from "../column-types.js";

export class GroupAnnouncements1764374400000 implements MigrationInterface {
  name = "GroupAnnouncements1764374400000";

  async up(q: QueryRunner): Promise<void> {
    // Nullable without a default: PostgreSQL adds it without rewriting the table; plain ALTER TABLE
    // on SQLite too, where TypeORM's addColumn would copy the table.
    for (const column of ["delivery_announced_at", "seen_announced_at"]) {
      await q.query(`ALTER TABLE messages ADD COLUMN ${column} ${timestampType(q)} NULL`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const column of ["seen_announced_at", "delivery_announced_at"]) await q.query(`ALTER TABLE messages DROP COLUMN ${column}`);
  }
}
