// What is read from an uploaded file's content besides images (image-probe.ts): audio and video
// duration, video size.
import type { Readable } from "node:stream";
import { createFile, type Movie, MP4BoxBuffer } from "mp4box";
import { parseStream } from "music-metadata";

/** Duration in seconds of an audio or video stream, or null when the container does not say. */
export async function probeDuration(body: Readable, mimeType: string, size: number): Promise<number | null> {
  try {
    const { format } = await parseStream(body, { mimeType, size }, { duration: true, skipCovers: true });
    return typeof format.duration === "number" && Number.isFinite(format.duration) ? format.duration : null;
  } finally {
    body.destroy();
  }
}

/** Reads bytes start..end (inclusive) of a stored file. */
export type RangeReader = (start: number, end: number) => Promise<Buffer>;

/** moov holds an MP4's index; one larger than this is not read (a sane one is far smaller). */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

/**
 * Duration, width and height of an MP4, from its movie and track headers (parsed by mp4box). Only
 * ftyp and moov are read, wherever moov sits, so the media data is never loaded.
 */
export async function probeMp4(read: RangeReader, size: number): Promise<{ duration: number | null; width: number | null; height: number | null }> {
  const parts: Buffer[] = [];
  let found = false;
  for (let offset = 0; offset + 8 <= size && !found; ) {
    const header = await read(offset, Math.min(offset + 16, size) - 1);
    const type = header.toString("latin1", 4, 8);
    let boxSize = header.readUInt32BE(0);
    if (boxSize === 1 && header.length >= 16) boxSize = Number(header.readBigUInt64BE(8));
    else if (boxSize === 0) boxSize = size - offset;
    if (boxSize < 8 || offset + boxSize > size) break;
    if (type === "ftyp" || type === "moov") {
      if (boxSize > MAX_MOOV_BYTES) throw new Error(`the MP4 index (${boxSize} bytes) is too large`);
      parts.push(await read(offset, offset + boxSize - 1));
      found = type === "moov";
    }
    offset += boxSize;
  }
  if (!found) throw new Error("the MP4 has no movie header (moov)");
  const file = createFile();
  let info: Movie | undefined;
  let failure: unknown;
  file.onReady = (ready) => {
    info = ready;
  };
  file.onError = (_module, message) => {
    failure = new Error(message);
  };
  // ftyp and moov alone, as if adjacent: their own offsets do not matter for the headers.
  const joined = Buffer.concat(parts);
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer, 0));
  file.flush();
  if (!info) throw failure instanceof Error ? failure : new Error("the MP4 headers could not be read");
  const video = info.videoTracks[0];
  const width = video?.video?.width ?? video?.track_width ?? null;
  const height = video?.video?.height ?? video?.track_height ?? null;
  // The track header's matrix turns the frames for display (phones store portrait video as
  // landscape frames turned a quarter): [a b u c d v x y w], 16.16 fixed point; a quarter turn
  // has a = d = 0. The size given is the size shown, as the thumbnail is.
  const m = video?.matrix;
  const quarterTurn = m !== undefined && (m[0]! | 0) === 0 && (m[4]! | 0) === 0 && (m[1]! | 0) !== 0;
  return {
    duration: info.timescale > 0 && info.duration > 0 ? info.duration / info.timescale : null,
    width: quarterTurn ? height : width,
    height: quarterTurn ? width : height,
  };
}

/** mm:ss (minutes grow past 99 as needed); a clip shorter than a second is 00:01. */
export function formatDuration(seconds: number): string {
  const whole = seconds > 0 ? Math.max(1, Math.round(seconds)) : 0;
  return `${String(Math.floor(whole / 60)).padStart(2, "0")}:${String(whole % 60).padStart(2, "0")}`;
}
