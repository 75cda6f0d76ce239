// Revoking all of a user's tokens at once (the app's backend, revokeUserTokens): Parley's tokens
// carry the generation they were issued in, and a revocation moves the user to the next one;
// tokens of the app's own auth carry no generation, so those issued (iat) up to
// tokens_revoked_at are refused instead.
import type { MigrationInterface, QueryRunner } from "typeorm";
import { timestampType } from "../column-types.js";

export class TokenRevocations1764547200000 implements MigrationInterface {
  name = "TokenRevocations1764547200000";

  async up(q: QueryRunner): Promise<void> {
    // Plain ALTER TABLE: PostgreSQL adds a constant default without rewriting the table, and
    // TypeORM's addColumn would copy the table on SQLite.
    await q.query(`ALTER TABLE users ADD COLUMN token_generation integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE users ADD COLUMN tokens_revoked_at ${timestampType(q)} NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN tokens_revoked_at`);
    await q.query(`ALTER TABLE users DROP COLUMN token_generation`);
  }
}
