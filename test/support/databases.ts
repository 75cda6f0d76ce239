// Databases opened the project's own way (openDatabase: connect, migrate) for tests below the server: a SQLite file, a PostgreSQL database of the test's own.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { pino } from "pino";
import { afterAll } from "vitest";
import { loadConfig } from "../../src/config.js";
import { type Database, openDatabase } from "../../src/db/database.js";
import { entities, migrations } from "../../src/registry.js";
import { TEST_JWT_SECRET, tempDataDir } from "./server.js";

/** The run's PostgreSQL (DATABASE_URL), or undefined: tests of PostgreSQL are skipped without one. */
export const postgresUrl = process.env.DATABASE_URL || undefined;

const opened: Database[] = [];
const throwAway: string[] = [];

afterAll(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
  if (throwAway.length > 0) await admin(...throwAway.splice(0).map((name) => `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
});

/** Runs statements on the run's PostgreSQL, on a connection of its own. */
export async function admin(...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

function open(env: Record<string, string | undefined>): Promise<Database> {
  const config = loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: tempDataDir(), ...env });
  return openDatabase(config, pino({ level: "silent" }), { entities, migrations }).then((db) => {
    opened.push(db);
    return db;
  });
}

/** A fresh SQLite file database, migrated; closed when the test file ends. */
export function openSqlite(): Promise<Database> {
  return open({});
}

/**
 * A fresh PostgreSQL database of the test's own on the run's server (advisory locks and rows
 * of other test files stay out of it), migrated; dropped when the test file ends. name is its
 * URL, for more processes on it: openPostgres(url).
 */
export async function createPostgres(): Promise<string> {
  const name = `parley_store_test_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  throwAway.push(name);
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(postgresUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Opens (and migrates) the PostgreSQL database at url: one more process on it. */
export function openPostgres(url: string): Promise<Database> {
  return open({ DATABASE_URL: url });
}
