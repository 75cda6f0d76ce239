// The sequencer: message writes and their announcements, one batch at a time across every process, so sequence numbers commit and are heard in order.
import { Mutex } from "async-mutex";
import type { DataSource, EntityManager, QueryRunner } from "typeorm";

/** The key of the advisory lock that orders message writes across processes (any 64-bit number). */
export const SEQUENCER_LOCK_KEY = 7_166_330_202;

/**
 * Rows committed but not known to be announced: rowIds in (after, upTo]. Their writer died
 * between its commit and its announcement, or the broker refused the announcement.
 */
export interface Backlog {
  after: string;
  upTo: string;
}

/**
 * What announce answers: the rowId up to which everything committed is now announced (the
 * backlog and the batch), or null (or nothing) when an announcement failed or there was nothing
 * to announce: the mark stays.
 */
export type Announced = string | null;

export interface Sequencer {
  /**
   * Runs write in a transaction and then announce, both under one lock that every process takes
   * for it. Rows that take a sequence number inside write therefore commit, and are announced,
   * in sequence order: a reader who sees number N committed, or hears of it, has every lower
   * number already. The price is that sequenced writes never overlap, so callers batch them.
   * write reaches the database only through its em: on PostgreSQL its code may begin before the
   * lock is held (its first statement rides the lock's round trip); its statements run under it.
   *
   * The durable mark (table announce_state) says up to which rowId everything committed was
   * announced. It is read in the lock's own round trip; announce gets the backlog above it (or
   * null) to announce first, and the mark moves to what announce answers with the unlock's
   * round trip: no statement of its own per batch.
   */
  sequenced<T>(write: (em: EntityManager) => Promise<T>, announce: (result: T, backlog: Backlog | null) => Promise<Announced | void>): Promise<T>;
  /**
   * A turn like sequenced's for work that other turns carry as well (Database.carry): it waits
   * behind every turn this process has queued, and is skipped, without taking the lock, when by
   * then needed() says that one of them did the work.
   */
  spareTurn(needed: () => boolean, write: (em: EntityManager) => Promise<void>, announce: (result: void, backlog: Backlog | null) => Promise<Announced | void>): Promise<void>;
  /**
   * The mark and the backlog above it, read without the lock: the idle-time sweeper's cheap check,
   * and where a live subscription may have to catch up from.
   */
  announceState(): Promise<AnnounceState>;
  /** Waits for the batch under way and lets go of what the sequencer holds. */
  close(): Promise<void>;
}

export interface AnnounceState {
  announcedUpTo: string;
  backlog: Backlog | null;
}

/** Where a turn keeps, on its query runner's data, the COMMIT that its write's last statement may take along. */
const COMMIT_BEHIND = Symbol("parley.commitBehind");

/** The hook that sends it; null once sent. */
type TurnData = { [COMMIT_BEHIND]?: (() => void) | null };

/**
 * Called by a sequenced write right after it sent its last statement on em, before the answer:
 * on PostgreSQL the turn sends COMMIT behind it, in the same round trip, instead of after the
 * answer (a failed statement leaves the transaction aborted, and the COMMIT then rolls it back).
 * Nothing may be sent on em after it. A no-op where nothing waits to commit (SQLite, outside a
 * turn, or when commitBehindOnlyIf's condition says no).
 */
export function commitBehind(em: EntityManager): void {
  (em.queryRunner?.data as TurnData | undefined)?.[COMMIT_BEHIND]?.();
}

/** From now on in this turn, commitBehind sends the COMMIT only if when() says so at that moment (otherwise more statements follow). */
export function commitBehindOnlyIf(em: EntityManager, when: () => boolean): void {
  const data = em.queryRunner?.data as TurnData | undefined;
  const send = data?.[COMMIT_BEHIND];
  if (data && send) {
    data[COMMIT_BEHIND] = () => {
      if (when()) send();
    };
  }
}

/** Whether em's turn sent its COMMIT behind a statement already: whatever is sent on em now would run outside it. */
export function committedBehind(em: EntityManager): boolean {
  return (em.queryRunner?.data as TurnData | undefined)?.[COMMIT_BEHIND] === null;
}

/** The queue priority of a spare turn: behind every other turn of the process (higher goes first; the default is 0). */
const SPARE_PRIORITY = -1;

/** The mark and the newest committed rowId, as decimal text (both drivers agree on text). */
const READ_MARK = `SELECT CAST(announced_up_to AS text) AS mark, CAST((SELECT MAX(row_id) FROM messages) AS text) AS newest FROM announce_state WHERE id = 1`;

