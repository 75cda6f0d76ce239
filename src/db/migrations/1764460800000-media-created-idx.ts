// Uploads by age, for the sweep that removes those never used (MediaStore.sweep).
import { type MigrationInterface, type QueryRunner, TableIndex } from "typeorm";

export class MediaCreatedIdx1764460800000 implements MigrationInterface {
  name = "MediaCreatedIdx1764460800000";

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex("media", new TableIndex({ name: "media_created_idx", columnNames: ["created_at"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("media", "media_created_idx");
  }
}
