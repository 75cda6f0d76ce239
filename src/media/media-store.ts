// Uploaded files as rows plus bytes: look-ups, the "is this the caller's image" check that
// profiles and groups use, and removal of a file nothing uses any more: at once when the last
// use goes, and by a periodic sweep for uploads never used (MEDIA_UNUSED_TTL_SECONDS).
import type { Logger } from "pino";
import type { Database } from "../db/database.js";
import { badInput } from "../graphql/errors.js";
import { type MediaKind, MediaRow } from "./media.entity.js";
import type { MediaStorage } from "./storage.js";

export class MediaStore {
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    readonly storage: MediaStorage,
    private readonly log: Logger,
    /** An upload nothing uses expires after this long (MEDIA_UNUSED_TTL_SECONDS). */
    private readonly unusedTtlSeconds: number,
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
    const [unused] = await this.db.rows(undefined, `SELECT 1 AS unused FROM media AS m WHERE m.token = ? AND ${UNUSED}`, [token]);
    return unused === undefined;
  }

  /** True when the file is somebody's profile image or a live group's image: anyone may see those. */
  async isPublicImage(token: string): Promise<boolean> {
    const [row] = await this.db.rows(
      undefined,
      `SELECT 1 AS used FROM profiles WHERE image_file_token = ?
       UNION ALL SELECT 1 FROM groups WHERE image_file_token = ? AND deleted_at IS NULL
       LIMIT 1`,
      [token, token],
    );
    return row !== undefined;
  }

  /**
   * Removes the file when no message, profile or group refers to it any more. Messages deleted
   * for everyone no longer carry their content, so they do not count.
   */
  async releaseIfUnused(token: string | null): Promise<boolean> {
    if (!token) return false;
    // One statement: the check and the removal see the same rows, and of two processes
    // releasing the same file only one removes it.
    // (A transaction all the same: SQLite's one connection must not run it inside another's.)
    const [removed] = await this.db.transaction((em) =>
      this.db.rows<{ storage_key: string }>(em, `DELETE FROM media AS m WHERE m.token = ? AND ${UNUSED} RETURNING storage_key`, [token]),
    );
    if (!removed) return false;
    // The row is gone first: a failure here leaves an orphaned object, never a row without bytes.
    await this.storage.delete(removed.storage_key).catch((err: unknown) => this.log.warn({ err, token }, "removing a media object failed"));
    return true;
  }

  /**
   * Removes uploads that nothing has used since before `before`, a page at a time; returns how
   * many. Each is released on its own, so one that a message takes meanwhile stays.
   */
  async sweep(before: Date): Promise<number> {
    let removed = 0;
    for (;;) {
      const page = await this.db.rows<{ token: string }>(
        undefined,
        `SELECT m.token FROM media AS m WHERE m.created_at < ? AND ${UNUSED} ORDER BY m.created_at LIMIT ?`,
        [before, SWEEP_PAGE],
      );
      for (const { token } of page) if (await this.releaseIfUnused(token)) removed += 1;
      if (page.length < SWEEP_PAGE) return removed;
    }
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

  /** Stops sweeping; waits for a sweep under way. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
  }
}

/** Rows of media AS m that no message (not deleted for everyone), profile or live group uses. */
const UNUSED = `NOT EXISTS (SELECT 1 FROM messages WHERE media_token = m.token AND deleted_for_everyone_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM profiles WHERE image_file_token = m.token)
  AND NOT EXISTS (SELECT 1 FROM groups WHERE image_file_token = m.token AND deleted_at IS NULL)`;

const SWEEP_PAGE = 100;