/**
 * READ_MARK as a named statement on the sequencer's connection, for every turn: planning it
 * (the MAX over messages' indexes) cost PostgreSQL about 0.1 ms a turn when it was sent as text.
 */
const READ_MARK_STATEMENT = "parley_sequencer_read_mark";

function backlogOf(row: { mark: string; newest: string | null } | undefined): Backlog | null {
  if (!row || row.newest === null || BigInt(row.newest) <= BigInt(row.mark)) return null;
  return { after: row.mark, upTo: row.newest };
}

/** The rowId the mark moves to, when announce answered one above it. */
function advanced(mark: string | undefined, announced: Announced | void): string | null {
  if (typeof announced !== "string" || !/^\d+$/.test(announced)) return null;
  return mark === undefined || BigInt(announced) > BigInt(mark) ? announced : null;
}

/**
 * SQLite: one process owns the file, and its writes already take turns in the database's write
 * queue; a batch holds its turn through the announcement.
 */
export class QueuedSequencer implements Sequencer {
  constructor(
    private readonly dataSource: DataSource,
    /** Runs fn in the database's write queue (Database.queued); a lower priority waits behind the rest. */
    private readonly queued: <T>(fn: () => Promise<T>, priority?: number) => Promise<T>,
  ) {}

  sequenced<T>(write: (em: EntityManager) => Promise<T>, announce: (result: T, backlog: Backlog | null) => Promise<Announced | void>): Promise<T> {
    return this.queued(() => this.turn(write, announce));
  }

  async spareTurn(needed: () => boolean, write: (em: EntityManager) => Promise<void>, announce: (result: void, backlog: Backlog | null) => Promise<Announced | void>): Promise<void> {
    await this.queued(async () => {
      if (needed()) await this.turn(write, announce);
    }, SPARE_PRIORITY);
  }

  private async turn<T>(write: (em: EntityManager) => Promise<T>, announce: (result: T, backlog: Backlog | null) => Promise<Announced | void>): Promise<T> {
    const [state] = (await this.dataSource.query(READ_MARK)) as { mark: string; newest: string | null }[];
    const result = await this.dataSource.transaction(write);
    const to = advanced(state?.mark, await announce(result, backlogOf(state)));
    // Inside the turn, so no other batch reads the mark in between; SQLite has no round trip to save.
    if (to !== null) await this.dataSource.query(`UPDATE announce_state SET announced_up_to = ? WHERE id = 1 AND announced_up_to < ?`, [to, to]);
    return result;
  }

  async announceState(): Promise<AnnounceState> {
    const [state] = (await this.dataSource.query(READ_MARK)) as { mark: string; newest: string | null }[];
    return { announcedUpTo: state?.mark ?? "0", backlog: backlogOf(state) };
  }

  async close(): Promise<void> {}
}

/** The socket under pg's client: pg writes each query on its own (one write per statement). */
type CorkableSocket = { cork(): void; uncork(): void };

/**
 * Holds the socket's writes until the work running now is done: the microtask queue drained,
 * with every microtask that this work's awaits add to it (Node runs a tick queued from a
 * microtask once the queue is empty). What a turn sends before it waits for an answer then
 * reaches the socket in one write, and PostgreSQL reads it at once.
 */
function corkUntilDrained(socket: CorkableSocket | undefined): void {
  if (!socket) return;
  socket.cork();
  queueMicrotask(() => process.nextTick(() => socket.uncork()));
}

/** PostgreSQL: a session-level advisory lock, taken by every process for each batch. */
export class PostgresSequencer implements Sequencer {
  /** sequenced() calls of this process take turns on one connection. */
  private readonly queue = new Mutex();
  private runner: QueryRunner | undefined;
  /** The last batch's unlock, sent and not yet known to have succeeded. */
  private unlocking: Promise<unknown> | undefined;

  constructor(private readonly dataSource: DataSource) {}

  sequenced<T>(write: (em: EntityManager) => Promise<T>, announce: (result: T, backlog: Backlog | null) => Promise<Announced | void>): Promise<T> {
    return this.queue.runExclusive(() => this.turn(write, announce));
  }

  async spareTurn(needed: () => boolean, write: (em: EntityManager) => Promise<void>, announce: (result: void, backlog: Backlog | null) => Promise<Announced | void>): Promise<void> {
    await this.queue.runExclusive(async () => {
      if (needed()) await this.turn(write, announce);
    }, SPARE_PRIORITY);
  }

