// Users, profiles, revoked tokens and per-user chat state. Written with TypeORM's Table API so
// the same migration runs on PostgreSQL and SQLite.
import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from "typeorm";
import { nowDefault, timestampType } from "../column-types.js";

export class Initial1763856000000 implements MigrationInterface {
  name = "Initial1763856000000";

  async up(q: QueryRunner): Promise<void> {
    const ts = timestampType(q);
    await q.createTable(
      new Table({
        name: "users",
        columns: [
          { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "username", type: "varchar", length: "64", isUnique: true },
          { name: "password_hash", type: "varchar", length: "256" },
          { name: "is_sandbox", type: "boolean", default: false },
          { name: "created_at", type: ts, default: nowDefault(q) },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "profiles",
        columns: [
          { name: "user_id", type: "integer", isPrimary: true },
          { name: "nickname", type: "varchar", length: "64", isNullable: true },
          { name: "image_url", type: "varchar", length: "2048", isNullable: true },
          { name: "image_file_token", type: "varchar", length: "128", isNullable: true },
          { name: "status", type: "varchar", length: "256", isNullable: true },
          { name: "mobile_number", type: "varchar", length: "32", isNullable: true },
          { name: "email", type: "varchar", length: "254", isNullable: true },
          { name: "gender", type: "varchar", length: "16", default: "'UNKNOWN'" },
          { name: "birthday", type: "integer", isNullable: true },
          { name: "location", type: "varchar", length: "256", isNullable: true },
          { name: "language", type: "integer", isNullable: true },
          { name: "allow_type", type: "varchar", length: "16", default: "'ALLOW_ANY'" },
          { name: "message_settings", type: "integer", isNullable: true },
          { name: "admin_forbid_type", type: "varchar", length: "16", default: "'NONE'" },
          { name: "level", type: "integer", isNullable: true },
          { name: "role", type: "integer", isNullable: true },
          { name: "custom_fields", type: "text" },
          { name: "is_profile_updated", type: "boolean", default: false },
          { name: "last_seen_at", type: ts, isNullable: true },
          { name: "updated_at", type: ts },
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ["user_id"],
            referencedTableName: "users",
            referencedColumnNames: ["id"],
            onDelete: "CASCADE",
          }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "revoked_tokens",
        columns: [
          { name: "jti", type: "varchar", length: "64", isPrimary: true },
          { name: "user_id", type: "integer" },
          { name: "expires_at", type: ts },
        ],
        indices: [new TableIndex({ name: "revoked_tokens_expires_idx", columnNames: ["expires_at"] })],
      }),
    );
    await q.createTable(
      new Table({
        name: "chats",
        columns: [
          { name: "owner_id", type: "integer", isPrimary: true },
          { name: "jid", type: "varchar", length: "320", isPrimary: true },
          { name: "chat_type", type: "varchar", length: "16" },
          { name: "peer_user_id", type: "integer", isNullable: true },
          { name: "updated_at", type: ts },
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ["owner_id"],
            referencedTableName: "users",
            referencedColumnNames: ["id"],
            onDelete: "CASCADE",
          }),
        ],
        indices: [
          new TableIndex({ name: "chats_peer_idx", columnNames: ["peer_user_id"] }),
          new TableIndex({ name: "chats_owner_updated_idx", columnNames: ["owner_id", "updated_at"] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("chats");
    await q.dropTable("revoked_tokens");
    await q.dropTable("profiles");
    await q.dropTable("users");
  }
}
