// Media through the client's door: real files made here, uploaded with multipart requests, sent
// as messages, and downloaded again through signed URLs.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { MediaUrlSigner } from "../src/media/signed-url.js";
import { gql, ok, onlyError, WsClient } from "./support/clients.js";
import { registerUser, sendText, type TestUser } from "./support/fixtures.js";
import { capturingLogger } from "./support/logs.js";
import { decodableMp4, elf, ffmpegMissing, firstFramePng, mp3, mp4, pdf, png, svg, text, wav } from "./support/media-files.js";
import { startServer, TEST_JWT_SECRET, type TestServer } from "./support/server.js";
import { download, downloadUrl, upload, uploadRaw } from "./support/uploads.js";

const MEDIA = `media { fileToken url fileName fileSize mimeType caption duration thumbImage width height }`;
const FIELDS = `id type chatJid fromJid isForwarded isDeletedForEveryone ${MEDIA}`;
const SEND = {
  IMAGE: "sendImageMessage",
  AUDIO: "sendAudioMessage",
  VIDEO: "sendVideoMessage",
  FILE: "sendDocumentMessage",
} as const;
type Kind = keyof typeof SEND;

const sendMutation = (kind: Kind) => `mutation($input: SendFileMessageInput!) { ${SEND[kind]}(input: $input) { ${FIELDS} } }`;
const DATA = `mutation($input: MediaMessageDataInput!) { sendMediaMessageData(input: $input) { ${FIELDS} } }`;
const DOWNLOAD = `query($t: String!) { downloadMedia(fileToken: $t) { url expiresAt } }`;
const PAGE = `query($jid: ID!, $last: ID) { mediaMessages(jid: $jid, lastMessageId: $last) { id type media { fileName } } }`;

