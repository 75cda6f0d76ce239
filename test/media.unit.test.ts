// Unit tests of the dense parts of media: type detection, file names, text checks, durations,
// signed URLs, image sizes and thumbnails, and the limits on ffmpeg.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ImageProbe, ImageTooLargeError } from "../src/media/image-probe.js";
import { detectType, isText, sanitizeFileName } from "../src/media/media-type.js";
import { formatDuration } from "../src/media/probe.js";
import { MediaUrlSigner } from "../src/media/signed-url.js";
import { FFMPEG_LIMITS, VideoThumbnailer } from "../src/media/video-thumbnail.js";
import { capturingLogger } from "./support/logs.js";
import { decodableMp4, elf, ffmpegMissing, mp3, mp4, pdf, png, svg, wav } from "./support/media-files.js";

describe("detectType", () => {
  it("names each accepted type from its bytes, whatever the file is called", async () => {
    expect(await detectType(await png(), "x.mp3")).toMatchObject({ kind: "IMAGE", mimeType: "image/png", ext: "png", raster: true });
    expect(await detectType(wav(1), "x.png")).toMatchObject({ kind: "AUDIO", mimeType: "audio/wav" });
    expect(await detectType(mp3(1), "x.wav")).toMatchObject({ kind: "AUDIO", mimeType: "audio/mpeg", ext: "mp3" });
    expect(await detectType(mp4(1), "x")).toMatchObject({ kind: "VIDEO", mimeType: "video/mp4" });
    expect(await detectType(pdf(), "x.txt")).toMatchObject({ kind: "FILE", mimeType: "application/pdf" });
    expect(await detectType(svg(), "x.png")).toMatchObject({ kind: "IMAGE", mimeType: "image/svg+xml", raster: false, text: true });
  });

  it("refuses executables, archives and binary bytes without a signature", async () => {
    expect(await detectType(elf(), "x.pdf")).toBeNull();
    expect(await detectType(Buffer.from("PK\x03\x04\x14\x00\x00\x00\x08\x00", "latin1"), "x.zip")).toBeNull();
    expect(await detectType(Buffer.from([1, 2, 3, 0, 0, 200]), "x.txt")).toBeNull();
  });

  it("takes plain UTF-8 text as txt, or as csv when so named", async () => {
    expect(await detectType(Buffer.from("a,b\n"), "t.CSV")).toMatchObject({ kind: "FILE", mimeType: "text/csv" });
    expect(await detectType(Buffer.from("hello"), "t.csv.exe")).toMatchObject({ mimeType: "text/plain", ext: "txt" });
    // Markup other than SVG is only text: served as text/plain, never rendered.
    expect(await detectType(Buffer.from('<?xml version="1.0"?><html><script/></html>'), "x.svg")).toMatchObject({ kind: "FILE", mimeType: "text/plain", ext: "txt" });
  });

  it("tells doc, xls and ppt apart by name only inside an OLE compound file, and refuses other names", async () => {
    const cfb = Buffer.alloc(1024);
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(cfb);
    expect(await detectType(cfb, "old.xls")).toMatchObject({ mimeType: "application/vnd.ms-excel", ext: "xls" });
    expect(await detectType(cfb, "old.msi")).toBeNull();
  });
});

describe("isText", () => {
  it("accepts UTF-8 with tabs and line breaks, and a character cut at a chunk's end unless final", () => {
    expect(isText(Buffer.from("tab\there\r\nnext\n"))).toBe(true);
    const cut = Buffer.from("Grüße").subarray(0, 3);
    expect(isText(cut)).toBe(true);
    expect(isText(cut, true)).toBe(false);
  });

  it("refuses control characters and invalid UTF-8", () => {
    expect(isText(Buffer.from([0x61, 0x00]))).toBe(false);
    expect(isText(Buffer.from([0x61, 0x1b]))).toBe(false);
    expect(isText(Buffer.from([0xff, 0x61]))).toBe(false);
  });
});

