// What POST /media refuses cheaply, and how: images over the pixel limit (a decompression bomb among
// them), broken multipart forms; and large images decoded without stalling the process.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { registerUser, type TestUser } from "./support/fixtures.js";
import { png } from "./support/media-files.js";
import { startServer, type TestServer } from "./support/server.js";
import { upload, uploadRaw } from "./support/uploads.js";

const BOUNDARY = "parley-test-boundary";

/** A POST /media with body sent exactly as given (a multipart form the test writes itself). */
async function postForm(server: TestServer, user: TestUser, body: Buffer) {
  const response = await fetch(`${server.url}/media`, {
    method: "POST",
    headers: { authorization: `Bearer ${user.token}`, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
    body,
  });
  return { status: response.status, contentType: response.headers.get("content-type"), body: (await response.json()) as Record<string, any> };
}

const filePart = (name: string, bytes: Buffer) =>
  Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    bytes,
    Buffer.from("\r\n"),
  ]);
const fieldPart = (name: string, value: string) => Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
const closing = Buffer.from(`--${BOUNDARY}--\r\n`);

/**
 * A PNG whose header says width×height but whose pixel data is one compressed row of zeros: a few
 * hundred bytes claiming gigapixels, as a decompression bomb does.
 */
function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, "latin1"), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(width + 1))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const filesUnder = (dir: string) =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)) : [];

describe("image uploads", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });

  it("three 40-megapixel images at once are decoded while /healthz keeps answering", async () => {
    const me = await registerUser(server);
    // One colour: 40 megapixels in a file of a few hundred kilobytes.
    const big = await sharp({ create: { width: 8000, height: 5000, channels: 3, background: "#3366cc" } }).png().toBuffer();
    let answered = 0;
    const uploads = Promise.all(
      ["a.png", "b.png", "c.png"].map((name) =>
        upload(server, me, big, name).finally(() => {
          answered++;
        }),
      ),
    );
    // Once the three files are stored, the server is reading them: /healthz asked now must not
    // wait for those decodes.
    const media = join(server.dataDir, "media");
    await expect.poll(() => filesUnder(media).filter((f) => statSync(f).size === big.length).length, { timeout: 20_000, interval: 20 }).toBe(3);
    const health = await fetch(`${server.url}/healthz`);
    expect([health.status, await health.json(), answered]).toEqual([200, { status: "ok" }, 0]);

    for (const uploaded of await uploads) {
      expect(uploaded).toMatchObject({ mimeType: "image/png", width: 8000, height: 5000 });
      const thumbnail = await sharp(Buffer.from(uploaded.thumbImage!, "base64")).metadata();
      expect([thumbnail.format, thumbnail.width, thumbnail.height]).toEqual(["jpeg", 200, 125]);
    }
  });

  it("an image over the pixel limit is refused with 413, a decompression bomb as cheaply as any", async () => {
    const me = await registerUser(server);
    const bomb = bombPng(100_000, 100_000);
    expect(bomb.length).toBeLessThan(1024);
    const { status, body } = await uploadRaw(server, me.token, bomb, "bomb.png");
    expect(status).toBe(413);
    expect(body.error).toEqual({
      code: "IMAGE_TOO_LARGE",
      statusCode: 413,
      message: "the image is 100000 × 100000 pixels; images may have at most 50000000 pixels",
    });
  });

  it("MEDIA_MAX_IMAGE_PIXELS sets the limit: an image at it is accepted, one pixel row over it refused", async () => {
    const small = await startServer({ MEDIA_MAX_IMAGE_PIXELS: String(64 * 48) });
    const me = await registerUser(small);
    expect(await upload(small, me, await png(64, 48), "fits.png")).toMatchObject({ width: 64, height: 48 });
    const { status, body } = await uploadRaw(small, me.token, await png(64, 49), "over.png");
    expect([status, body.error.code, body.error.message]).toEqual([413, "IMAGE_TOO_LARGE", "the image is 64 × 49 pixels; images may have at most 3072 pixels"]);
    expect(filesUnder(join(small.dataDir, "media"))).toHaveLength(1);
  });
});

describe("broken multipart forms", () => {
  let server: TestServer;
  let me: TestUser;
  beforeAll(async () => {
    server = await startServer();
    me = await registerUser(server);
  });

  it("a form cut off inside its file gets 400 with the upload door's JSON error, and nothing is stored", async () => {
    const whole = filePart("cut.png", await png(64, 48));
    const answer = await postForm(server, me, whole.subarray(0, whole.length - 100));
    expect(answer).toEqual({
      status: 400,
      contentType: "application/json; charset=utf-8",
      body: { error: { code: "BAD_REQUEST", statusCode: 400, message: "the multipart form ended before its closing boundary" } },
    });
    expect(filesUnder(join(server.dataDir, "media"))).toEqual([]);
  });

  it("a form without a file part gets 400, whether it holds a field instead or nothing", async () => {
    const answer = await postForm(server, me, Buffer.concat([fieldPart("caption", "no file here"), closing]));
    expect([answer.status, answer.body]).toEqual([
      400,
      { error: { code: "BAD_REQUEST", statusCode: 400, message: "the form may hold the file part only, no other fields" } },
    ]);
    const empty = await postForm(server, me, closing);
    expect([empty.status, empty.body]).toEqual([400, { error: { code: "BAD_REQUEST", statusCode: 400, message: "no file part in the form" } }]);
  });

  it("a body that is no form, or of a type Fastify cannot parse, gets the door's JSON error too", async () => {
    const post = async (contentType: string, body: string) => {
      const response = await fetch(`${server.url}/media`, { method: "POST", headers: { authorization: `Bearer ${me.token}`, "content-type": contentType }, body });
      return [response.status, (await response.json()) as Record<string, any>] as const;
    };
    const [status, body] = await post("application/json", "{");
    expect([status, body.error?.code, body.error?.statusCode]).toEqual([400, "BAD_REQUEST", 400]);
    expect(await post("application/xml", "<file/>")).toEqual([
      415,
      { error: { code: "UNSUPPORTED_MEDIA_TYPE", statusCode: 415, message: "Unsupported Media Type" } },
    ]);
  });

  it("a form with two files gets 400, and neither is kept", async () => {
    const [one, two] = [await png(10, 10), await png(20, 20)];
    const answer = await postForm(server, me, Buffer.concat([filePart("one.png", one), filePart("two.png", two), closing]));
    expect([answer.status, answer.body]).toEqual([400, { error: { code: "BAD_REQUEST", statusCode: 400, message: "send one file per upload" } }]);
    expect(filesUnder(join(server.dataDir, "media"))).toEqual([]);
  });
});
