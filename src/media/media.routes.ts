// The media HTTP door: POST /media (multipart upload, Bearer token) and GET /media/:token (a
// signed, short-lived URL from downloadMedia, or no signature for a profile or group image).
import type { Readable } from "node:stream";
import fastifyMultipart, { type Multipart, type MultipartFile } from "@fastify/multipart";
import { create as contentDisposition } from "content-disposition";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { GraphQLError } from "graphql";
import parseRange from "range-parser";
import { bearerToken } from "../graphql/context.js";
import type { IdentityService } from "../identity/identity.service.js";
import type { MediaRow } from "./media.entity.js";
import type { MediaStore } from "./media-store.js";
import { formatDuration } from "./probe.js";
import type { MediaUrlSigner } from "./signed-url.js";
import { UploadError, type Uploader } from "./upload.js";

/** Shown inline by a browser; everything else (documents, SVG, which can run scripts) is a download. */
const INLINE = /^(image\/(png|jpeg|gif)|audio\/|video\/)/;

export interface MediaRouteDeps {
  identity: IdentityService;
  uploader: Uploader;
  store: MediaStore;
  signer: MediaUrlSigner;
}

/** The door's error codes for statuses Fastify itself may answer with. */
const STATUS_CODES: Record<number, string> = { 400: "BAD_REQUEST", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE" };

function sendError(reply: FastifyReply, statusCode: number, code: string, message: string): FastifyReply {
  return reply.code(statusCode).type("application/json").send({ error: { code, statusCode, message } });
}

/**
 * Why a multipart form is refused, as the client can act on it: every error from reading the form
 * is the client's (a cut or malformed body, parts beyond the one file), so each is a 400.
 */
function formError(fastify: FastifyInstance, error: unknown): UploadError {
  const { FilesLimitError, FieldsLimitError, PartsLimitError } = fastify.multipartErrors;
  const refuse = (message: string) => new UploadError(400, "BAD_REQUEST", message);
  if (error instanceof UploadError) return error;
  if (error instanceof FilesLimitError) return refuse("send one file per upload");
  if (error instanceof FieldsLimitError || error instanceof PartsLimitError) return refuse("the form may hold the file part only, no other fields");
  const { code, message } = error as { code?: string; message?: string };
  // Busboy says "Part terminated early"; a file stream destroyed at the body's end says Premature close.
  if (code === "ERR_STREAM_PREMATURE_CLOSE" || /unexpected end/i.test(message ?? "")) return refuse("the multipart form ended before its closing boundary");
  return refuse(`the multipart form could not be read: ${message ?? String(error)}`);
}

/**
 * The one file of the form, its bytes as they arrive. The form must end after it: that is known
 * only once the file's bytes are read, so the end is checked as their last step, before the upload
 * keeps anything; a second file or a cut body fails the upload with formError.
 */
async function theOneFile(fastify: FastifyInstance, request: FastifyRequest): Promise<{ part: MultipartFile; bytes: AsyncIterable<Uint8Array> }> {
  const parts = request.parts();
  let first: IteratorResult<Multipart>;
  try {
    first = await parts.next();
  } catch (error) {
    throw formError(fastify, error);
  }
  if (first.done || first.value.type !== "file") throw new UploadError(400, "BAD_REQUEST", "no file part in the form");
  const part = first.value;
  const bytes = async function* (file: Readable): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of file) yield chunk as Buffer;
      if (!(await parts.next()).done) throw new UploadError(400, "BAD_REQUEST", "send one file per upload");
    } catch (error) {
      throw formError(fastify, error);
    }
  };
  return { part, bytes: bytes(part.file) };
}

/** The upload response: the file's facts, as the send mutations will carry them. */
export function uploadedFile(media: MediaRow) {
  return {
    fileToken: media.token,
    fileName: media.fileName,
    fileSize: media.size,
    mimeType: media.mimeType,
    width: media.width,
    height: media.height,
    duration: media.durationSeconds !== null ? formatDuration(media.durationSeconds) : null,
    thumbImage: media.thumbnail,
  };
}

