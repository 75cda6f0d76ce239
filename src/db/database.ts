// The database: a TypeORM DataSource on PostgreSQL (DATABASE_URL) or an embedded SQLite file,
// migrated at open, with one transaction helper that services use for every write.
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Mutex } from "async-mutex";
import type { PoolClient } from "pg";
import type { Logger } from "pino";
import { DataSource, type DataSourceOptions, type EntityManager, type EntityTarget, type ObjectLiteral, type Repository } from "typeorm";
import type { Config } from "../config.js";
import { type Announced, type AnnounceState, type Backlog, commitBehind, commitBehindOnlyIf, committedBehind, PostgresSequencer, QueuedSequencer, type Sequencer } from "./sequencer.js";

/** Connections of the database: PostgreSQL's pool, or SQLite's one connection and its write queue. */
export interface PoolStats {
  database: "postgres" | "sqlite";
  size: number;
  idle: number;
  waiting: number;
}

/**
 * Work that rides along whichever sequenced turn comes next (the sync log's appended entries):
 * written in the turn's transaction after the turn's own writes, told after its announcement.
 * It costs no turn of its own while other turns come (Database.rideAlone).
 */
export interface Rider {
  /** Whether work waits for a turn. */
  readonly hasWork: boolean;
  /** Whether write would write now, in a turn that is the rider's own (alone) or another's. */
  rides(alone: boolean): boolean;
  /**
   * Inside a turn's transaction: writes the waiting work, or nothing (undefined). alone: the
   * turn is the rider's own (rideAlone). If it throws, the work still waits.
   */
  write(em: EntityManager, alone: boolean): Promise<Ride | undefined>;
}

/** Work written in one turn, told how the turn ended. */
export interface Ride {
  /** The turn committed and announced its own work: tells of this work (under the sequencer still). Never throws. */
  committed(): void;
  /** The turn's transaction did not commit: the work is not written. */
  rolledBack(error: unknown): void;
}

/** The counters of node-postgres' Pool that TypeORM's driver keeps as `master`. */
interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * Hand-written SQL of fixed text that runs on every send or delivery. On PostgreSQL it runs as a
 * named prepared statement: each connection parses it once, and after its first few runs
 * PostgreSQL keeps a generic plan instead of planning every run (the send's INSERT spent 0.56 ms
 * of its 0.75 ms in parse and bind when it was sent as text). Only for text that never varies
 * (arrays, not lists of placeholders): a name stays prepared on every connection for good.
 */
export class PreparedSql {
  /** The statement's name, the same for the same text in every process. */
  readonly name: string;
  /** The text with PostgreSQL's numbered placeholders. */
  readonly numbered: string;

  constructor(readonly sql: string) {
    this.name = `parley_${createHash("sha256").update(sql).digest("hex").slice(0, 24)}`;
    this.numbered = numbered(sql);
  }
}

export interface RowsOptions {
  /**
   * The statement is the last of a sequenced write (a PreparedSql): on PostgreSQL the turn's
   * COMMIT goes right behind it, in its round trip (sequencer.ts commitBehind). Nothing may be
   * sent on its em after it.
   */
  lastInTurn?: boolean;
}

/** ? placeholders as PostgreSQL's $1, $2, … */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Any 64-bit number: the key of the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK_KEY = 7_166_330_201;

export class Database {
  /**
   * SQLite in TypeORM runs on one connection, where transactions cannot overlap: writes are
   * queued one at a time instead. PostgreSQL takes them concurrently from its pool.
   */
  private readonly writeQueue: Mutex | undefined;
  /** Writes waiting in writeQueue behind the one that runs (SQLite). */
  private queuedWrites = 0;
  private readonly sequencer: Sequencer;
  /** What every sequenced turn carries besides its own work (carry). */
  private rider: Rider | undefined;

  constructor(readonly dataSource: DataSource) {
    this.writeQueue = dataSource.options.type === "postgres" ? undefined : new Mutex();
    this.sequencer = this.writeQueue
      ? new QueuedSequencer(dataSource, (fn, priority) => this.queued(fn, priority))
      : new PostgresSequencer(dataSource);
  }

