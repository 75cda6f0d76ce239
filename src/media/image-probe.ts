// An image's size and JPEG thumbnail, read by sharp (libvips) on libuv's worker threads, never on
// the event loop, a bounded number at once and never past a pixel limit.
import { Semaphore } from "async-mutex";
import sharp from "sharp";

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 200;

export interface ImageFacts {
  width: number;
  height: number;
  thumbnail: string | null;
}

export interface ImageProbeLimits {
  /** Images with more pixels than this (width × height, of one frame) are refused, unread. */
  maxPixels: number;
  /** Images read at once; more wait their turn. */
  concurrency: number;
}

/** An image whose header gives it more pixels than the limit allows: refused before any decoding. */
export class ImageTooLargeError extends Error {
  constructor(
    readonly width: number,
    readonly height: number,
    readonly maxPixels: number,
  ) {
    super(`the image is ${width} × ${height} pixels; images may have at most ${maxPixels} pixels`);
    this.name = "ImageTooLargeError";
  }
}

export class ImageProbe {
  private readonly turns: Semaphore;

  constructor(private readonly limits: ImageProbeLimits) {
    // sharp's work runs on libuv's thread pool, which file reads and password hashing share (4
    // threads unless UV_THREADPOOL_SIZE says otherwise): a bound below that keeps them moving
    // while images wait. Process-wide: sharp's cache of decoded images only costs memory here,
    // since an upload is read once.
    this.turns = new Semaphore(limits.concurrency);
    sharp.cache(false);
  }

  /**
   * Size as shown (EXIF orientation applied) and, for raster images, a JPEG thumbnail (base64) of
   * at most THUMBNAIL_SIZE a side, never enlarged. Throws ImageTooLargeError past the pixel
   * limit, and sharp's error when the bytes cannot be read.
   */
  probe(bytes: Buffer, raster: boolean): Promise<ImageFacts> {
    return this.turns.runExclusive(async () => {
      // The header only: no pixels are decoded, whatever size the image claims.
      const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
      const { width, height } = meta.autoOrient;
      if (width * height > this.limits.maxPixels) throw new ImageTooLargeError(width, height, this.limits.maxPixels);
      if (!raster) return { width, height, thumbnail: null };
      // limitInputPixels again: the header read above and the decoder must agree on the size.
      // The first frame only (an animated GIF's thumbnail is its first frame); transparency on white.
      const jpeg = await sharp(bytes, { limitInputPixels: this.limits.maxPixels, autoOrient: true, sequentialRead: true })
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: "inside", withoutEnlargement: true })
        .flatten({ background: "#ffffff" })
        .jpeg({ quality: 70 })
        .toBuffer();
      return { width, height, thumbnail: jpeg.toString("base64") };
    });
  }
}