export async function registerMediaRoutes(fastify: FastifyInstance, deps: MediaRouteDeps): Promise<void> {
  // Its own scope, so multipart parsing applies to /media only.
  await fastify.register(async (scope) => {
    await scope.register(fastifyMultipart, {
      // One byte past the largest limit, so that the per-kind check sees an oversize file as such.
      limits: { fileSize: deps.uploader.maxBytes + 1, files: 1, fields: 0, parts: 2, headerPairs: 100 },
    });

    // What Fastify refuses before a handler runs (a body that is no form, an unknown content
    // type), and anything unexpected, answers in the door's own shape too; internal errors are
    // logged with the request id and not shown.
    scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      const statusCode = error.statusCode ?? 500;
      if (statusCode < 500) return sendError(reply, statusCode, STATUS_CODES[statusCode] ?? "BAD_REQUEST", error.message);
      request.log.error({ err: error }, "media request failed");
      return sendError(reply, 500, "INTERNAL_SERVER_ERROR", "internal error");
    });

    scope.post("/media", async (request, reply) => {
      const token = bearerToken(request.headers.authorization);
      if (token === undefined) return sendError(reply, 401, "UNAUTHENTICATED", "authentication required: send Authorization: Bearer <token>");
      let viewer;
      try {
        viewer = await deps.identity.authenticate(token);
      } catch (error) {
        if (error instanceof GraphQLError) return sendError(reply, 401, "UNAUTHENTICATED", error.message);
        throw error;
      }
      if (!request.isMultipart()) return sendError(reply, 400, "BAD_REQUEST", "send the file as multipart/form-data");
      let part: MultipartFile | undefined;
      try {
        const file = await theOneFile(scope, request);
        part = file.part;
        const media = await deps.uploader.upload(viewer.userId, file.bytes, part.filename);
        return reply.send(uploadedFile(media));
      } catch (error) {
        // Read the rest, so that the client, still sending, gets the answer instead of a reset.
        part?.file.resume();
        if (error instanceof UploadError) return sendError(reply, error.statusCode, error.code, error.message);
        throw error;
      }
    });

    scope.get<{ Params: { token: string }; Querystring: { expires?: string; signature?: string } }>("/media/:token", async (request, reply) => {
      const { token } = request.params;
      const { expires, signature } = request.query;
      const signed = expires !== undefined || signature !== undefined;
      if (signed) {
        const verdict = deps.signer.verify(token, expires, signature);
        if (verdict !== "valid") return sendError(reply, 403, "FORBIDDEN", verdict === "expired" ? "this download URL has expired" : "invalid download URL");
      }
      const media = token.length <= 64 ? await deps.store.find(token) : null;
      if (!signed && !(media && (await deps.store.isPublicImage(media.token)))) {
        return sendError(reply, 403, "FORBIDDEN", "a download URL from downloadMedia is required");
      }
      if (!media) return sendError(reply, 404, "NOT_FOUND", "file not found");
      return serve(request.headers, reply, deps.store, media, signed ? Number(expires) : null);
    });
  });
}

async function serve(
  headers: Record<string, string | string[] | undefined>,
  reply: FastifyReply,
  store: MediaStore,
  media: MediaRow,
  expires: number | null,
): Promise<FastifyReply> {
  const etag = `"${media.sha256}"`;
  const inline = INLINE.test(media.mimeType);
  reply
    .header("content-type", media.mimeType.startsWith("text/") ? `${media.mimeType}; charset=utf-8` : media.mimeType)
    .header("content-disposition", contentDisposition(media.fileName, { type: inline ? "inline" : "attachment" }))
    .header("x-content-type-options", "nosniff")
    .header("content-security-policy", "default-src 'none'; sandbox")
    .header("accept-ranges", "bytes")
    .header("etag", etag)
    .header(
      "cache-control",
      expires === null ? "public, max-age=300" : `private, max-age=${Math.max(0, expires - Math.floor(Date.now() / 1000))}`,
    );
  if (headers["if-none-match"] === etag) return reply.code(304).send();

  const size = media.size;
  const rangeHeader = headers.range;
  const ifRange = headers["if-range"];
  if (typeof rangeHeader === "string" && (ifRange === undefined || ifRange === etag)) {
    const ranges = parseRange(size, rangeHeader, { combine: true });
    if (ranges === -1) {
      return reply.code(416).header("content-range", `bytes */${size}`).header("content-type", "application/json").send({
        error: { code: "RANGE_NOT_SATISFIABLE", statusCode: 416, message: `the file has ${size} bytes` },
      });
    }
    // Several ranges would need multipart/byteranges; a single one covers seeking, so only that is served partially.
    if (Array.isArray(ranges) && ranges.type === "bytes" && ranges.length === 1) {
      const { start, end } = ranges[0]!;
      reply.code(206).header("content-range", `bytes ${start}-${end}/${size}`).header("content-length", end - start + 1);
      return reply.send(await store.storage.get(media.storageKey, { start, end }));
    }
  }
  reply.header("content-length", size);
  if (size === 0) return reply.send("");
  return reply.send(await store.storage.get(media.storageKey));
}
