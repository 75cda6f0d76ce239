// The database: a TypeORM DataSource on PostgreSQL (DATABASE_URL) or an embedded SQLite file,
// migrated at open, with one transaction helper that services use for every write.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Mutex } from "async-mutex";
import type { Logger } from "pino";
import { DataSource, type EntityManager, type EntityTarget, type ObjectLiteral, type QueryRunner, type Repository } from "typeorm";
import type { Config } from "../config.js";
import { entities, migrations } from "./registry.js";

/** Connections of the database: PostgreSQL's pool, or SQLite's one connection and its write queue. */
export interface PoolStats {
  database: "postgres" | "sqlite";
  size: number;
  idle: number;
  waiting: number;
}

/** The counters of node-postgres' Pool that TypeORM's driver keeps as `master`. */
interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Any 64-bit number: the key of the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK_KEY = 7_166_330_201;
/** The key of the advisory lock that orders message writes across processes, see sequenced(). */
const SEQUENCER_LOCK_KEY = 7_166_330_202;

export class Database {
  /**
   * SQLite in TypeORM runs on one connection, where transactions cannot overlap: writes are
   * queued one at a time instead. PostgreSQL takes them concurrently from its pool.
   */
  private readonly writeQueue: Mutex | undefined;
  /** Writes waiting in writeQueue behind the one that runs (SQLite). */
  private queuedWrites = 0;
  /** PostgreSQL: sequenced() calls of this process take turns on one connection. */
  private readonly sequencerQueue: Mutex | undefined;
  private sequencerRunner: QueryRunner | undefined;
  /** The last batch's unlock, sent and not yet known to have succeeded. */
  private unlocking: Promise<unknown> | undefined;

  constructor(readonly dataSource: DataSource) {
    this.writeQueue = dataSource.options.type === "postgres" ? undefined : new Mutex();
    this.sequencerQueue = dataSource.options.type === "postgres" ? new Mutex() : undefined;
  }

  get isPostgres(): boolean {
    return this.dataSource.options.type === "postgres";
  }

