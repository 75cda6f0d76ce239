// What an upload is, decided from its first bytes (never from its name or Content-Type), and the
// file name it is stored under. Pure functions: the upload path and unit tests share them.
import { fileTypeFromBuffer } from "file-type";
import type { MediaKind } from "./media.entity.js";

/** Bytes read before deciding; enough for file-type's signatures and an ID3 tag in front of an mp3. */
export const HEAD_BYTES = 64 * 1024;

export interface DetectedType {
  kind: MediaKind;
  mimeType: string;
  /** The extension the stored name gets. */
  ext: string;
  /** Decoded to pixels for width, height and a thumbnail. */
  raster: boolean;
  /** Plain text: every byte of the file must be UTF-8 text (checked while it streams). */
  text: boolean;
}

const BINARY: Record<string, Omit<DetectedType, "mimeType" | "ext" | "text">> = {
  "image/png": { kind: "IMAGE", raster: true },
  "image/jpeg": { kind: "IMAGE", raster: true },
  "image/gif": { kind: "IMAGE", raster: true },
  "audio/mpeg": { kind: "AUDIO", raster: false },
  "audio/wav": { kind: "AUDIO", raster: false },
  "video/mp4": { kind: "VIDEO", raster: false },
  "application/pdf": { kind: "FILE", raster: false },
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": { kind: "FILE", raster: false },
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { kind: "FILE", raster: false },
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": { kind: "FILE", raster: false },
};

/**
 * doc, xls and ppt share one container (OLE compound file) that the bytes identify but do not
 * tell apart; the name picks which of the three, and nothing else.
 */
const COMPOUND: Record<string, string> = {
  doc: "application/msword",
  xls: "application/vnd.ms-excel",
  ppt: "application/vnd.ms-powerpoint",
};

const SVG = /^\uFEFF?\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE\s+svg[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i;

/** The accepted type of a file starting with head, or null when it is none of them. */
export async function detectType(head: Uint8Array, fileName: string): Promise<DetectedType | null> {
  const ext = extensionOf(fileName);
  const found = await fileTypeFromBuffer(head);
  // XML is text to us: it is accepted only as SVG, below.
  if (found && found.mime !== "application/xml") {
    if (found.mime === "application/x-cfb") {
      const mimeType = COMPOUND[ext];
      return mimeType ? { kind: "FILE", mimeType, ext, raster: false, text: false } : null;
    }
    const known = BINARY[found.mime];
    return known ? { ...known, mimeType: found.mime, ext: found.ext, text: false } : null;
  }
  if (!isText(head)) return null;
  const text = new TextDecoder("utf-8").decode(head);
  // SVG is text that browsers run scripts in: accepted as an image, served only as a download.
  if (SVG.test(text)) return { kind: "IMAGE", mimeType: "image/svg+xml", ext: "svg", raster: false, text: true };
  if (ext === "csv") return { kind: "FILE", mimeType: "text/csv", ext: "csv", raster: false, text: true };
  return { kind: "FILE", mimeType: "text/plain", ext: "txt", raster: false, text: true };
}

/**
 * Text: valid UTF-8 with no control characters other than tab, line feed, form feed and carriage
 * return. A chunk may end inside a character, so a cut sequence at the very end is allowed.
 */
export function isText(bytes: Uint8Array, final = false): boolean {
  if (hasControlBytes(bytes)) return false;
  let end = bytes.length;
  if (!final) {
    // Drop an incomplete trailing sequence (at most 3 bytes) before checking.
    for (let i = 1; i <= Math.min(3, bytes.length); i++) {
      const b = bytes[bytes.length - i]!;
      if ((b & 0xc0) === 0x80) continue;
      if (b >= 0xc0) {
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        if (need > i) end = bytes.length - i;
      }
      break;
    }
  }
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/** Control characters that no text file has: all below 0x20 except tab, LF, FF and CR, and DEL. */
export function hasControlBytes(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) || b === 0x7f) return true;
  }
  return false;
}

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return dot > 0 ? fileName.slice(dot + 1).toLowerCase() : "";
}

const MAX_NAME = 200;

/**
 * The name a file is stored and served under: the last path segment only, without control or
 * reserved characters, never hidden, at most 200 characters, and with the extension of what the
 * bytes are (so a PNG named song.mp3 is served as song.png).
 */
export function sanitizeFileName(given: string | undefined, type: Pick<DetectedType, "ext">): string {
  const lastSegment = (given ?? "").normalize("NFC").split(/[/\\]/).pop() ?? "";
  let name = lastSegment
    .replace(/[\u0000-\u001f\u007f-\u009f"*:<>?|\u202a-\u202e\u2066-\u2069]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^[.\s]+/, "");
  const dot = name.lastIndexOf(".");
  let stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  const keepExt = ext === type.ext || (type.ext === "jpg" && ext === "jpeg");
  if (!stem || stem === "..") stem = "file";
  stem = [...stem].slice(0, MAX_NAME - type.ext.length - 6).join("").trim() || "file";
  name = `${stem}.${keepExt ? ext : type.ext}`;
  return name;
}