describe("sanitizeFileName", () => {
  const png = { ext: "png" };
  it("keeps the last path segment, without control or reserved characters, never hidden", () => {
    expect(sanitizeFileName("../../etc/passwd.png", png)).toBe("passwd.png");
    expect(sanitizeFileName("C:\\Users\\x\\photo.png", png)).toBe("photo.png");
    expect(sanitizeFileName("..", png)).toBe("file.png");
    expect(sanitizeFileName(".hidden.png", png)).toBe("hidden.png");
    expect(sanitizeFileName('a"b<c>\u0000\u202eevil.png', png)).toBe("abcevil.png");
    expect(sanitizeFileName(undefined, png)).toBe("file.png");
  });

  it("gives the name the extension of what the bytes are", () => {
    expect(sanitizeFileName("song.mp3", png)).toBe("song.png");
    expect(sanitizeFileName("photo.JPEG", { ext: "jpg" })).toBe("photo.jpeg");
    expect(sanitizeFileName("README", { ext: "txt" })).toBe("README.txt");
  });

  it("caps the length at 200 characters", () => {
    const name = sanitizeFileName(`${"é".repeat(500)}.png`, png);
    expect([...name].length).toBeLessThanOrEqual(200);
    expect(name.endsWith(".png")).toBe(true);
  });
});

describe("formatDuration", () => {
  it("writes mm:ss, rounding, with at least a second for a short clip", () => {
    expect([formatDuration(0), formatDuration(0.2), formatDuration(2), formatDuration(59.6), formatDuration(75), formatDuration(6000)]).toEqual([
      "00:00",
      "00:01",
      "00:02",
      "01:00",
      "01:15",
      "100:00",
    ]);
  });
});

describe("MediaUrlSigner", () => {
  const signer = new MediaUrlSigner(new TextEncoder().encode("s".repeat(32)), 300);
  const parse = (path: string) => {
    const url = new URL(path, "http://x");
    return { token: decodeURIComponent(url.pathname.slice("/media/".length)), expires: url.searchParams.get("expires")!, signature: url.searchParams.get("signature")! };
  };

  it("accepts its own URL until it expires", () => {
    const now = Date.now();
    const { path, expiresAt } = signer.sign("tok", now);
    const { token, expires, signature } = parse(path);
    expect(expiresAt.getTime()).toBe(Number(expires) * 1000);
    expect(signer.verify(token, expires, signature, now)).toBe("valid");
    expect(signer.verify(token, expires, signature, expiresAt.getTime())).toBe("expired");
  });

  it("refuses another token, a changed expiry, another key's signature, or missing parts", () => {
    const { path } = signer.sign("tok");
    const { expires, signature } = parse(path);
    expect(signer.verify("other", expires, signature)).toBe("forged");
    expect(signer.verify("tok", String(Number(expires) + 1), signature)).toBe("forged");
    const other = new MediaUrlSigner(new TextEncoder().encode("t".repeat(32)), 300);
    expect(other.verify("tok", expires, signature)).toBe("forged");
    expect(signer.verify("tok", undefined, signature)).toBe("forged");
    expect(signer.verify("tok", expires, undefined)).toBe("forged");
  });
});

const images = new ImageProbe({ maxPixels: 50_000_000, concurrency: 2 });

describe("ImageProbe", () => {
  const solid = (width: number, height: number, background: string | { r: number; g: number; b: number; alpha: number }, channels: 3 | 4 = 3) =>
    sharp({ create: { width, height, channels, background } });
  const thumbnailOf = async (base64: string | null) => {
    const thumbnail = sharp(Buffer.from(base64!, "base64"));
    const [meta, stats] = await Promise.all([thumbnail.metadata(), thumbnail.stats()]);
    return { format: meta.format, width: meta.width, height: meta.height, rgb: stats.channels.slice(0, 3).map((c) => Math.round(c.mean)) };
  };

  it("gives a photo's size as shown, EXIF orientation applied, and so is its thumbnail", async () => {
    // Stored 64 × 48, shown turned a quarter (orientation 6), as phones write portrait photos.
    const photo = await solid(64, 48, "#808080").jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const facts = await images.probe(photo, true);
    expect([facts.width, facts.height]).toEqual([48, 64]);
    expect(await thumbnailOf(facts.thumbnail)).toMatchObject({ format: "jpeg", width: 48, height: 64 });
  });

  it("makes an animated GIF's thumbnail from its first frame, at that frame's size", async () => {
    const frames = await Promise.all(["#ff0000", "#0000ff"].map((c) => solid(300, 200, c).png().toBuffer()));
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    const facts = await images.probe(gif, true);
    expect([facts.width, facts.height]).toEqual([300, 200]);
    const thumbnail = await thumbnailOf(facts.thumbnail);
    expect([thumbnail.width, thumbnail.height]).toEqual([200, 133]);
    expect(thumbnail.rgb[0]).toBeGreaterThan(200);
    expect(thumbnail.rgb[2]).toBeLessThan(50);
  });

  it("shows transparency on white in the thumbnail", async () => {
    const clear = await solid(20, 10, { r: 0, g: 0, b: 0, alpha: 0 }, 4).png().toBuffer();
    expect((await thumbnailOf((await images.probe(clear, true)).thumbnail)).rgb).toEqual([255, 255, 255]);
  });

  it("reads an SVG's size without a thumbnail", async () => {
    expect(await images.probe(svg(), false)).toEqual({ width: 10, height: 20, thumbnail: null });
  });

  it("refuses an image over the pixel limit from its header, and bytes that are no image", async () => {
    const small = new ImageProbe({ maxPixels: 100, concurrency: 1 });
    await expect(small.probe(await solid(10, 10, "#000000").png().toBuffer(), true)).resolves.toMatchObject({ width: 10, height: 10 });
    const over = small.probe(await solid(10, 11, "#000000").png().toBuffer(), true);
    await expect(over).rejects.toBeInstanceOf(ImageTooLargeError);
    await expect(over).rejects.toThrow("the image is 10 × 11 pixels; images may have at most 100 pixels");
    await expect(images.probe(Buffer.from("\x89PNG\r\n\x1a\n and then nothing", "latin1"), true)).rejects.toThrow();
  });
});

