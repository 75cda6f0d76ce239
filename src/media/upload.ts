// POST /media's work: stream a file to storage (never whole into memory), deciding its type from
// its first bytes and enforcing its kind's size limit on the way, then read its facts and store
// its row. Any failure leaves neither bytes nor row behind.
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import { type MediaKind, MediaRow } from "./media.entity.js";
import { type DetectedType, detectType, HEAD_BYTES, hasControlBytes, isText, sanitizeFileName } from "./media-type.js";
import type { MediaStorage } from "./storage.js";
import { type ImageProbe, ImageTooLargeError } from "./image-probe.js";
import { probeDuration, probeMp4 } from "./probe.js";
import type { VideoThumbnailer } from "./video-thumbnail.js";

/** An upload refused: HTTP status, a stable code and a message for the client. */
export class UploadError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "UploadError";
  }
}

const ACCEPTED = "png, jpg, gif, svg images; mp3, wav audio; mp4 video; pdf, doc(x), xls(x), ppt(x), csv, txt documents";
const notText = () => new UploadError(415, "UNSUPPORTED_MEDIA_TYPE", "the file is not UTF-8 text");
const KIND_NAME: Record<MediaKind, string> = { IMAGE: "image", AUDIO: "audio", VIDEO: "video", FILE: "document" };

export class Uploader {
  constructor(
    private readonly db: Database,
    private readonly storage: MediaStorage,
    private readonly limits: Config["media"]["maxBytes"],
    private readonly images: ImageProbe,
    /** Null when there is no ffmpeg: videos then get no thumbnail. */
    private readonly videoThumbnails: VideoThumbnailer | null,
  ) {}

  /** The largest upload any kind accepts: where the multipart parser stops reading. */
  get maxBytes(): number {
    return Math.max(...Object.values(this.limits));
  }

  async upload(ownerId: number, body: AsyncIterable<Uint8Array>, givenName: string | undefined): Promise<MediaRow> {
    const chunks = body[Symbol.asyncIterator]();
    const headParts: Uint8Array[] = [];
    let headLength = 0;
    let ended = false;
    while (headLength < HEAD_BYTES) {
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        break;
      }
      headParts.push(next.value);
      headLength += next.value.length;
    }
    const head = Buffer.concat(headParts);
    if (head.length === 0) throw new UploadError(400, "EMPTY_FILE", "the file is empty");
    const type = await detectType(head, givenName ?? "");
    if (!type) throw new UploadError(415, "UNSUPPORTED_MEDIA_TYPE", `unsupported file type; accepted: ${ACCEPTED}`);
    if (type.text && !isText(head, ended)) throw notText();
    const limit = this.limits[type.kind];
    const tooLarge = () => new UploadError(413, "PAYLOAD_TOO_LARGE", `${KIND_NAME[type.kind]} files may be at most ${limit} bytes`);
    if (head.length > limit) throw tooLarge();

    const hash = createHash("sha256").update(head);
    // Text is checked to its last byte: a text head must not smuggle a binary tail.
    const decoder = type.text ? new TextDecoder("utf-8", { fatal: true }) : null;
    decoder?.decode(head, { stream: true });
    let size = head.length;
    const rest = async function* (): AsyncGenerator<Uint8Array> {
      yield head;
      if (ended) return;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        const chunk = next.value;
        size += chunk.length;
        if (size > limit) throw tooLarge();
        if (decoder) {
          if (hasControlBytes(chunk)) throw notText();
          try {
            decoder.decode(chunk, { stream: true });
          } catch {
            throw notText();
          }
        }
        hash.update(chunk);
        yield chunk;
      }
      if (decoder) {
        try {
          decoder.decode();
        } catch {
          throw notText();
        }
      }
    };
    const key = this.storage.newKey();
    await this.storage.put(key, Readable.from(rest(), { objectMode: false }));
    try {
      const facts = await this.facts(key, type, size);
      // Not among the facts that must be readable: a video ffmpeg cannot decode is still accepted.
      if (type.kind === "VIDEO" && this.videoThumbnails) facts.thumbnail = await this.videoThumbnails.thumbnail(await this.storage.get(key));
      const row: MediaRow = Object.assign(new MediaRow(), {
        token: randomBytes(24).toString("base64url"),
        ownerId,
        storageKey: key,
        mimeType: type.mimeType,
        kind: type.kind,
        fileName: sanitizeFileName(givenName, type),
        size,
        sha256: hash.digest("hex"),
        ...facts,
        createdAt: new Date(),
      });
      await this.db.repository(MediaRow).insert(row);
      return row;
    } catch (error) {
      await this.storage.delete(key);
      throw error;
    }
  }

  private async facts(key: string, type: DetectedType, size: number): Promise<Pick<MediaRow, "width" | "height" | "durationSeconds" | "thumbnail">> {
    const none = { width: null, height: null, durationSeconds: null, thumbnail: null };
    try {
      if (type.kind === "IMAGE") {
        const image = await this.images.probe(await this.readAll(key, size), type.raster);
        return { ...none, ...image };
      }
      if (type.kind === "AUDIO") {
        return { ...none, durationSeconds: await probeDuration(await this.storage.get(key), type.mimeType, size) };
      }
      if (type.kind === "VIDEO") {
        const video = await probeMp4((start, end) => this.read(key, start, end), size);
        return { ...none, width: video.width, height: video.height, durationSeconds: video.duration };
      }
      return none;
    } catch (error) {
      if (error instanceof ImageTooLargeError) throw new UploadError(413, "IMAGE_TOO_LARGE", error.message);
      throw new UploadError(415, "UNSUPPORTED_MEDIA_TYPE", `the ${KIND_NAME[type.kind]} could not be read: ${(error as Error).message}`);
    }
  }

  /** An image's bytes (bounded by the image size limit) for decoding. */
  private readAll(key: string, size: number): Promise<Buffer> {
    return this.read(key, 0, size - 1);
  }

  private async read(key: string, start: number, end: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.storage.get(key, { start, end })) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