describe("media", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });

  const sendFile = async (from: TestUser, to: { jid: string }, kind: Kind, fileToken: string, extra: Record<string, unknown> = {}) =>
    (await ok(server, sendMutation(kind), { input: { toJid: to.jid, fileToken, ...extra } }, { token: from.token }))[SEND[kind]] as Record<string, any>;

  describe("each kind, uploaded, sent and downloaded", () => {
    const cases: { kind: Kind; name: string; make: () => Promise<Buffer> | Buffer; mimeType: string; check: (m: Record<string, any>) => void }[] = [
      {
        kind: "IMAGE",
        name: "photo.png",
        make: () => png(64, 48),
        mimeType: "image/png",
        check: (m) => {
          expect([m.width, m.height]).toEqual([64, 48]);
          // A JPEG thumbnail, base64.
          expect(Buffer.from(m.thumbImage, "base64").subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
          expect(m.duration).toBeNull();
        },
      },
      { kind: "AUDIO", name: "voice.wav", make: () => wav(2), mimeType: "audio/wav", check: (m) => expect([m.duration, m.thumbImage]).toEqual(["00:02", null]) },
      { kind: "AUDIO", name: "song.mp3", make: () => mp3(3), mimeType: "audio/mpeg", check: (m) => expect(m.duration).toBe("00:03") },
      // An MP4 whose track has no samples: nothing to decode, so no thumbnail, but still a video.
      { kind: "VIDEO", name: "clip.mp4", make: () => mp4(3), mimeType: "video/mp4", check: (m) => expect([m.duration, m.width, m.height, m.thumbImage]).toEqual(["00:03", 320, 240, null]) },
      { kind: "FILE", name: "report.pdf", make: () => pdf(), mimeType: "application/pdf", check: (m) => expect([m.duration, m.thumbImage, m.width]).toEqual([null, null, null]) },
      { kind: "FILE", name: "notes.txt", make: () => text(), mimeType: "text/plain", check: (m) => expect(m.duration).toBeNull() },
    ];

    for (const c of cases) {
      it(`${c.name}: the recipient downloads exactly the bytes sent, with its facts`, async () => {
        const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
        const bytes = await c.make();
        const uploaded = await upload(server, me, bytes, c.name);
        expect(uploaded).toMatchObject({ fileName: c.name, fileSize: bytes.length, mimeType: c.mimeType });
        c.check(uploaded);

        const message = await sendFile(me, you, c.kind, uploaded.fileToken, { caption: "look" });
        expect(message).toMatchObject({ type: c.kind, chatJid: you.jid, fromJid: me.jid });
        expect(message.media).toEqual({
          fileToken: uploaded.fileToken,
          url: null,
          fileName: c.name,
          fileSize: bytes.length,
          mimeType: c.mimeType,
          caption: "look",
          duration: uploaded.duration,
          thumbImage: uploaded.thumbImage,
          width: uploaded.width,
          height: uploaded.height,
        });

        const { response, bytes: got } = await download(server, you, uploaded.fileToken);
        expect(response.status).toBe(200);
        expect(got.equals(bytes)).toBe(true);
        expect(response.headers.get("content-type")).toBe(c.mimeType.startsWith("text/") ? `${c.mimeType}; charset=utf-8` : c.mimeType);
        expect(response.headers.get("content-length")).toBe(String(bytes.length));
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        expect(response.headers.get("etag")).toMatch(/^"[0-9a-f]{64}"$/);
        const inline = c.kind === "IMAGE" || c.kind === "AUDIO" || c.kind === "VIDEO";
        expect(response.headers.get("content-disposition")).toBe(`${inline ? "inline" : "attachment"}; filename=${c.name}`);
      });
    }

    it("an MP4 whose index comes after its media data still has its duration and size", async () => {
      const me = await registerUser(server);
      expect(await upload(server, me, mp4(75, true), "camera.mp4")).toMatchObject({ duration: "01:15", width: 320, height: 240, thumbImage: null });
    });

    it("a message with media reaches the recipient's subscription with its media", async () => {
      const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
      const uploaded = await upload(server, me, await png(), "live.png");
      const ws = await WsClient.connect(server, you.token);
      const sub = ws.subscribe(`subscription { messageReceived { type ${MEDIA} } }`);
      await ws.execute(`{ __typename }`);
      await sendFile(me, you, "IMAGE", uploaded.fileToken);
      const event = await sub.waitFor((d) => d.messageReceived.type === "IMAGE");
      expect(event.messageReceived.media).toMatchObject({ fileToken: uploaded.fileToken, fileName: "live.png", width: 64, height: 48 });
      await ws.close();
    });
  });

  // ffmpeg makes the videos here: CI installs it and fails without it; elsewhere these skip (ffmpegMissing).
  describe.skipIf(ffmpegMissing)("video thumbnails (ffmpeg)", () => {
    it("a portrait video (frames stored landscape, turned by its track header) has the size it is shown at, and so does its thumbnail", async () => {
      const me = await registerUser(server);
      for (const rotate of [90, 270]) {
        const uploaded = await upload(server, me, await decodableMp4(1, 320, 240, rotate), `portrait-${rotate}.mp4`);
        expect(uploaded).toMatchObject({ width: 240, height: 320 });
        const decoded = await sharp(Buffer.from(uploaded.thumbImage!, "base64")).metadata();
        expect([decoded.width, decoded.height]).toEqual([150, 200]);
      }
      // Half a turn keeps the size.
      expect(await upload(server, me, await decodableMp4(1, 320, 240, 180), "upside-down.mp4")).toMatchObject({ width: 320, height: 240 });
    });

    it("a video that decodes gets its size, duration and a thumbnail made as an image's is, which sendVideoMessage carries", async () => {
      const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
      const video = await decodableMp4(2, 320, 240);
      const uploaded = await upload(server, me, video, "pattern.mp4");
      expect(uploaded).toMatchObject({ mimeType: "video/mp4", width: 320, height: 240, duration: "00:02" });
      const thumbnail = Buffer.from(uploaded.thumbImage!, "base64");
      expect(thumbnail.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      const decoded = await sharp(thumbnail).metadata();
      expect([decoded.width, decoded.height]).toEqual([200, 150]);
      // The same thumbnail as that of the video's first frame uploaded as an image.
      const frame = await upload(server, me, await firstFramePng(video), "frame.png");
      expect(frame.thumbImage).toBe(uploaded.thumbImage);

      const message = await sendFile(me, you, "VIDEO", uploaded.fileToken);
      expect(message.media).toMatchObject({ fileToken: uploaded.fileToken, mimeType: "video/mp4", duration: "00:02", width: 320, height: 240, thumbImage: uploaded.thumbImage });
      expect((await download(server, you, uploaded.fileToken)).bytes.equals(video)).toBe(true);
    });

    it("a small video's thumbnail keeps its size, as a small image's does", async () => {
      const me = await registerUser(server);
      const uploaded = await upload(server, me, await decodableMp4(1, 96, 64), "small.mp4");
      const decoded = await sharp(Buffer.from(uploaded.thumbImage!, "base64")).metadata();
      expect([uploaded.width, uploaded.height, decoded.width, decoded.height]).toEqual([96, 64, 96, 64]);
    });

    it("the server logs at start-up that video thumbnails are on, and which ffmpeg makes them", async () => {
      const { log, lines } = capturingLogger();
      await startServer({}, { log });
      expect(lines.find((l) => l.msg === "video thumbnails on")).toMatchObject({ ffmpeg: expect.stringMatching(/\/ffmpeg$/), version: expect.stringMatching(/^ffmpeg version /) });
    });
  });

  describe("upload checks", () => {
    it("detects the type from the bytes: a PNG named .mp3 is an image, and sendAudioMessage refuses it", async () => {
      const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
      const uploaded = await upload(server, me, await png(), "song.mp3");
      expect(uploaded).toMatchObject({ mimeType: "image/png", fileName: "song.png" });
      const error = onlyError(await gql(server, sendMutation("AUDIO"), { input: { toJid: you.jid, fileToken: uploaded.fileToken } }, { token: me.token }));
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", statusCode: 400, field: "input.fileToken" });
      expect(error.message).toContain("image (image/png), expected audio");
    });

    it("refuses an executable named .pdf with 415", async () => {
      const me = await registerUser(server);
      const { status, body } = await uploadRaw(server, me.token, elf(), "invoice.pdf");
      expect(status).toBe(415);
      expect(body.error).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE", statusCode: 415 });
    });

    it("refuses a text file with binary bytes after its first bytes", async () => {
      const me = await registerUser(server);
      const bytes = Buffer.concat([Buffer.alloc(1024 * 1024, "a"), Buffer.from([0, 1, 2, 3])]);
      const { status, body } = await uploadRaw(server, me.token, bytes, "notes.txt");
      expect(status).toBe(415);
      expect(body.error.message).toBe("the file is not UTF-8 text");
    });

    it("keeps only the last segment of a path-traversal file name", async () => {
      const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
      const bytes = text("not a password file\n");
      const uploaded = await upload(server, me, bytes, "../../../etc/passwd.txt");
      expect(uploaded.fileName).toBe("passwd.txt");
      await sendFile(me, you, "FILE", uploaded.fileToken);
      const { bytes: got } = await download(server, you, uploaded.fileToken);
      expect(got.equals(bytes)).toBe(true);
      expect((await uploadRaw(server, me.token, bytes, "..\\..\\.bashrc")).body.fileName).toBe("bashrc.txt");
    });

    it("csv is told from txt by its name, since both are text", async () => {
      const me = await registerUser(server);
      expect(await upload(server, me, text("a,b\n1,2\n"), "table.csv")).toMatchObject({ mimeType: "text/csv", fileName: "table.csv" });
    });

    it("stores SVG but serves it only as a download", async () => {
      const me = await registerUser(server);
      const uploaded = await upload(server, me, svg(), "logo.svg");
      expect(uploaded).toMatchObject({ mimeType: "image/svg+xml", width: 10, height: 20, thumbImage: null });
      const { response } = await download(server, me, uploaded.fileToken);
      expect(response.headers.get("content-disposition")).toBe("attachment; filename=logo.svg");
      expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    });

    it("needs a valid Bearer token", async () => {
      const { status, body } = await uploadRaw(server, undefined, text(), "a.txt");
      expect([status, body.error.code]).toEqual([401, "UNAUTHENTICATED"]);
      expect((await uploadRaw(server, "nonsense", text(), "a.txt")).status).toBe(401);
    });
  });

  it("refuses a file over its kind's limit with 413, while other kinds keep theirs", async () => {
    const small = await startServer({ MEDIA_MAX_IMAGE_BYTES: "1024" });
    const me = await registerUser(small);
    const big = await png(100, 100, true);
    expect(big.length).toBeGreaterThan(1024);
    const { status, body } = await uploadRaw(small, me.token, big, "big.png");
    expect(status).toBe(413);
    expect(body.error).toEqual({ code: "PAYLOAD_TOO_LARGE", statusCode: 413, message: "image files may be at most 1024 bytes" });
    expect((await uploadRaw(small, me.token, Buffer.alloc(4096, "x"), "long.txt")).status).toBe(200);
  });

  describe("download", () => {
    it("serves byte ranges (206) for seeking, and 416 past the end", async () => {
      const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
      const bytes = wav(1);
      const uploaded = await upload(server, me, bytes, "seek.wav");
      await sendFile(me, you, "AUDIO", uploaded.fileToken);
      const url = await downloadUrl(server, you, uploaded.fileToken);
      const partial = await fetch(url, { headers: { range: "bytes=100-199" } });
      expect(partial.status).toBe(206);
      expect(partial.headers.get("content-range")).toBe(`bytes 100-199/${bytes.length}`);
      expect(partial.headers.get("content-length")).toBe("100");
      expect(Buffer.from(await partial.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
      const tail = await fetch(url, { headers: { range: "bytes=-10" } });
      expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10))).toBe(true);
      const past = await fetch(url, { headers: { range: `bytes=${bytes.length + 10}-` } });
      expect([past.status, past.headers.get("content-range")]).toEqual([416, `bytes */${bytes.length}`]);
      const etag = partial.headers.get("etag")!;
      expect((await fetch(url, { headers: { "if-none-match": etag } })).status).toBe(304);
    });

    it("is refused to someone who sees no message with the file, in a chat or a group", async () => {
      const [me, you, outsider, member] = await Promise.all([registerUser(server), registerUser(server), registerUser(server), registerUser(server)]);
      const direct = await upload(server, me, await png(), "direct.png");
      await sendFile(me, you, "IMAGE", direct.fileToken);
      const { createGroup } = await ok(server, `mutation($p: [ID!]!) { createGroup(name: "media", participantJids: $p) { jid } }`, { p: [member.jid] }, { token: me.token });
      const inGroup = await upload(server, me, pdf(), "minutes.pdf");
      await sendFile(me, createGroup, "FILE", inGroup.fileToken);

      expect((await download(server, member, inGroup.fileToken)).bytes.equals(pdf())).toBe(true);
      for (const token of [direct.fileToken, inGroup.fileToken, "no-such-token"]) {
        const error = onlyError(await gql(server, DOWNLOAD, { t: token }, { token: outsider.token }));
        expect(error.extensions).toMatchObject({ code: "FORBIDDEN", statusCode: 403 });
      }
      // An upload not sent anywhere is its owner's alone.
      const unsent = await upload(server, me, text(), "draft.txt");
      expect((await download(server, me, unsent.fileToken)).response.status).toBe(200);
      expect(onlyError(await gql(server, DOWNLOAD, { t: unsent.fileToken }, { token: you.token })).extensions?.code).toBe("FORBIDDEN");
    });

    it("is allowed while any message with the file is still the viewer's, however many newer ones they deleted", async () => {
      const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
      const uploaded = await upload(server, me, await png(), "often.png");
      const ids: string[] = [];
      for (let i = 0; i < 101; i += 1) ids.push((await sendFile(me, you, "IMAGE", uploaded.fileToken)).id);
      const forMe = `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForMe(toJid: $to, messageIds: $ids) }`;
      await ok(server, forMe, { to: me.jid, ids: ids.slice(1) }, { token: you.token });
      expect((await download(server, you, uploaded.fileToken)).response.status).toBe(200);
      await ok(server, forMe, { to: me.jid, ids: ids.slice(0, 1) }, { token: you.token });
      expect(onlyError(await gql(server, DOWNLOAD, { t: uploaded.fileToken }, { token: you.token })).extensions?.code).toBe("FORBIDDEN");
    });

    it("refuses an expired or forged URL, and a URL without signature, with 403", async () => {
      const me = await registerUser(server);
      const uploaded = await upload(server, me, text(), "secret.txt");
      const signer = new MediaUrlSigner(new TextEncoder().encode(TEST_JWT_SECRET), 60);
      const expired = signer.sign(uploaded.fileToken, Date.now() - 3600_000);
      const expiredResponse = await fetch(`${server.url}${expired.path}`);
      expect(expiredResponse.status).toBe(403);
      expect(((await expiredResponse.json()) as any).error.message).toBe("this download URL has expired");

      const url = new URL(await downloadUrl(server, me, uploaded.fileToken));
      expect(new Date(Number(url.searchParams.get("expires")) * 1000).getTime()).toBeGreaterThan(Date.now());
      const forged = new URL(url);
      forged.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
      expect((await fetch(forged)).status).toBe(403);
      const other = await upload(server, me, text("other"), "other.txt");
      const swapped = new URL(url);
      swapped.pathname = `/media/${other.fileToken}`;
      expect((await fetch(swapped)).status).toBe(403);
      expect((await fetch(`${server.url}/media/${uploaded.fileToken}`)).status).toBe(403);
    });

    it("forwarded media shares the stored file, so the new recipient can download it", async () => {
      const [me, you, third] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
      const bytes = wav(1);
      const uploaded = await upload(server, me, bytes, "pass.wav");
      const sent = await sendFile(me, you, "AUDIO", uploaded.fileToken);
      expect(onlyError(await gql(server, DOWNLOAD, { t: uploaded.fileToken }, { token: third.token })).extensions?.code).toBe("FORBIDDEN");
      const { forwardMessages } = await ok(
        server,
        `mutation($to: [ID!]!, $ids: [ID!]!) { forwardMessages(toJids: $to, messageIds: $ids) { isForwarded ${MEDIA} } }`,
        { to: [third.jid], ids: [sent.id] },
        { token: you.token },
      );
      expect(forwardMessages[0]).toMatchObject({ isForwarded: true, media: { fileToken: uploaded.fileToken, duration: "00:01" } });
      expect((await download(server, third, uploaded.fileToken)).bytes.equals(bytes)).toBe(true);
    });

    it("a message deleted for everyone loses its media, and with it the recipient's access", async () => {
      const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
      const uploaded = await upload(server, me, await png(), "oops.png");
      const sent = await sendFile(me, you, "IMAGE", uploaded.fileToken);
      await ok(server, `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForEveryone(toJid: $to, messageIds: $ids) }`, { to: you.jid, ids: [sent.id] }, { token: me.token });
      const { message } = await ok(server, `query($id: ID!) { message(id: $id) { isDeletedForEveryone media { fileToken } } }`, { id: sent.id }, { token: you.token });
      expect(message).toEqual({ isDeletedForEveryone: true, media: null });
      expect(onlyError(await gql(server, DOWNLOAD, { t: uploaded.fileToken }, { token: you.token })).extensions?.code).toBe("FORBIDDEN");
      // Nothing else used the file, so it is gone for its owner too.
      expect(onlyError(await gql(server, DOWNLOAD, { t: uploaded.fileToken }, { token: me.token })).extensions?.code).toBe("FORBIDDEN");
    });

    it("deleting the original for everyone keeps the file of a forwarded copy", async () => {
      const [me, you, third] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
      const bytes = await png();
      const uploaded = await upload(server, me, bytes, "kept.png");
      const sent = await sendFile(me, you, "IMAGE", uploaded.fileToken);
      await ok(server, `mutation($to: [ID!]!, $ids: [ID!]!) { forwardMessages(toJids: $to, messageIds: $ids) { id } }`, { to: [third.jid], ids: [sent.id] }, { token: you.token });
      await ok(server, `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForEveryone(toJid: $to, messageIds: $ids) }`, { to: you.jid, ids: [sent.id] }, { token: me.token });
      expect((await download(server, third, uploaded.fileToken)).bytes.equals(bytes)).toBe(true);
    });
  });

  describe("send checks", () => {
    it("takes only the caller's own uploads, captions up to 1,024 characters, and durations as mm:ss", async () => {
      const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
      const theirs = await upload(server, you, await png(), "theirs.png");
      const send = (kind: Kind, input: Record<string, unknown>) => gql(server, sendMutation(kind), { input: { toJid: you.jid, ...input } }, { token: me.token });
      expect(onlyError(await send("IMAGE", { fileToken: theirs.fileToken })).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.fileToken" });
      const mine = await upload(server, me, wav(1), "a.wav");
      expect(onlyError(await send("AUDIO", { fileToken: mine.fileToken, caption: "x".repeat(1025) })).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.caption" });
      expect(onlyError(await send("AUDIO", { fileToken: mine.fileToken, duration: "1:2:3" })).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.duration" });
      const given = (await ok(server, sendMutation("AUDIO"), { input: { toJid: you.jid, fileToken: mine.fileToken, duration: "00:42", caption: "y".repeat(1024) } }, { token: me.token })).sendAudioMessage;
      expect(given.media.duration).toBe("00:42");
      const doc = await upload(server, me, pdf(), "d.pdf");
      expect(onlyError(await send("IMAGE", { fileToken: doc.fileToken })).message).toContain("expected image");
      const withThumb = await ok(server, sendMutation("FILE"), { input: { toJid: you.jid, fileToken: doc.fileToken, thumbImage: "aGVsbG8=" } }, { token: me.token });
      expect(withThumb.sendDocumentMessage.media.thumbImage).toBe("aGVsbG8=");
      expect(onlyError(await send("FILE", { fileToken: doc.fileToken, thumbImage: "not base64!" })).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.thumbImage" });
    });

    it("sends external media as metadata, and validates it", async () => {
      const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
      const input = { toJid: you.jid, msgType: "VIDEO", fileName: "talk.mp4", fileUrl: "https://cdn.example.com/talk.mp4", fileSize: 1234, duration: "12:05", thumbImage: "aGVsbG8=" };
      const fails = async (patch: Record<string, unknown>) => onlyError(await gql(server, DATA, { input: { ...input, ...patch } }, { token: me.token })).extensions;
      expect(await fails({ fileUrl: "javascript:alert(1)" })).toMatchObject({ code: "BAD_USER_INPUT", field: "input.fileUrl" });
      expect(await fails({ fileUrl: "ftp://example.com/a.mp4" })).toMatchObject({ field: "input.fileUrl" });
      expect(await fails({ duration: null })).toMatchObject({ code: "BAD_USER_INPUT", field: "input.duration" });
      expect(await fails({ msgType: "AUDIO", duration: null })).toMatchObject({ field: "input.duration" });
      expect(await fails({ thumbImage: null })).toMatchObject({ code: "BAD_USER_INPUT", field: "input.thumbImage" });
      expect(await fails({ fileSize: -1 })).toMatchObject({ field: "input.fileSize" });
      expect(await fails({ fileName: "" })).toMatchObject({ field: "input.fileName" });

      const { sendMediaMessageData } = await ok(server, DATA, { input }, { token: me.token });
      expect(sendMediaMessageData).toMatchObject({
        type: "VIDEO",
        media: { fileToken: null, url: input.fileUrl, fileName: "talk.mp4", fileSize: 1234, duration: "12:05", thumbImage: "aGVsbG8=" },
      });
      const image = await ok(server, DATA, { input: { toJid: you.jid, msgType: "IMAGE", fileName: "x.jpg", fileUrl: "http://example.com/x.jpg", fileSize: 10 } }, { token: me.token });
      expect(image.sendMediaMessageData.media).toMatchObject({ duration: null, thumbImage: null });
    });
  });

  it("media pages: the 3 newest media messages, then 10 older at a time, without text messages", async () => {
    const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
    const image = await upload(server, me, await png(8, 8), "p.png");
    const sent: string[] = [];
    for (let i = 0; i < 15; i++) {
      await sendText(server, me, you, `text ${i}`);
      sent.push((await sendFile(me, you, "IMAGE", image.fileToken, { caption: `#${i}` })).id);
    }
    await sendText(server, you, me, "newest is text");
    const page = async (last: string | null) => ((await ok(server, PAGE, { jid: you.jid, last }, { token: me.token })).mediaMessages as { id: string; type: string }[]).map((m) => m.id);
    const newestFirst = [...sent].reverse();
    const first = await page(null);
    expect(first).toEqual(newestFirst.slice(0, 3));
    const second = await page(first.at(-1)!);
    expect(second).toEqual(newestFirst.slice(3, 13));
    expect(await page(second.at(-1)!)).toEqual(newestFirst.slice(13, 15));
    // The recipient sees the same pages.
    expect((await ok(server, PAGE, { jid: me.jid, last: null }, { token: you.token })).mediaMessages.map((m: { id: string }) => m.id)).toEqual(first);
    const error = onlyError(await gql(server, PAGE, { jid: you.jid, last: "unknown-id" }, { token: me.token }));
    expect(error.extensions).toMatchObject({ code: "NOT_FOUND", field: "lastMessageId" });
  });

  describe("profile and group images", () => {
    it("a profile picture from an upload is public, and deleting it removes its file", async () => {
      const [me, anyone] = await Promise.all([registerUser(server), registerUser(server)]);
      const bytes = await png(32, 32);
      const uploaded = await upload(server, me, bytes, "me.png");
      const { setUserProfile } = await ok(server, `mutation($t: String!) { setUserProfile(input: { imageFileToken: $t }) { image } }`, { t: uploaded.fileToken }, { token: me.token });
      expect(setUserProfile.image).toBe(`/media/${uploaded.fileToken}`);
      const { userProfiles } = await ok(server, `query($j: [ID!]!) { userProfiles(jids: $j) { image } }`, { j: [me.jid] }, { token: anyone.token });
      expect(userProfiles[0].image).toBe(setUserProfile.image);
      const direct = await fetch(new URL(setUserProfile.image, server.url));
      expect(direct.status).toBe(200);
      expect(Buffer.from(await direct.arrayBuffer()).equals(bytes)).toBe(true);
      expect((await download(server, anyone, uploaded.fileToken)).bytes.equals(bytes)).toBe(true);

      const { deleteUserProfilePicture } = await ok(server, `mutation { deleteUserProfilePicture { image } }`, {}, { token: me.token });
      expect(deleteUserProfilePicture.image).toBeNull();
      expect((await fetch(new URL(setUserProfile.image, server.url))).status).toBe(403);
      expect(onlyError(await gql(server, DOWNLOAD, { t: uploaded.fileToken }, { token: me.token })).extensions?.code).toBe("FORBIDDEN");
    });

    it("a profile picture also sent in a message keeps its file when the picture is deleted", async () => {
      const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
      const uploaded = await upload(server, me, await png(), "shared.png");
      await ok(server, `mutation($t: String!) { setUserProfile(input: { imageFileToken: $t }) { image } }`, { t: uploaded.fileToken }, { token: me.token });
      await sendFile(me, you, "IMAGE", uploaded.fileToken);
      await ok(server, `mutation { deleteUserProfilePicture { image } }`, {}, { token: me.token });
      expect((await download(server, you, uploaded.fileToken)).response.status).toBe(200);
    });

    it("refuses a non-image or someone else's upload as a picture", async () => {
      const [me, you] = await Promise.all([registerUser(server), registerUser(server)]);
      const audio = await upload(server, me, wav(1), "a.wav");
      const theirs = await upload(server, you, await png(), "t.png");
      for (const t of [audio.fileToken, theirs.fileToken]) {
        const error = onlyError(await gql(server, `mutation($t: String!) { setUserProfile(input: { imageFileToken: $t }) { image } }`, { t }, { token: me.token }));
        expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.imageFileToken" });
      }
    });

    it("createGroup and setGroupProfile take an uploaded image; a replaced or deleted group's image file goes", async () => {
      const [me, member, outsider] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
      const first = await upload(server, me, await png(), "g1.png");
      const { createGroup } = await ok(
        server,
        `mutation($p: [ID!]!, $t: String) { createGroup(name: "pics", participantJids: $p, imageFileToken: $t) { jid image } }`,
        { p: [member.jid], t: first.fileToken },
        { token: me.token },
      );
      expect(createGroup.image).toBe(`/media/${first.fileToken}`);
      expect((await download(server, outsider, first.fileToken)).response.status).toBe(200);
      const second = await upload(server, me, await png(16, 16), "g2.png");
      const { setGroupProfile } = await ok(
        server,
        `mutation($g: ID!, $t: String) { setGroupProfile(groupJid: $g, imageFileToken: $t) { image } }`,
        { g: createGroup.jid, t: second.fileToken },
        { token: me.token },
      );
      expect(setGroupProfile.image).toBe(`/media/${second.fileToken}`);
      // The replaced image was used by nothing else: its file is gone.
      expect((await fetch(new URL(createGroup.image, server.url))).status).toBe(403);
      expect(onlyError(await gql(server, DOWNLOAD, { t: first.fileToken }, { token: me.token })).extensions?.code).toBe("FORBIDDEN");

      await ok(server, `mutation($g: ID!) { userDeleteGroup(groupJid: $g) }`, { g: createGroup.jid }, { token: me.token });
      expect((await fetch(new URL(setGroupProfile.image, server.url))).status).toBe(403);
      expect(onlyError(await gql(server, DOWNLOAD, { t: second.fileToken }, { token: me.token })).extensions?.code).toBe("FORBIDDEN");
    });
  });

  it("plan switches: each attachment kind and media pages can be switched off", async () => {
    const off = await startServer({ FEATURES: "groupChat,audioAttachment,videoAttachment,documentAttachment" });
    const [me, you] = await Promise.all([registerUser(off), registerUser(off)]);
    const image = await upload(off, me, await png(), "p.png");
    const refused = onlyError(await gql(off, sendMutation("IMAGE"), { input: { toJid: you.jid, fileToken: image.fileToken } }, { token: me.token }));
    expect(refused.extensions).toMatchObject({ code: "FEATURE_UNAVAILABLE", statusCode: 403, feature: "imageAttachment" });
    const external = onlyError(
      await gql(off, DATA, { input: { toJid: you.jid, msgType: "IMAGE", fileName: "x.png", fileUrl: "https://example.com/x.png", fileSize: 1 } }, { token: me.token }),
    );
    expect(external.extensions).toMatchObject({ code: "FEATURE_UNAVAILABLE", feature: "imageAttachment" });
    expect(onlyError(await gql(off, PAGE, { jid: you.jid }, { token: me.token })).extensions).toMatchObject({ code: "FEATURE_UNAVAILABLE", feature: "mediaMessages" });
    const audio = await upload(off, me, wav(1), "a.wav");
    expect((await ok(off, sendMutation("AUDIO"), { input: { toJid: you.jid, fileToken: audio.fileToken } }, { token: me.token })).sendAudioMessage.type).toBe("AUDIO");

    const none = await startServer({ FEATURES: "groupChat,mediaMessages" });
    const [a, b] = await Promise.all([registerUser(none), registerUser(none)]);
    for (const [kind, feature, bytes, name] of [
      ["AUDIO", "audioAttachment", wav(1), "a.wav"],
      ["VIDEO", "videoAttachment", mp4(1), "v.mp4"],
      ["FILE", "documentAttachment", pdf(), "d.pdf"],
    ] as const) {
      const uploaded = await upload(none, a, bytes, name);
      const error = onlyError(await gql(none, sendMutation(kind), { input: { toJid: b.jid, fileToken: uploaded.fileToken } }, { token: a.token }));
      expect(error.extensions).toMatchObject({ code: "FEATURE_UNAVAILABLE", feature });
    }
  });
});

// Uploads that no message, profile or group takes expire after MEDIA_UNUSED_TTL_SECONDS (sending
// them is refused from then on) and are removed, row and bytes, by a periodic sweep a grace period
// later. Files in use stay, however old.
describe("uploads never used", () => {
  const filesUnder = (dir: string): string[] =>
    existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)) : [];

  it("expire after MEDIA_UNUSED_TTL_SECONDS and are swept with their bytes; files in use stay", async () => {
    const server = await startServer({ MEDIA_UNUSED_TTL_SECONDS: "2" });
    const [me, friend] = await Promise.all([registerUser(server), registerUser(server)]);
    const [sent, avatar, forgotten] = await Promise.all([
      upload(server, me, await png(32, 32, true), "sent.png"),
      upload(server, me, await png(40, 40, true), "avatar.png"),
      upload(server, me, await png(48, 48, true), "forgotten.png"),
    ]);
    await ok(server, sendMutation("IMAGE"), { input: { toJid: friend.jid, fileToken: sent.fileToken } }, { token: me.token });
    await ok(server, `mutation($t: String!) { setUserProfile(input: { imageFileToken: $t }) { image } }`, { t: avatar.fileToken }, { token: me.token });
    const media = join(server.dataDir, "media");
    expect(filesUnder(media)).toHaveLength(3);

    // Past the TTL: the unused upload can no longer be sent (the sweep waits a grace period more).
    await new Promise((r) => setTimeout(r, 2200));
    const expired = onlyError(await gql(server, sendMutation("IMAGE"), { input: { toJid: friend.jid, fileToken: forgotten.fileToken } }, { token: me.token }));
    expect(expired.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.fileToken" });
    expect(expired.message).toMatch(/expired/);
    // A file already in use may be sent again whatever its age.
    await ok(server, sendMutation("IMAGE"), { input: { toJid: friend.jid, fileToken: sent.fileToken } }, { token: me.token });

    await expect
      .poll(async () => onlyError(await gql(server, DOWNLOAD, { t: forgotten.fileToken }, { token: me.token })).extensions?.code, { timeout: 8000, interval: 250 })
      .toBe("FORBIDDEN");
    // The sweep removes the row, then the bytes: the download is refused a moment before the file goes.
    await expect.poll(() => filesUnder(media).length).toBe(2);
    for (const [file, viewer] of [[sent, friend], [avatar, friend]] as const) {
      const { response, bytes } = await download(server, viewer, file.fileToken);
      expect(response.status).toBe(200);
      expect(bytes.length).toBe(file.fileSize);
    }
  });
});
