// The sequencer: message writes and their announcements, one batch at a time across every process, so sequence numbers commit and are heard in order.
import { Mutex } from "async-mutex";
import type { DataSource, EntityManager, QueryRunner } from "typeorm";

/** The key of the advisory lock that orders message writes across processes (any 64-bit number). */
export const SEQUENCER_LOCK_KEY = 7_166_330_202;

export interface Sequencer {
  /**
   * Runs write in a transaction and then announce, both under one lock that every process takes
   * for it. Rows that take a sequence number inside write therefore commit, and are announced,
   * in sequence order: a reader who sees number N committed, or hears of it, has every lower
   * number already. The price is that sequenced writes never overlap, so callers batch them.
   */
  sequenced<T>(write: (em: EntityManager) => Promise<T>, announce: (result: T) => Promise<void>): Promise<T>;
  /** Waits for the batch under way and lets go of what the sequencer holds. */
  close(): Promise<void>;
}

/**
 * SQLite: one process owns the file, and its writes already take turns in the database's write
 * queue; a batch holds its turn through the announcement.
 */
export class QueuedSequencer implements Sequencer {
  constructor(
    private readonly dataSource: DataSource,
    /** Runs fn in the database's write queue (Database.queued). */
    private readonly queued: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {}

  sequenced<T>(write: (em: EntityManager) => Promise<T>, announce: (result: T) => Promise<void>): Promise<T> {
    return this.queued(async () => {
      const result = await this.dataSource.transaction(write);
      await announce(result);
      return result;
    });
  }

  async close(): Promise<void> {}
}

/** PostgreSQL: a session-level advisory lock, taken by every process for each batch. */
export class PostgresSequencer implements Sequencer {
  /** sequenced() calls of this process take turns on one connection. */
  private readonly queue = new Mutex();
  private runner: QueryRunner | undefined;
  /** The last batch's unlock, sent and not yet known to have succeeded. */
  private unlocking: Promise<unknown> | undefined;

  constructor(private readonly dataSource: DataSource) {}

  sequenced<T>(write: (em: EntityManager) => Promise<T>, announce: (result: T) => Promise<void>): Promise<T> {
    // A connection of its own, kept between batches: the sequencer never queues for the pool
    // behind the reads that a burst of sends makes.
    return this.queue.runExclusive(async () => {
      if (this.runner?.isReleased) {
        // TypeORM releases a query runner by itself when its connection fails, also between
        // batches (PostgreSQL restarted, or ended the session): it would only throw
        // QueryRunnerAlreadyReleasedError. Its session, and so any lock of ours, is gone with it.
        this.runner = undefined;
        this.unlocking = undefined;
      }
      this.runner ??= this.dataSource.createQueryRunner();
      const runner = this.runner;
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
          this.runner = undefined;
          this.unlocking = undefined;
          await runner.query("SELECT pg_advisory_unlock_all()").catch(() => undefined);
          await runner.release().catch(() => undefined);
        }
      }
    });
  }

  async close(): Promise<void> {
    await this.queue.runExclusive(async () => {
      await this.unlocking?.catch(() => undefined);
      this.unlocking = undefined;
      await this.runner?.release().catch(() => undefined);
      this.runner = undefined;
    });
  }
}
