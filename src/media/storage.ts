// Where media bytes live, behind a small interface: the local disk (DATA_DIR/media) now, an
// S3-compatible store later. Keys are made here, never taken from user input.
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** Inclusive byte range, as in HTTP Range. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface MediaStorage {
  /** A fresh key for a new object. */
  newKey(): string;
  /** Streams body to key; on failure nothing stays behind. Resolves to the bytes written. */
  put(key: string, body: Readable): Promise<number>;
  /** The object's bytes, or the range of them. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** The object's size, or null when there is none. */
  stat(key: string): Promise<{ size: number } | null>;
  /** Removes the object; removing a missing one is a no-op. */
  delete(key: string): Promise<void>;
}

const KEY = /^[0-9a-f]{2}\/[0-9a-f]{32}$/;

export class LocalDiskStorage implements MediaStorage {
  constructor(private readonly root: string) {}

  newKey(): string {
    const id = randomBytes(16).toString("hex");
    return `${id.slice(0, 2)}/${id}`;
  }

  private path(key: string): string {
    // Keys are ours, but a corrupted row must never name a path outside the root.
    if (!KEY.test(key)) throw new Error(`not a storage key: ${key}`);
    return join(this.root, key);
  }

  async put(key: string, body: Readable): Promise<number> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const out = createWriteStream(path, { flags: "wx" });
    try {
      await pipeline(body, out);
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return out.bytesWritten;
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    return createReadStream(this.path(key), range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      return { size: (await stat(this.path(key))).size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