// ffmpeg is needed here as in media.test.ts: CI installs it and fails without it; elsewhere these skip.
describe.skipIf(ffmpegMissing)("VideoThumbnailer", () => {
  it("is off, and says so, when there is no ffmpeg on the PATH", async () => {
    const { log, lines } = capturingLogger();
    expect(await VideoThumbnailer.start(log, images, { path: "/nonexistent" })).toBeNull();
    expect(lines.map((l) => l.msg)).toEqual(["video thumbnails off: no ffmpeg on the PATH"]);
  });

  it("gives no thumbnail, and logs why, when ffmpeg takes too long or writes too large a frame", async () => {
    const video = await decodableMp4(1);
    for (const [limits, reason] of [
      [{ ...FFMPEG_LIMITS, timeoutMs: 1 }, "took longer than 1 ms"],
      [{ ...FFMPEG_LIMITS, maxFrameBytes: 100 }, "wrote more than 100 bytes"],
    ] as const) {
      const { log, lines } = capturingLogger();
      const thumbnails = await VideoThumbnailer.start(log, images, { limits });
      expect(thumbnails, "ffmpeg on the PATH").not.toBeNull();
      expect(await thumbnails!.thumbnail(Readable.from([video]))).toBeNull();
      expect(lines.at(-1)).toMatchObject({ msg: "video without a thumbnail: ffmpeg made no frame", reason });
    }
  });

  it("gives no thumbnail for bytes that are no video, with ffmpeg's own complaint in the log", async () => {
    const { log, lines } = capturingLogger();
    const thumbnails = await VideoThumbnailer.start(log, images);
    expect(thumbnails, "ffmpeg on the PATH").not.toBeNull();
    expect(await thumbnails!.thumbnail(Readable.from([Buffer.from("ftypisom, and then nothing")]))).toBeNull();
    expect(lines.at(-1)).toMatchObject({ msg: "video without a thumbnail: ffmpeg made no frame", reason: expect.stringMatching(/^exited with \d+: .+/) });
  });
});

// How many ffmpeg processes run at once, seen through a stand-in ffmpeg (a shell script on the
// PATH given) that notes when each run starts and ends: this needs no real ffmpeg.
describe("VideoThumbnailer's concurrency", () => {
  async function standIn(): Promise<{ dir: string; events: () => Promise<string[]> }> {
    const dir = await mkdtemp(join(tmpdir(), "parley-fake-ffmpeg-"));
    const log = join(dir, "runs.log");
    await writeFile(
      join(dir, "ffmpeg"),
      `#!/bin/sh\nif [ "$2" = "-version" ]; then echo "ffmpeg version stand-in"; exit 0; fi\necho start >> "${log}"\nsleep 0.3\necho end >> "${log}"\nexit 1\n`,
      { mode: 0o755 },
    );
    return { dir, events: async () => (await readFile(log, "utf8")).trim().split("\n") };
  }

  it.each([
    [1, ["start", "end", "start", "end"]],
    [2, ["start", "start", "end", "end"]],
  ])("with concurrency %i, two videos at once run ffmpeg as %j", async (concurrency, expected) => {
    const { dir, events } = await standIn();
    try {
      const { log } = capturingLogger();
      const thumbnails = await VideoThumbnailer.start(log, images, { path: dir, limits: { ...FFMPEG_LIMITS, concurrency } });
      expect(await Promise.all([1, 2].map(() => thumbnails!.thumbnail(Readable.from([Buffer.from("video")]))))).toEqual([null, null]);
      expect(await events()).toEqual(expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
