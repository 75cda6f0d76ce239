// Uploaded media, and on messages the token of the file they carry (who may download a file is
// decided by the messages that carry it).
import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from "typeorm";
import { timestampType } from "../column-types.js";

export class Media1764201600000 implements MigrationInterface {
  name = "Media1764201600000";

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: "media",
        columns: [
          { name: "token", type: "varchar", length: "64", isPrimary: true },
          { name: "owner_id", type: "integer" },
          { name: "storage_key", type: "varchar", length: "255" },
          { name: "mime_type", type: "varchar", length: "128" },
          { name: "kind", type: "varchar", length: "16" },
          { name: "file_name", type: "varchar", length: "255" },
          { name: "size", type: "bigint" },
          { name: "sha256", type: "varchar", length: "64" },
          { name: "width", type: "integer", isNullable: true },
          { name: "height", type: "integer", isNullable: true },
          { name: "duration_seconds", type: "double precision", isNullable: true },
          { name: "thumbnail", type: "text", isNullable: true },
          { name: "created_at", type: timestampType(q) },
        ],
        indices: [new TableIndex({ name: "media_owner_idx", columnNames: ["owner_id"] })],
      }),
    );
    await q.addColumn("messages", new TableColumn({ name: "media_token", type: "varchar", length: "64", isNullable: true }));
    await q.createIndex("messages", new TableIndex({ name: "messages_media_token_idx", columnNames: ["media_token"] }));
    await q.createIndex("profiles", new TableIndex({ name: "profiles_image_file_token_idx", columnNames: ["image_file_token"] }));
    await q.createIndex("groups", new TableIndex({ name: "groups_image_file_token_idx", columnNames: ["image_file_token"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("groups", "groups_image_file_token_idx");
    await q.dropIndex("profiles", "profiles_image_file_token_idx");
    await q.dropIndex("messages", "messages_media_token_idx");
    await q.dropColumn("messages", "media_token");
    await q.dropTable("media");
  }
}
