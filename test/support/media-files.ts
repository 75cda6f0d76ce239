// Small, valid media files made in code for upload tests: PNG, WAV, MP4, PDF, text, SVG, and an
// executable header; and, made by ffmpeg, a video that decodes and its first frame.
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";

/**
 * A width×height PNG with a diagonal gradient (so a thumbnail has something to show), or of random
 * pixels, which do not compress (for a large file).
 */
export async function png(width = 64, height = 48, noise = false): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      pixels[i] = noise ? Math.floor(Math.random() * 256) : (x * 255) / width;
      pixels[i + 1] = noise ? Math.floor(Math.random() * 256) : (y * 255) / height;
      pixels[i + 2] = 128;
      pixels[i + 3] = 255;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

/** seconds of a 440 Hz tone, 8 kHz mono 16-bit PCM. */
export function wav(seconds = 2): Buffer {
  const rate = 8000;
  const samples = rate * seconds;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/**
 * seconds of silent MPEG-1 Layer III: 128 kbit/s, 44.1 kHz frames (417 bytes, 1152 samples each)
 * with empty payloads.
 */
export function mp3(seconds = 2): Buffer {
  const frames = Math.ceil((seconds * 44100) / 1152);
  const frame = Buffer.alloc(417);
  Buffer.from([0xff, 0xfb, 0x90, 0x64]).copy(frame);
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, "ascii");
  return Buffer.concat([head, body]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

const MATRIX = u32(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000);

/**
 * An MP4 (ISO base media) of seconds length with one 320×240 H.264 video track: ftyp, moov (mvhd,
 * trak with tkhd, mdhd, hdlr and a sample table with no samples) and an mdat of filler bytes,
 * which comes before moov when moovLast (as cameras write it).
 */
export function mp4(seconds = 3, moovLast = false): Buffer {
  const timescale = 1000;
  const duration = seconds * timescale;
  const ftyp = box("ftyp", Buffer.from("isom"), u32(0x200), Buffer.from("isomiso2mp41"));
  const mvhd = box("mvhd", u32(0, 0, 0, timescale, duration, 0x00010000), Buffer.from([0x01, 0x00]), Buffer.alloc(10), MATRIX, Buffer.alloc(24), u32(2));
  const tkhd = box(
    "tkhd",
    u32(0x00000003, 0, 0, 1, 0, duration),
    Buffer.alloc(8),
    Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]),
    MATRIX,
    u32(320 << 16, 240 << 16),
  );
  const mdhd = box("mdhd", u32(0, 0, 0, timescale, duration), Buffer.from([0x55, 0xc4, 0, 0]));
  const hdlr = box("hdlr", u32(0, 0), Buffer.from("vide"), Buffer.alloc(12), Buffer.from("VideoHandler\0"));
  const sps = Buffer.from([0x67, 0x42, 0x00, 0x1e, 0x95, 0xa0, 0x50, 0x7e, 0x40]);
  const pps = Buffer.from([0x68, 0xce, 0x38, 0x80]);
  const avcC = box(
    "avcC",
    Buffer.from([1, 0x42, 0x00, 0x1e, 0xff, 0xe1]),
    Buffer.from([0, sps.length]),
    sps,
    Buffer.from([1, 0, pps.length]),
    pps,
  );
  const avc1 = box(
    "avc1",
    Buffer.alloc(6),
    Buffer.from([0, 1]), // data reference index
    Buffer.alloc(16),
    Buffer.from([320 >> 8, 320 & 0xff, 240 >> 8, 240 & 0xff]),
    u32(0x00480000, 0x00480000, 0),
    Buffer.from([0, 1]), // frame count
    Buffer.alloc(32),
    Buffer.from([0, 0x18, 0xff, 0xff]),
    avcC,
  );
  const stbl = box(
    "stbl",
    box("stsd", u32(0, 1), avc1),
    box("stts", u32(0, 0)),
    box("stsc", u32(0, 0)),
    box("stsz", u32(0, 0, 0)),
    box("stco", u32(0, 0)),
  );
  const dinf = box("dinf", box("dref", u32(0, 1), box("url ", u32(1))));
  const minf = box("minf", box("vmhd", u32(1), Buffer.alloc(8)), dinf, stbl);
  const moov = box("moov", mvhd, box("trak", tkhd, box("mdia", mdhd, hdlr, minf)));
  const mdat = box("mdat", Buffer.alloc(2048, 0x42));
  return Buffer.concat(moovLast ? [ftyp, mdat, moov] : [ftyp, moov, mdat]);
}

/** A one-page PDF saying hello. */
export function pdf(): Buffer {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>",
  ];
  const stream = "BT /F1 12 Tf 20 50 Td (hello) Tj ET";
  objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

export function text(content = "Grüße, world!\nsecond line\n"): Buffer {
  return Buffer.from(content, "utf8");
}

export function svg(): Buffer {
  return Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20"><script>alert(1)</script></svg>\n');
}

/** The start of a 64-bit Linux executable. */
export function elf(): Buffer {
  const b = Buffer.alloc(512);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(b);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(0x3e, 18); // x86-64
  return b;
}

/**
 * Whether ffmpeg is missing here. The video thumbnail tests need it: CI installs it (.ci/run) and
 * fails without it (CI set); on a machine without it `npm test` skips them and says so.
 */
export const ffmpegMissing = spawnSync("ffmpeg", ["-version"], { stdio: "ignore" }).status !== 0;
if (ffmpegMissing && process.env.CI) throw new Error("ffmpeg is missing: CI must run the video thumbnail tests (.ci/run installs the ffmpeg package)");
if (ffmpegMissing) console.warn("video thumbnail tests skipped: no ffmpeg on the PATH (apt-get install ffmpeg)");

/** Runs ffmpeg in a temporary directory holding inputs, and returns the file it wrote as output. */
async function ffmpeg(args: string[], inputs: Record<string, Buffer> = {}, output = "out"): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "parley-test-video-"));
  try {
    for (const [name, bytes] of Object.entries(inputs)) await writeFile(join(dir, name), bytes);
    try {
      await promisify(execFile)("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", ...args], { cwd: dir });
    } catch (error) {
      throw new Error(`ffmpeg is needed for the video thumbnail tests (CI installs it; here: apt-get install -y ffmpeg): ${(error as Error).message}`);
    }
    return await readFile(join(dir, output));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An H.264 MP4 of ffmpeg's test pattern, width×height at 10 frames a second (its index after its media data). */
export async function decodableMp4(seconds = 2, width = 320, height = 240, rotate = 0): Promise<Buffer> {
  const video = await ffmpeg(["-f", "lavfi", "-i", `testsrc=size=${width}x${height}:rate=10`, "-t", String(seconds), "-pix_fmt", "yuv420p", "-f", "mp4", "out"]);
  if (!rotate) return video;
  // A phone's portrait video: frames stored landscape, shown turned by the track header's matrix
  // (ffmpeg 5 writes it when remuxing).
  return ffmpeg(["-i", "in.mp4", "-c", "copy", "-metadata:s:v:0", `rotate=${rotate}`, "-f", "mp4", "out"], { "in.mp4": video });
}

/** The first frame of a video, as PNG. */
export function firstFramePng(video: Buffer): Promise<Buffer> {
  return ffmpeg(["-i", "in.mp4", "-frames:v", "1", "-f", "image2", "-c:v", "png", "out"], { "in.mp4": video });
}