  private get isPostgres(): boolean {
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

  private async queued<T>(fn: () => Promise<T>, priority?: number): Promise<T> {
    this.queuedWrites += 1;
    let started = false;
    try {
      return await this.writeQueue!.runExclusive(() => {
        started = true;
        this.queuedWrites -= 1;
        return fn();
      }, priority);
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
   * for it: rows that take a sequence number inside write commit, and are announced, in sequence
   * order (see sequencer.ts). announce gets the backlog left by a writer that died or could not
   * reach the broker, to announce first, and answers up to which rowId all is now announced.
   */
  sequenced<T>(write: (em: EntityManager) => Promise<T>, announce: (result: T, backlog: Backlog | null) => Promise<Announced | void>): Promise<T> {
    return this.carrying(write, announce, (w, a) => this.sequencer.sequenced(w, a));
  }

  /** From now on every sequenced turn carries the rider's work (see Rider). */
  carry(rider: Rider): void {
    this.rider = rider;
  }

  /**
   * A turn for the rider's work alone: it waits behind every turn this process has queued, and is
   * skipped when one of them carried the work. Under load the work rides the message batches and
   * costs no turn of its own; when nothing else is written it takes one.
   */
  rideAlone(): Promise<void> {
    return this.carrying<void>(
      async () => undefined,
      async () => undefined,
      (w, a) => this.sequencer.spareTurn(() => this.rider?.hasWork ?? false, w, a),
      true,
    );
  }

  /** Runs a turn with the rider's work written after the turn's own and told after its announcement. */
  private async carrying<T>(
    write: (em: EntityManager) => Promise<T>,
    announce: (result: T, backlog: Backlog | null) => Promise<Announced | void>,
    run: (write: (em: EntityManager) => Promise<T>, announce: (result: T, backlog: Backlog | null) => Promise<Announced | void>) => Promise<T>,
    alone = false,
  ): Promise<T> {
    const rider = this.rider;
    if (!rider) return run(write, announce);
    let ride: Ride | undefined;
    let committed = false;
    try {
      return await run(
        async (em) => {
          // The rider's statements come after the write's: its last takes the COMMIT along only
          // if the rider has nothing to write by then, and then the rider waits for the next turn.
          commitBehindOnlyIf(em, () => !rider.rides(alone));
          const result = await write(em);
          if (!committedBehind(em)) ride = await rider.write(em, alone);
          return result;
        },
        async (result, backlog) => {
          committed = true;
          try {
            return await announce(result, backlog);
          } finally {
            ride?.committed();
          }
        },
      );
    } catch (error) {
      if (!committed) ride?.rolledBack(error);
      throw error;
    }
  }

  /** The announced-up-to mark and the committed rows above it, read without the lock (see sequencer.ts). */
  announceState(): Promise<AnnounceState> {
    return this.sequencer.announceState();
  }

  /**
   * Runs one writing statement (UPDATE/DELETE … RETURNING), atomic on its own: on PostgreSQL
   * without BEGIN and COMMIT round trips; on SQLite as a transaction in its turn, since its one
   * connection must not run the statement inside another caller's transaction.
   */
  statement<T = Record<string, unknown>>(sql: string | PreparedSql, params: readonly unknown[] = []): Promise<T[]> {
    return this.isPostgres ? this.rows<T>(undefined, sql, params) : this.transaction((em) => this.rows<T>(em, sql, params));
  }

  /**
   * Runs hand-written SQL, written with ? placeholders for both databases, and returns its rows
   * (also those of UPDATE … RETURNING). Inside a transaction, pass its EntityManager.
   * Read values back with the helpers in values.ts: the two drivers type them differently.
   */
  async rows<T = Record<string, unknown>>(em: EntityManager | undefined, sql: string | PreparedSql, params: readonly unknown[] = [], options: RowsOptions = {}): Promise<T[]> {
    if (em && committedBehind(em)) throw new Error("a statement sent after the last of a sequenced write: it would run outside the turn's transaction");
    const own = em?.queryRunner ? undefined : this.dataSource.createQueryRunner();
    const runner = em?.queryRunner ?? own!;
    try {
      if (sql instanceof PreparedSql && this.isPostgres) {
        // pg's query config: the driver parses a name once per connection. It is sent now, so
        // a COMMIT sent next goes behind it.
        const client = (await runner.connect()) as PoolClient;
        const answer = client.query({ name: sql.name, text: sql.numbered, values: params as unknown[] });
        if (options.lastInTurn && em) commitBehind(em);
        return (await answer).rows as T[];
      }
      const text = typeof sql === "string" ? (this.isPostgres ? numbered(sql) : sql) : sql.sql;
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
    await this.sequencer.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

export function sqlitePath(config: Config): string {
  return join(config.dataDir, "parley.sqlite");
}

/** Every feature's entities and every migration: the composition root's list (src/registry.ts). */
export interface Tables {
  entities: NonNullable<DataSourceOptions["entities"]>;
  migrations: NonNullable<DataSourceOptions["migrations"]>;
}

/** Connects (never at import time) and applies migrations. */
export async function openDatabase(config: Config, log: Logger, tables: Tables): Promise<Database> {
  const common = { entities: tables.entities, migrations: tables.migrations, synchronize: false, migrationsRun: false, logging: false } as const;
  let dataSource: DataSource;
  if (config.databaseUrl) {
    dataSource = new DataSource({
      ...common,
      type: "postgres",
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      applicationName: "parley",
      // Queries handed to a connection before the previous one's answer go out at once (pg's
      // documented pipelining; a lone query is sent as before): the sequencer sends a batch's
      // first statement in the lock's round trip (sequencer.ts).
      extra: { pipeline: true },
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