  private async turn<T>(write: (em: EntityManager) => Promise<T>, announce: (result: T, backlog: Backlog | null) => Promise<Announced | void>): Promise<T> {
    // A connection of its own, kept between batches: the sequencer never queues for the pool
    // behind the reads that a burst of sends makes.
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
      // BEGIN and the lock in one simple query, then the read of the mark as a named statement,
      // sent together (the driver's client: TypeORM knows nothing of this transaction, which is
      // ours to end). The mark is read after the lock is held, by a statement of its own (READ
      // COMMITTED: a fresh snapshot), so it sees every earlier holder's commit.
      const client = (await runner.connect()) as {
        query(sql: "COMMIT"): Promise<{ command: string }>;
        query(sql: string): Promise<unknown>;
        query(config: { name: string; text: string }): Promise<{ rows: { mark: string; newest: string | null }[] }>;
        connection?: { stream?: CorkableSocket };
      };
      // BEGIN and the lock, the mark, write's statements up to the first that needs an answer,
      // and the COMMIT when it rides behind them: one write to the socket, not one per statement
      // (a one-to-one send's turn was four; each also woke PostgreSQL up to read it).
      corkUntilDrained(client.connection?.stream);
      const locked = Promise.all([unlocking, client.query(`BEGIN; SELECT pg_advisory_lock(${SEQUENCER_LOCK_KEY})`), client.query({ name: READ_MARK_STATEMENT, text: READ_MARK })]);
      locked.catch(() => undefined);
      // write starts without waiting for the lock's answer: the connection pipelines (openDatabase),
      // so its first statement goes out in the lock's round trip and PostgreSQL runs it once the
      // lock is held. write reaches the database only through em, on this connection, so all of
      // it runs under the lock. BEGIN comes first so that a lock that fails (cancelled, timed out)
      // leaves the transaction aborted: the statements behind it fail instead of committing alone.
      let result: T;
      let state: { mark: string; newest: string | null } | undefined;
      // The write's last statement may take the COMMIT along (commitBehind); otherwise it follows the answers.
      let committing: Promise<{ command: string }> | undefined;
      const data = runner.data as TurnData;
      data[COMMIT_BEHIND] = () => {
        data[COMMIT_BEHIND] = null;
        committing = client.query("COMMIT");
        committing.catch(() => undefined);
      };
      try {
        try {
          result = await write(runner.manager);
        } finally {
          delete data[COMMIT_BEHIND];
        }
        state = (await locked)[2].rows[0];
        // A COMMIT sent behind a statement that failed rolls back, and says so.
        const { command } = await (committing ?? client.query("COMMIT"));
        if (command !== "COMMIT") throw new Error(`the sequenced transaction ended in ${command}, not COMMIT`);
      } catch (error) {
        // On a broken connection the ROLLBACK fails too. The lock's error, when it failed, is the
        // one to report (write's statements failed behind it); otherwise the write's.
        await runner.query("ROLLBACK").catch(() => undefined);
        throw await locked.then(
          () => error,
          (lockError: unknown) => lockError,
        );
      }
      const to = advanced(state?.mark, await announce(result, backlogOf(state)));
      // Announced: the callers need not wait for the unlock's round trip. It is sent now, ahead
      // of anything else on this connection, so other processes get the lock as soon as before.
      // The mark moves in the same round trip, committed before the unlock (the next holder must
      // not find it behind and announce again) and without waiting for the WAL flush: a mark lost
      // in a crash only means some rows are announced twice, which streams drop by rowId.
      this.unlocking =
        to === null
          ? runner.query("SELECT pg_advisory_unlock($1)", [SEQUENCER_LOCK_KEY])
          : client.query(
              `BEGIN; SET LOCAL synchronous_commit TO off; UPDATE announce_state SET announced_up_to = ${BigInt(to)} WHERE id = 1 AND announced_up_to < ${BigInt(to)}; COMMIT; SELECT pg_advisory_unlock(${SEQUENCER_LOCK_KEY})`,
            );
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
  }

  async announceState(): Promise<AnnounceState> {
    // This process's last batch moves the mark with its unlock, sent after its answer: read
    // before that commits, the batch would look unannounced (and the sweeper take an empty turn).
    await this.unlocking?.catch(() => undefined);
    const [state] = (await this.dataSource.query(READ_MARK)) as { mark: string; newest: string | null }[];
    return { announcedUpTo: state?.mark ?? "0", backlog: backlogOf(state) };
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
