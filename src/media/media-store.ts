// Uploaded files as rows plus bytes: look-ups, the "is this the caller's image" check that
// profiles and groups use, and removal of a file nothing uses any more: at once when the last
// use goes, and by a periodic sweep for uploads never used (MEDIA_UNUSED_TTL_SECONDS). Media's
// store: what uses a file is declared by the features that own those rows (MediaUse), handed in
// by app.ts, so media names no table above it.
import type { Logger } from "pino";
import type { Database } from "../db/database.js";
import { badInput } from "../graphql/errors.js";
import { type MediaKind, MediaRow } from "./media.entity.js";
import type { MediaStorage } from "./storage.js";

/** A column of another feature's table that holds media tokens: a file named there is in use. */
export interface MediaUse {
  table: string;
  column: string;
  /** A row counts until this column is set (a message deleted for everyone, a deleted group). */
  untilSet?: string;
  /** Anyone may see a file used here (profile and group images). */
  public?: boolean;
}

export class MediaStore {
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    readonly storage: MediaStorage,
    private readonly log: Logger,
    /** An upload nothing uses expires after this long (MEDIA_UNUSED_TTL_SECONDS). */
    private readonly unusedTtlSeconds: number,
    /** Every place a file can be used: removal checks them all in the statement that removes. */
    private readonly uses: readonly MediaUse[],
  ) {}

  find(token: string): Promise<MediaRow | null> {
    return this.db.repository(MediaRow).findOneBy({ token });
  }

  /** A file the caller uploaded, of the given kind; BAD_USER_INPUT naming field otherwise. */
  async own(ownerId: number, token: string, kind: MediaKind, field: string): Promise<MediaRow> {
    const media = token.length <= 64 ? await this.find(token) : null;
    // Someone else's token is as unknown to the caller as one that never existed.
    if (!media || media.ownerId !== ownerId) throw badInput(field, "unknown file token: upload the file with POST /media first");
    if (media.createdAt.getTime() < Date.now() - this.unusedTtlSeconds * 1000 && !(await this.isUsed(token))) {
      throw badInput(field, `the upload expired: nothing used it within ${this.unusedTtlSeconds} s; upload the file again`);
    }
    if (media.kind !== kind) {
      throw badInput(field, `the file is ${media.kind.toLowerCase()} (${media.mimeType}), expected ${kind === "FILE" ? "a document" : kind.toLowerCase()}`);
    }
    return media;
  }

  private async isUsed(token: string): Promise<boolean> {
    const [row] = await this.db.rows(undefined, `SELECT 1 AS unused FROM media AS m WHERE m.token = ? AND ${this.unused("m")}`, [token]);
    return row === undefined;
  }

  /** True when the file is somebody's profile image or a live group's image: anyone may see those. */
  async isPublicImage(token: string): Promise<boolean> {
    const uses = this.uses.filter((u) => u.public);
    if (uses.length === 0) return false;
    const [row] = await this.db.rows(
      undefined,
      `${uses.map((u) => `SELECT 1 AS used FROM ${u.table} WHERE ${using(u, "?")}`).join(" UNION ALL ")} LIMIT 1`,
      uses.map(() => token),
    );
    return row !== undefined;
  }

  /**
   * Removes the file when no message, profile or group refers to it any more. Messages deleted
   * for everyone no longer carry their content, so they do not count.
   */
  async releaseIfUnused(token: string | null): Promise<boolean> {
    if (!token) return false;
    return (await this.removeUnused(`m.token = ?`, [token])) > 0;
  }

  /**
   * Removes uploads that nothing has used since before `before`, a page at a time; returns how
   * many.
   */
  async sweep(before: Date): Promise<number> {
    let removed = 0;
    for (;;) {
      const page = await this.removeUnused(
        `m.token IN (SELECT o.token FROM media AS o WHERE o.created_at < ? AND ${this.unused("o")} ORDER BY o.created_at LIMIT ?)`,
        [before, SWEEP_PAGE],
      );
      removed += page;
      if (page < SWEEP_PAGE) return removed;
    }
  }

  /**
   * Removes the uploads that match where (on media AS m) and that nothing uses, rows then bytes;
   * returns how many. One statement: the check and the removal see the same rows, and of two
   * processes removing the same file only one does.
   */
  private async removeUnused(where: string, params: unknown[]): Promise<number> {
    const removed = await this.db.statement<{ token: string; storage_key: string }>(
      `DELETE FROM media AS m WHERE ${where} AND ${this.unused("m")} RETURNING token, storage_key`,
      params,
    );
    // The rows are gone first: a failure here leaves an orphaned object, never a row without bytes.
    for (const { token, storage_key } of removed) {
      await this.storage.delete(storage_key).catch((err: unknown) => this.log.warn({ err, token }, "removing a media object failed"));
    }
    return removed.length;
  }

  /**
   * Sweeps uploads left unused for longer than unusedTtlSeconds, and a grace period: own()
   * already refuses them after unusedTtlSeconds, so a send that passed that check has time to
   * write its message before the file could go.
   */
  startSweeping(): void {
    const ttlMs = this.unusedTtlSeconds * 1000;
    const graceMs = Math.min(ttlMs, 3600_000);
    const every = Math.min(Math.max(ttlMs / 2, 500), 15 * 60_000);
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.sweep(new Date(Date.now() - ttlMs - graceMs))
        .then((removed) => {
          if (removed > 0) this.log.info({ removed }, "removed uploads that were never used");
        })
        .catch((err: unknown) => this.log.warn({ err }, "sweeping unused uploads failed"))
        .finally(() => (this.sweeping = undefined));
    }, every);
    this.sweeper.unref();
  }

  /** Rows of media AS alias that no use names (a message not deleted for everyone, a profile, a live group, …). */
  private unused(alias: string): string {
    return this.uses.length === 0 ? "1 = 1" : this.uses.map((u) => `NOT EXISTS (SELECT 1 FROM ${u.table} WHERE ${using(u, `${alias}.token`)})`).join(" AND ");
  }

  /** Stops sweeping; waits for a sweep under way. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
  }
}

/** The condition on use's table that its row uses the file token (an SQL value). */
function using(use: MediaUse, token: string): string {
  return `${use.column} = ${token}${use.untilSet ? ` AND ${use.untilSet} IS NULL` : ""}`;
}

const SWEEP_PAGE = 100;
