// Column types for migrations: one portable choice per kind of value, per database.
import type { QueryRunner } from "typeorm";

export function isPostgres(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.options.type === "postgres";
}

/** A point in time, stored with its zone on Postgres and as UTC text on SQLite. */
export function timestampType(queryRunner: QueryRunner): string {
  return isPostgres(queryRunner) ? "timestamptz" : "datetime";
}

/** The SQL that yields the current time for a column default. */
export function nowDefault(queryRunner: QueryRunner): string {
  return isPostgres(queryRunner) ? "now()" : "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";
}
