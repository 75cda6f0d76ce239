// The stored part of a user's sync stream (table sync_events): written under the sequencer with
// the change that causes it, published after the commit, read back by position, pruned by age.
//
// Why under the sequencer (Database.sequenced, the lock that orders message writes): an entry's
// position and the afterRowId it records must commit in order with every other entry and
// message, or a reader could see position N+1 committed before N and a resume would skip N.
// A change made in the log's transaction pays a turn of the lock; appended entries ride the next
// turn, usually a batch of messages, and take one of their own only when nothing else is written.
import type { Logger } from "pino";
import type { EntityManager } from "typeorm";
import { type Database, PreparedSql, type Ride, type Rider } from "../db/database.js";
import { asDate, asId } from "../db/values.js";
import type { PubSub } from "../realtime/pubsub.js";
import { topics } from "../realtime/topics.js";
import type { NewSyncEntry, SyncBody, SyncEventPayload } from "./sync-entry.js";

/** Rows per INSERT: five parameters each stays well under what either database accepts. */
const INSERT_CHUNK = 500;
/** Users per read of their newest entries (before): one parameter each. */
const USERS_CHUNK = 5000;
const DAY_MS = 24 * 3600 * 1000;
/** How often appended entries are written, at most (SyncLog's writeEveryMs). */
const APPENDED_WRITE_EVERY_MS = 50;
/** How long appended entries that are due wait for another turn to carry them before taking one of their own. */
const OWN_TURN_GRACE_MS = 10;

/**
 * PostgreSQL: the entries in one prepared statement, whatever their count (arrays, not lists of
 * rows): the newest message rowId (under the sequencer no message commits meanwhile: every rowId
 * up to it is committed, or in this transaction), the rows, inserted in the order given so that
 * their positions are taken in it, and each one's user's newest entry before the statement (the
 * statement's snapshot does not see its own rows), which that user's first wake-up names.
 */
const INSERT_ENTRIES = new PreparedSql(
  `WITH entry AS (
     SELECT * FROM unnest(?::integer[], ?::varchar[], ?::text[]) WITH ORDINALITY AS e(user_id, kind, body, n)
   ), newest AS (
     SELECT COALESCE(MAX(row_id), 0) AS row_id FROM messages
   ), stored AS (
     INSERT INTO sync_events (user_id, after_row_id, kind, body, created_at)
     SELECT e.user_id, newest.row_id, e.kind, e.body, ?::timestamptz FROM entry e, newest ORDER BY e.n
     RETURNING position, user_id, after_row_id
   )
   SELECT s.position, s.user_id, s.after_row_id, (SELECT MAX(p.position) FROM sync_events p WHERE p.user_id = s.user_id) AS previous
     FROM stored s`,
);

/** Collects the entries a change makes, to be written in its transaction. */
export type Record = (entries: readonly NewSyncEntry[]) => void;

interface Written {
  userId: number;
  payload: SyncEventPayload;
}

