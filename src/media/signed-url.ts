// Short-lived download URLs: /media/<token>?expires=<unix seconds>&signature=<HMAC-SHA256>, keyed
// by a key derived from the server's token secret, so every process checks every other's.
import { createHmac, timingSafeEqual } from "node:crypto";

/** The path that serves a profile or group image to anyone, unsigned: those are public by design. */
export function publicImagePath(token: string): string {
  return `/media/${encodeURIComponent(token)}`;
}

export class MediaUrlSigner {
  private readonly key: Buffer;

  constructor(secret: Uint8Array, private readonly ttlSeconds: number) {
    // Its own key: a media signature must never pass as anything else the secret signs.
    this.key = createHmac("sha256", secret).update("parley media download urls").digest();
  }

  /** A path and query that serve the file until expiresAt. */
  sign(token: string, now = Date.now()): { path: string; expiresAt: Date } {
    const expires = Math.floor(now / 1000) + this.ttlSeconds;
    const signature = this.signature(token, expires);
    return { path: `/media/${encodeURIComponent(token)}?expires=${expires}&signature=${signature}`, expiresAt: new Date(expires * 1000) };
  }

  /** "valid", "expired" or "forged" for the query of a download request. */
  verify(token: string, expires: unknown, signature: unknown, now = Date.now()): "valid" | "expired" | "forged" {
    if (typeof expires !== "string" || !/^\d{1,12}$/.test(expires) || typeof signature !== "string") return "forged";
    const expected = Buffer.from(this.signature(token, Number(expires)));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "forged";
    return Number(expires) * 1000 <= now ? "expired" : "valid";
  }

  private signature(token: string, expires: number): string {
    return createHmac("sha256", this.key).update(`${token}\n${expires}`).digest("base64url");
  }
}
