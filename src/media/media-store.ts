// Uploaded files as rows plus bytes: look-ups, the "is this the caller's image" check that
// profiles and groups use, and removal of a file nothing uses any more.
import type { Logger } from "pino";
import type { Database } from "../db/database.js";
import { badInput } from "../graphql/errors.js";
import { type MediaKind, MediaRow } from "./media.entity.js";
import type { MediaStorage } from "./storage.js";

export class MediaStore {
  constructor(
    private readonly db: Database,
    readonly storage: MediaStorage,
    private readonly log: Logger,
  ) {}

  find(token: string): Promise<MediaRow | null> {
    return this.db.repository(MediaRow).findOneBy({ token });
  }

  /** A file the caller uploaded, of the given kind; BAD_USER_INPUT naming field otherwise. */
  async own(ownerId: number, token: string, kind: MediaKind, field: string): Promise<MediaRow> {
    const media = token.length <= 64 ? await this.find(token) : null;
    // Someone else's token is as unknown to the caller as one that never existed.
    if (!media || media.ownerId !== ownerId) throw badInput(field, "unknown file token: upload the file with POST /media first");
    if (media.kind !== kind) {
      throw badInput(field, `the file is ${media.kind.toLowerCase()} (${media.mimeType}), expected ${kind === "FILE" ? "a document" : kind.toLowerCase()}`);
    }
    return media;
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
  async releaseIfUnused(token: string | null): Promise<void> {
    if (!token) return;
    const media = await this.find(token);
    if (!media) return;
    const removed = await this.db.transaction(async (em) => {
      const [used] = await this.db.rows(
        em,
        `SELECT 1 AS used FROM messages WHERE media_token = ? AND deleted_for_everyone_at IS NULL
         UNION ALL SELECT 1 FROM profiles WHERE image_file_token = ?
         UNION ALL SELECT 1 FROM groups WHERE image_file_token = ? AND deleted_at IS NULL
         LIMIT 1`,
        [token, token, token],
      );
      if (used) return false;
      await em.delete(MediaRow, { token });
      return true;
    });
    // The row is gone first: a failure here leaves an orphaned object, never a row without bytes.
    if (removed) await this.storage.delete(media.storageKey).catch((err: unknown) => this.log.warn({ err, token }, "removing a media object failed"));
  }
}
