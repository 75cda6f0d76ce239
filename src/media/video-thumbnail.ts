// Video thumbnails: ffmpeg (a child process, no shell) extracts a video's first frame as PNG, and
// the ImageProbe makes the thumbnail of that frame exactly as it does for an uploaded image. ffmpeg
// is optional: it is looked for once, at start-up; without it videos get no thumbnail.
import { spawn } from "node:child_process";
import { constants, createWriteStream } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Semaphore } from "async-mutex";
import type { Logger } from "pino";
import type { ImageProbe } from "./image-probe.js";

export interface FfmpegLimits {
  /** ffmpeg is killed after this long: a crafted file must not hold an upload open. */
  timeoutMs: number;
  /** The frame (PNG) ffmpeg writes may be at most this large; past it ffmpeg is killed. */
  maxFrameBytes: number;
  /** At most this many ffmpeg processes at once; more video uploads wait their turn. */
  concurrency: number;
}

export const FFMPEG_LIMITS: FfmpegLimits = { timeoutMs: 20_000, maxFrameBytes: 32 * 1024 * 1024, concurrency: availableParallelism() };

/** ffmpeg -version at start-up: a binary that does not answer by then is taken as broken. */
const VERSION_TIMEOUT_MS = 10_000;
/** The end of ffmpeg's error output kept for the log. */
const MAX_STDERR_CHARS = 2000;

type Run = { ok: true; stdout: Buffer } | { ok: false; reason: string };

/** Runs bin with args (no shell), killing it past timeoutMs or maxOutputBytes of output. */
function run(bin: string, args: string[], timeoutMs: number, maxOutputBytes: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = "";
    let killedFor: string | null = null;
    const kill = (reason: string) => {
      killedFor ??= reason;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => kill(`took longer than ${timeoutMs} ms`), timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxOutputBytes) kill(`wrote more than ${maxOutputBytes} bytes`);
      else chunks.push(chunk);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS);
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: err.message });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (killedFor) resolve({ ok: false, reason: killedFor });
      else if (code !== 0) resolve({ ok: false, reason: `exited with ${code ?? signal}: ${stderr.trim()}` });
      else resolve({ ok: true, stdout: Buffer.concat(chunks) });
    });
  });
}

/** The ffmpeg executable in the directories of path, or null. */
async function findFfmpeg(path: string | undefined): Promise<string | null> {
  for (const dir of (path ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, "ffmpeg");
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** ffmpeg's arguments for the first video frame of input as PNG on stdout. Nothing in them comes from the upload. */
function firstFrameArgs(input: string): string[] {
  return [
    ...["-nostdin", "-hide_banner", "-loglevel", "error"],
    // The bytes were taken for MP4 from their signature: ffmpeg reads them as that (its mov
    // demuxer) and opens no file or URL but this one, rather than probing them as, say, a
    // playlist that names other files.
    ...["-protocol_whitelist", "file", "-f", "mov", "-i", `file:${input}`],
    ...["-map", "0:v:0", "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "pipe:1"],
  ];
}

export class VideoThumbnailer {
  private readonly turns: Semaphore;

  private constructor(
    readonly ffmpeg: string,
    private readonly log: Logger,
    private readonly images: ImageProbe,
    private readonly limits: FfmpegLimits,
  ) {
    this.turns = new Semaphore(limits.concurrency);
  }

  /**
   * Looks for ffmpeg on path and checks that it runs; logs whether video thumbnails are on.
   * Null when they are off.
   */
  static async start(log: Logger, images: ImageProbe, options: { path?: string; limits?: FfmpegLimits } = {}): Promise<VideoThumbnailer | null> {
    const limits = options.limits ?? FFMPEG_LIMITS;
    const ffmpeg = await findFfmpeg("path" in options ? options.path : process.env.PATH);
    if (!ffmpeg) {
      log.info("video thumbnails off: no ffmpeg on the PATH");
      return null;
    }
    const version = await run(ffmpeg, ["-hide_banner", "-version"], VERSION_TIMEOUT_MS, 64 * 1024);
    if (!version.ok) {
      log.warn({ ffmpeg, reason: version.reason }, "video thumbnails off: ffmpeg does not run");
      return null;
    }
    log.info({ ffmpeg, version: version.stdout.toString("utf8").split("\n", 1)[0] }, "video thumbnails on");
    return new VideoThumbnailer(ffmpeg, log, images, limits);
  }

  /**
   * A JPEG thumbnail (base64) of the video body's first frame, made from a temporary copy (an
   * mp4's index may sit at its end, so ffmpeg needs to seek). Null, and logged, when ffmpeg
   * finds no frame it can decode: such a video is still a video, only without a thumbnail.
   */
  async thumbnail(body: Readable): Promise<string | null> {
    const dir = await mkdtemp(join(tmpdir(), "parley-video-"));
    try {
      const input = join(dir, "input.mp4");
      await pipeline(body, createWriteStream(input));
      const frame = await this.turns.runExclusive(() => run(this.ffmpeg, firstFrameArgs(input), this.limits.timeoutMs, this.limits.maxFrameBytes));
      if (!frame.ok || frame.stdout.length === 0) {
        this.log.info({ reason: frame.ok ? "no video frame" : frame.reason }, "video without a thumbnail: ffmpeg made no frame");
        return null;
      }
      try {
        return (await this.images.probe(frame.stdout, true)).thumbnail;
      } catch (err) {
        this.log.warn({ err }, "video without a thumbnail: its frame could not be read");
        return null;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