  /** Which SQL the database speaks: app.ts picks the statements written for it (the message store). */
  get dialect(): "postgres" | "sqlite" {
    return this.isPostgres ? "postgres" : "sqlite";
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  repository<T extends ObjectLiteral>(target: EntityTarget<T>): Repository<T> {
    return this.dataSource.getRepository(target);
  }

  /** Runs fn in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.writeQueue) return this.queued(() => this.dataSource.transaction(fn));
    return this.dataSource.transaction(fn);
  }

  private async queued<T>(fn: () => Promise<T>): Promise<T> {
    this.queuedWrites += 1;
    let started = false;
    try {
      return await this.writeQueue!.runExclusive(() => {
        started = true;
        this.queuedWrites -= 1;
        return fn();
      });
    } finally {
      if (!started) this.queuedWrites -= 1;
    }
  }

  /**
   * The connections, for the metrics: PostgreSQL's pool (open, idle, callers waiting for one);
   * SQLite's one connection, idle while no write runs, with the writes queued behind it.
   */
  poolStats(): PoolStats {
    if (!this.writeQueue) {
      const pool = (this.dataSource.driver as unknown as { master?: PgPoolCounts }).master;
      return { database: "postgres", size: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
    }
    return { database: "sqlite", size: 1, idle: this.writeQueue.isLocked() ? 0 : 1, waiting: this.queuedWrites };
  }

  /**
   * Runs write in a transaction and then announce, both under one lock that every process takes
   * for it (a PostgreSQL advisory lock; SQLite's write queue). Rows that take a sequence number
   * inside write therefore commit, and are announced, in sequence order: a reader who sees
   * number N committed, or hears of it, has every lower number already. The price is that
   * sequenced writes never overlap, so callers batch them.
   */
  async sequenced<T>(write: (em: EntityManager) => Promise<T>, announce: (result: T) => Promise<void>): Promise<T> {
    if (this.writeQueue) {
      return this.queued(async () => {
        const result = await this.dataSource.transaction(write);
        await announce(result);
        return result;
      });
    }
    // A connection of its own, kept between batches: the sequencer never queues for the pool
    // behind the reads that a burst of sends makes.
    return this.sequencerQueue!.runExclusive(async () => {
      if (this.sequencerRunner?.isReleased) {
        // TypeORM releases a query runner by itself when its connection fails, also between
        // batches (PostgreSQL restarted, or ended the session): it would only throw
        // QueryRunnerAlreadyReleasedError. Its session, and so any lock of ours, is gone with it.
        this.sequencerRunner = undefined;
        this.unlocking = undefined;
      }
      this.sequencerRunner ??= this.dataSource.createQueryRunner();
      const runner = this.sequencerRunner;
      let healthy = false;
      try {
        // The previous batch's unlock went out without waiting for its reply (see below): the
        // connection runs it before this lock, and a failure of either shows here.
        const unlocking = this.unlocking;
        this.unlocking = undefined;
        // Lock and BEGIN in one round trip (a simple query may hold several statements). The
        // transaction is ours to end: TypeORM does not know of it, and need not.
        await Promise.all([unlocking, runner.query(`SELECT pg_advisory_lock(${SEQUENCER_LOCK_KEY}); BEGIN`)]);
        let result: T;
        try {
          result = await write(runner.manager);
          await runner.query("COMMIT");
        } catch (error) {
          // On a broken connection the ROLLBACK fails too: the write's error is the one to report.
          await runner.query("ROLLBACK").catch(() => undefined);
          throw error;
        }
        await announce(result);
        // Announced: the callers need not wait for the unlock's round trip. It is sent now, ahead
        // of anything else on this connection, so other processes get the lock as soon as before.
        this.unlocking = runner.query("SELECT pg_advisory_unlock($1)", [SEQUENCER_LOCK_KEY]);
        this.unlocking.catch(() => undefined);
        healthy = true;
        return result;
      } finally {
        if (!healthy) {
          // The lock may still be held (once or, after a lost unlock, twice), or the connection
          // be broken: unlock all, and hand the connection back to the pool (which drops a
          // broken one); the next batch takes another.
          this.sequencerRunner = undefined;
          this.unlocking = undefined;
          await runner.query("SELECT pg_advisory_unlock_all()").catch(() => undefined);
          await runner.release().catch(() => undefined);
        }
      }
    });
  }

  /**
   * Runs one writing statement (UPDATE/DELETE … RETURNING), atomic on its own: on PostgreSQL
   * without BEGIN and COMMIT round trips; on SQLite as a transaction in its turn, since its one
   * connection must not run the statement inside another caller's transaction.
   */
  statement<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.isPostgres ? this.rows<T>(undefined, sql, params) : this.transaction((em) => this.rows<T>(em, sql, params));
  }

  /**
   * Runs hand-written SQL, written with ? placeholders for both databases, and returns its rows
   * (also those of UPDATE … RETURNING). Inside a transaction, pass its EntityManager.
   * Read values back with the helpers in values.ts: the two drivers type them differently.
   */
  async rows<T = Record<string, unknown>>(em: EntityManager | undefined, sql: string, params: readonly unknown[] = []): Promise<T[]> {
    let n = 0;
    const text = this.isPostgres ? sql.replace(/\?/g, () => `$${++n}`) : sql;
    const own = em?.queryRunner ? undefined : this.dataSource.createQueryRunner();
    const runner = em?.queryRunner ?? own!;
    try {
      const result = await runner.query(text, params.map((p) => this.param(p)), true);
      return (result.records ?? []) as T[];
    } finally {
      await own?.release();
    }
  }

  /** A value for a raw query parameter: SQLite stores dates as UTC text and booleans as 0/1, as TypeORM does. */
  private param(value: unknown): unknown {
    if (this.isPostgres) return value;
    if (value instanceof Date) return value.toISOString().replace("T", " ").replace("Z", "");
    if (typeof value === "boolean") return value ? 1 : 0;
    return value;
  }

  async ping(): Promise<void> {
    await this.dataSource.query("SELECT 1");
  }

  /** Applies pending migrations; on PostgreSQL under an advisory lock, so processes starting together take turns. */
  async migrate(log: Logger): Promise<void> {
    if (!this.isPostgres) {
      await this.runMigrations(log);
      return;
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      await this.runMigrations(log);
    } finally {
      await runner.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await runner.release();
    }
  }

  private async runMigrations(log: Logger): Promise<void> {
    const applied = await this.dataSource.runMigrations({ transaction: "each" });
    for (const m of applied) log.info({ migration: m.name }, "migration applied");
  }

  async close(): Promise<void> {
    await this.sequencerQueue?.runExclusive(async () => {
      await this.unlocking?.catch(() => undefined);
      this.unlocking = undefined;
      await this.sequencerRunner?.release().catch(() => undefined);
      this.sequencerRunner = undefined;
    });
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

export function sqlitePath(config: Config): string {
  return join(config.dataDir, "parley.sqlite");
}

/** Connects (never at import time) and applies migrations. */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  const common = { entities, migrations, synchronize: false, migrationsRun: false, logging: false } as const;
  let dataSource: DataSource;
  if (config.databaseUrl) {
    dataSource = new DataSource({
      ...common,
      type: "postgres",
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      applicationName: "parley",
    });
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    dataSource = new DataSource({
      ...common,
      type: "better-sqlite3",
      database: sqlitePath(config),
      enableWAL: true,
      prepareDatabase: (db: { pragma(s: string): unknown }) => {
        db.pragma("foreign_keys = ON");
        db.pragma("busy_timeout = 5000");
      },
    });
  }
  await dataSource.initialize();
  const database = new Database(dataSource);
  try {
    await database.migrate(log);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
