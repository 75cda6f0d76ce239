// Groups and their participants (role, when they joined, when they left).
import { type MigrationInterface, type QueryRunner, Table, TableIndex } from "typeorm";
import { timestampType } from "../column-types.js";

export class Groups1764115200000 implements MigrationInterface {
  name = "Groups1764115200000";

  async up(q: QueryRunner): Promise<void> {
    const ts = timestampType(q);
    await q.createTable(
      new Table({
        name: "groups",
        columns: [
          { name: "id", type: "varchar", length: "64", isPrimary: true },
          { name: "name", type: "varchar", length: "100" },
          { name: "image_url", type: "varchar", length: "2048", isNullable: true },
          { name: "image_file_token", type: "varchar", length: "128", isNullable: true },
          { name: "created_by", type: "integer" },
          { name: "created_at", type: ts },
          { name: "deleted_at", type: ts, isNullable: true },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "group_participants",
        columns: [
          { name: "group_id", type: "varchar", length: "64", isPrimary: true },
          { name: "user_id", type: "integer", isPrimary: true },
          { name: "role", type: "varchar", length: "16" },
          { name: "joined_at", type: ts },
          { name: "left_at", type: ts, isNullable: true },
        ],
        indices: [new TableIndex({ name: "group_participants_user_idx", columnNames: ["user_id", "left_at"] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("group_participants");
    await q.dropTable("groups");
  }
}
