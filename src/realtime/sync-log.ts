// The stored part of a user's sync stream (table sync_events): written under the sequencer with
// the change that causes it, published after the commit, read back by position, pruned by age.
//
// Why under the sequencer (Database.sequenced, the lock that orders message writes): an entry's
// position and the afterRowId it records must commit in order with every other entry and
// message, or a reader could see position N+1 committed before N and a resume would skip N.
// The price is one turn of the lock per change; none of these changes is on the send path.
import type { Logger } from "pino";
import type { EntityManager } from "typeorm";
import type { Database } from "../db/database.js";
import { asDate, asId } from "../db/values.js";
import type { PubSub } from "../realtime/pubsub.js";
import { topics } from "../realtime/topics.js";
import type { NewSyncEntry, SyncBody, SyncEventPayload } from "./sync-entry.js";

/** Rows per INSERT: five parameters each stays well under what either database accepts. */
const INSERT_CHUNK = 500;
const DAY_MS = 24 * 3600 * 1000;

/** Collects the entries a change makes, to be written in its transaction. */
export type Record = (entries: readonly NewSyncEntry[]) => void;

interface Written {
  userId: number;
  payload: SyncEventPayload;
}

export class SyncLog {
  private pruning: NodeJS.Timeout | undefined;

  /** The appends waiting for their turn of the sequencer (append). */
  private waiting: { entries: NewSyncEntry[]; done: Promise<void> } | undefined;

  constructor(
    private readonly db: Database,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
    /** SYNC_RETENTION_DAYS: entries older than this are pruned; a cursor behind them must reload. */
    readonly retentionDays: number,
  ) {}

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
   * Writes entries of a change already committed. Used where the change's own transaction is
   * not the sequencer's (receipts, deletions for everyone, group and profile events): a process
   * dying between that commit and this write loses these entries (see docs/architecture.md).
   */
  append(entries: readonly NewSyncEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    // Appends made while one waits for its turn of the sequencer join it: a burst of receipt
    // flushes costs one turn (one lock, one INSERT), not one each, beside the message batches.
    if (this.waiting) {
      this.waiting.entries.push(...entries);
      return this.waiting.done;
    }
    const batch: { entries: NewSyncEntry[]; done: Promise<void> } = { entries: [...entries], done: Promise.resolve() };
    this.waiting = batch;
    batch.done = this.transaction(async (_em, record) => {
      // Its turn has come: later appends wait for the next one.
      if (this.waiting === batch) this.waiting = undefined;
      record(batch.entries);
    }).finally(() => {
      if (this.waiting === batch) this.waiting = undefined;
    });
    return batch.done;
  }

  private async insert(em: EntityManager, entries: readonly NewSyncEntry[]): Promise<Written[]> {
    if (entries.length === 0) return [];
    // Under the sequencer no message commits meanwhile: every rowId up to this one is committed.
    const [{ m }] = (await this.db.rows<{ m: unknown }>(em, "SELECT COALESCE(MAX(row_id), 0) AS m FROM messages")) as [{ m: unknown }];
    const afterRowId = asId(m);
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
      chunk.forEach((e, j) => written.push({ userId: e.userId, payload: { position: positions[j]!.toString(), afterRowId, body: e.body, at: at.toISOString() } }));
    }
    return written;
  }

  /**
   * Wakes the users' sync subscriptions. Entries sharing a body (a group event to every member)
   * are one fan-out message with a position per member, and their subscribers on a process share
   * the body object (what is read for it is read once: SyncService).
   */
  private async announce(written: readonly Written[]): Promise<void> {
    const byBody = new Map<SyncBody, Written[]>();
    for (const w of written) {
      const same = byBody.get(w.payload.body);
      if (same) same.push(w);
      else byBody.set(w.payload.body, [w]);
    }
    await Promise.all(
      [...byBody.values()].map((group) =>
        this.pubsub.publishToMany(
          group[0]!.payload,
          group.map((w) => ({ topic: topics.sync(w.userId), patch: { position: w.payload.position } })),
        ),
      ),
    ).catch((err: unknown) =>
      // Stored: subscribers that missed the wake-up catch up by cursor.
      this.log.warn({ err }, "publishing sync entries failed"),
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

  close(): void {
    clearInterval(this.pruning);
    this.pruning = undefined;
  }
}