/** Entries appended and not yet written, with whoever waits for them. */
interface Appended {
  entries: readonly NewSyncEntry[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class SyncLog implements Rider {
  private pruning: NodeJS.Timeout | undefined;

  /** Appended entries waiting for a turn of the sequencer (append). */
  private appended: Appended[] = [];
  /** When appended entries may next be written (writeEveryMs after the last time). */
  private due = 0;
  /** The timer of the log's own turn, for appended entries that no other turn carried. */
  private ownTurn: NodeJS.Timeout | undefined;
  /**
   * A turn carrying appended entries failed: until one of the log's own turns writes them, they
   * ride no other turn, so that entries the database refuses cannot fail a batch of messages.
   */
  private grounded = false;

  constructor(
    private readonly db: Database,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
    /** SYNC_RETENTION_DAYS: entries older than this are pruned; a cursor behind them must reload. */
    readonly retentionDays: number,
    /**
     * Appended entries are written at most this often: each write is one more INSERT in a batch
     * of messages, and the batches are what bounds how fast messages are written.
     */
    private readonly writeEveryMs = APPENDED_WRITE_EVERY_MS,
  ) {
    db.carry(this);
  }

  /**
   * Runs change in one transaction under the sequencer, writes the entries it recorded in that
   * transaction (one multi-row INSERT), and publishes them after the commit.
   */
  async transaction<T>(change: (em: EntityManager, record: Record) => Promise<T>): Promise<T> {
    const { result } = await this.db.sequenced(
      async (em) => {
        const entries: NewSyncEntry[] = [];
        const result = await change(em, (more) => entries.push(...more));
        return { result, written: await this.insert(em, entries) };
      },
      ({ written }) => this.announce(written),
    );
    return result;
  }

  /**
   * Writes entries of a change already committed, and publishes them; resolves once they are
   * written. Used where the change's own transaction is not the sequencer's (receipts, deletions
   * for everyone, group and profile events): a process dying between that commit and this write
   * loses these entries (see docs/architecture.md).
   *
   * The entries ride the next turn of the sequencer, whoever's (Database.carry): under load a
   * batch of messages writes them in its transaction, and a burst of receipt flushes costs no
   * turn of its own beside the message batches. With nothing else written, they take one.
   */
  append(entries: readonly NewSyncEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const written = new Promise<void>((resolve, reject) => this.appended.push({ entries, resolve, reject }));
    this.scheduleOwnTurn();
    return written;
  }

  /**
   * Takes a turn of the log's own for the appended entries a little after they are due, when no
   * other turn carried them: the batches of messages that come meanwhile have the first chance
   * (and the spare turn is skipped if one of the turns queued before it carried them).
   */
  private scheduleOwnTurn(): void {
    if (this.ownTurn || this.appended.length === 0) return;
    const early = this.due - Date.now();
    this.ownTurn = setTimeout(
      () => {
        this.ownTurn = undefined;
        if (this.due > Date.now()) return this.scheduleOwnTurn();
        void this.takeOwnTurn().finally(() => this.scheduleOwnTurn());
      },
      Math.max(0, early) + OWN_TURN_GRACE_MS,
    );
  }

  /**
   * A turn of the log's own for what waits now. If it fails before it took the entries (the
   * database unreachable: the lock's connection failed), their callers hear why, as when it took
   * them (write, alone): nobody else will write them, and trying again without end would leave
   * the callers waiting for ever (a server closing on a dropped database did).
   */
  private async takeOwnTurn(): Promise<void> {
    const waiting = new Set(this.appended);
    try {
      await this.db.rideAlone();
    } catch (error) {
      const left = this.appended.filter((a) => waiting.has(a));
      this.appended = this.appended.filter((a) => !waiting.has(a));
      for (const a of left) a.reject(error);
    }
  }

  get hasWork(): boolean {
    return this.appended.length > 0;
  }

  /** Rider: entries wait, and they are due (in a turn of their own, at once). */
  rides(alone: boolean): boolean {
    return this.appended.length > 0 && (alone || (!this.grounded && this.due <= Date.now()));
  }

  /** Rider: writes the appended entries in the turn's transaction, when they are due. */
  async write(em: EntityManager, alone: boolean): Promise<Ride | undefined> {
    if (!this.rides(alone)) return undefined;
    const taken = this.appended;
    this.appended = [];
    this.due = Date.now() + this.writeEveryMs;
    const giveBack = (error: unknown) => {
      if (alone) {
        // The log's own turn: nobody else will write them; their callers hear why.
        for (const a of taken) a.reject(error);
        return;
      }
      this.grounded = true;
      this.appended = [...taken, ...this.appended];
      this.due = 0;
      this.scheduleOwnTurn();
    };
    let written: Written[];
    try {
      written = await this.insert(em, taken.flatMap((a) => a.entries));
    } catch (error) {
      giveBack(error);
      throw error;
    }
    return {
      committed: () => {
        if (alone) this.grounded = false;
        // Sent now, still under the sequencer, so that wake-ups keep position order on the broker;
        // the turn need not wait for the broker's answer, the callers do.
        void this.announce(written).then(() => {
          for (const a of taken) a.resolve();
        });
      },
      rolledBack: giveBack,
    };
  }

  private async insert(em: EntityManager, entries: readonly NewSyncEntry[]): Promise<Written[]> {
    if (entries.length === 0) return [];
    if (this.db.dialect === "postgres") return this.insertAtOnce(em, entries);
    const { afterRowId, previous } = await this.before(em, entries);
    const at = new Date();
    const written: Written[] = [];
    for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
      const chunk = entries.slice(i, i + INSERT_CHUNK);
      const params = chunk.flatMap((e) => [e.userId, afterRowId, e.body.kind, JSON.stringify(e.body), at]);
      const rows = await this.db.rows<{ position: unknown }>(
        em,
        `INSERT INTO sync_events (user_id, after_row_id, kind, body, created_at) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")} RETURNING position`,
        params,
      );
      // RETURNING gives the rows in the order of VALUES; positions were taken in that order.
      const positions = rows.map((r) => BigInt(asId(r.position))).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      chunk.forEach((e, j) => {
        const position = positions[j]!.toString();
        written.push({ userId: e.userId, payload: { position, afterRowId, body: e.body, at: at.toISOString(), previous: previous.get(e.userId) ?? "0" } });
        previous.set(e.userId, position);
      });
    }
    return written;
  }

  /** INSERT_ENTRIES: one round trip, parsed and planned once per connection. */
  private async insertAtOnce(em: EntityManager, entries: readonly NewSyncEntry[]): Promise<Written[]> {
    const at = new Date();
    const rows = await this.db.rows<{ position: unknown; user_id: unknown; after_row_id: unknown; previous: unknown }>(em, INSERT_ENTRIES, [
      entries.map((e) => e.userId),
      entries.map((e) => e.body.kind),
      entries.map((e) => JSON.stringify(e.body)),
      at,
    ]);
    // Positions were taken in the order of the entries.
    const stored = rows.map((r) => ({ position: BigInt(asId(r.position)), afterRowId: asId(r.after_row_id), before: r.previous === null ? "0" : asId(r.previous) }));
    stored.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    const previous = new Map<number, string>();
    return entries.map((e, i) => {
      const { position, afterRowId, before } = stored[i]!;
      const payload = { position: position.toString(), afterRowId, body: e.body, at: at.toISOString(), previous: previous.get(e.userId) ?? before };
      previous.set(e.userId, payload.position);
      return { userId: e.userId, payload };
    });
  }

  /**
   * SQLite: in one statement: the newest message rowId (under the sequencer no message commits meanwhile:
   * every rowId up to it is committed, or in this transaction), and each user's newest entry, which
   * their next wake-up names so that a subscriber can tell it missed one. Read on its own, not in
   * each row of the INSERT's VALUES: PostgreSQL plans such a subquery once per row.
   */
  private async before(em: EntityManager, entries: readonly NewSyncEntry[]): Promise<{ afterRowId: string; previous: Map<number, string> }> {
    const users = [...new Set(entries.map((e) => e.userId))];
    const previous = new Map<number, string>();
    let afterRowId = "0";
    for (let i = 0; i < users.length; i += USERS_CHUNK) {
      const chunk = users.slice(i, i + USERS_CHUNK);
      const rows = await this.db.rows<{ m: unknown; user_id: unknown; p: unknown }>(
        em,
        `SELECT (SELECT COALESCE(MAX(row_id), 0) FROM messages) AS m, u.column1 AS user_id,
                (SELECT MAX(s.position) FROM sync_events s WHERE s.user_id = u.column1) AS p
           FROM (VALUES ${chunk.map(() => "(CAST(? AS integer))").join(", ")}) AS u`,
        chunk,
      );
      for (const r of rows) {
        afterRowId = asId(r.m);
        if (r.p !== null && r.p !== undefined) previous.set(Number(r.user_id), asId(r.p));
      }
    }
    return { afterRowId, previous };
  }

  /**
   * Wakes the users' sync subscriptions, in position order. Entries sharing a body (a group event
   * to every member, appended together: their positions are consecutive) are one fan-out message
   * with a position per member, and their subscribers on a process share the body object (what is
   * read for it is read once: SyncService). Consecutive entries of their own (receipts, a flush
   * of hundreds) are one fan-out message too, each target with its entry: one broker message,
   * not one per entry.
   */
  private announce(written: readonly Written[]): Promise<void> {
    const byBody = new Map<SyncBody, Written[]>();
    for (const w of written) {
      const same = byBody.get(w.payload.body);
      if (same) same.push(w);
      else byBody.set(w.payload.body, [w]);
    }
    const publishing: Promise<void>[] = [];
    let singles: Written[] = [];
    const publishSingles = () => {
      if (singles.length === 0) return;
      const [first] = singles;
      publishing.push(
        this.pubsub.publishToMany(
          first!.payload,
          singles.map((w) => ({ topic: topics.sync(w.userId), patch: w === first ? undefined : w.payload })),
        ),
      );
      singles = [];
    };
    for (const group of byBody.values()) {
      if (group.length === 1) {
        singles.push(group[0]!);
        continue;
      }
      publishSingles();
      publishing.push(
        this.pubsub.publishToMany(
          group[0]!.payload,
          group.map((w) => ({ topic: topics.sync(w.userId), patch: { position: w.payload.position, previous: w.payload.previous } })),
        ),
      );
    }
    publishSingles();
    return Promise.all(publishing).then(
      () => undefined,
      // Stored: subscribers that missed the wake-up catch up by cursor.
      (err: unknown) => this.log.warn({ err }, "publishing sync entries failed"),
    );
  }

  /** The user's entries after position, in position order, at most limit. */
  async after(userId: number, position: bigint, limit: number): Promise<SyncEventPayload[]> {
    const rows = await this.db.rows<{ position: unknown; after_row_id: unknown; body: string; created_at: unknown }>(
      undefined,
      "SELECT position, after_row_id, body, created_at FROM sync_events WHERE user_id = ? AND position > ? ORDER BY position LIMIT ?",
      [userId, position.toString(), limit],
    );
    return rows.map((r) => ({ position: asId(r.position), afterRowId: asId(r.after_row_id), body: JSON.parse(r.body) as SyncBody, at: asDate(r.created_at).toISOString() }));
  }

  /** The newest message rowId and entry position committed: a cursor for "from now on". */
  async head(): Promise<{ rowId: bigint; position: bigint }> {
    const [row] = await this.db.rows<{ m: unknown; p: unknown }>(
      undefined,
      `SELECT (SELECT COALESCE(MAX(row_id), 0) FROM messages) AS m,
              (SELECT COALESCE(MAX(position), (SELECT pruned_through FROM sync_horizon WHERE id = 1)) FROM sync_events) AS p`,
    );
    return { rowId: BigInt(asId(row!.m)), position: BigInt(asId(row!.p)) };
  }

  /** Every entry at or below this position may have been pruned. */
  async prunedThrough(): Promise<bigint> {
    const [row] = await this.db.rows<{ p: unknown }>(undefined, "SELECT pruned_through AS p FROM sync_horizon WHERE id = 1");
    return BigInt(asId(row!.p));
  }

  /**
   * Deletes the entries older than the retention and moves the horizon past them, in one
   * transaction: a reader who finds its cursor at or past the horizon after reading a page knows
   * the page was whole. Returns the new horizon, or null when nothing was old enough.
   */
  async prune(now = new Date()): Promise<string | null> {
    const cutoff = new Date(now.getTime() - this.retentionDays * DAY_MS);
    return this.db.transaction(async (em) => {
      // Positions are taken under the sequencer with the time of their write: older is lower.
      const [row] = await this.db.rows<{ p: unknown }>(em, "SELECT MAX(position) AS p FROM sync_events WHERE created_at < ?", [cutoff]);
      if (row?.p === null || row?.p === undefined) return null;
      const through = asId(row.p);
      await this.db.rows(em, "DELETE FROM sync_events WHERE position <= ?", [through]);
      await this.db.rows(em, "UPDATE sync_horizon SET pruned_through = ? WHERE id = 1 AND pruned_through < ?", [through, through]);
      return through;
    });
  }

  /** Prunes now and then every intervalMs, until close. */
  startPruning(intervalMs: number): void {
    const run = () =>
      void this.prune()
        .then((through) => through !== null && this.log.info({ through }, "sync entries pruned"))
        .catch((err: unknown) => this.log.warn({ err }, "pruning sync entries failed"));
    run();
    this.pruning = setInterval(run, intervalMs);
    this.pruning.unref();
  }

  /** Stops pruning, and writes the appended entries still waiting. */
  async close(): Promise<void> {
    clearInterval(this.pruning);
    this.pruning = undefined;
    clearTimeout(this.ownTurn);
    this.ownTurn = undefined;
    this.due = 0;
    if (this.hasWork) await this.takeOwnTurn();
  }
}
