// Session tokens: HS256 JWTs signed with jose. The secret is JWT_SECRET, or in embedded mode one
// generated on first start and kept in DATA_DIR.
import { hash, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { Config } from "../config.js";

const ISSUER = "parley";
const ALGORITHM = "HS256";

export interface TokenClaims {
  userId: number;
  username: string;
  jti: string;
  expiresAt: Date;
  /** The user's token generation when it was issued (tokens from before generations: 0). */
  generation: number;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: "expired" | "invalid") {
    super(reason === "expired" ? "token expired" : "invalid token");
  }
}

/** Verified tokens remembered, at most; past it the memory starts over. */
const VERIFIED_LIMIT = 100_000;

/**
 * Tokens whose signature was verified, with their claims: a client sends the same token with
 * every request, and its signature need not be checked again. Expiry is still checked every time.
 * Kept by the token's SHA-256, not the token: a socket's token is remembered for as long as it is
 * open, and the digest is a fifth of its size (the token kept would also keep the whole header or
 * connectionParams string it was cut from).
 */
export class VerifiedTokens<C extends { expiresAt: Date }> {
  private readonly verified = new Map<string, C>();

  async get(token: string, verify: (token: string) => Promise<C>): Promise<C> {
    const key = hash("sha256", token, "base64");
    const known = this.verified.get(key);
    if (known) {
      if (known.expiresAt.getTime() > Date.now()) return known;
      this.verified.delete(key);
      throw new InvalidTokenError("expired");
    }
    const claims = await verify(token);
    if (this.verified.size >= VERIFIED_LIMIT) this.verified.clear();
    this.verified.set(key, claims);
    return claims;
  }
}

export class TokenSigner {
  private readonly verified = new VerifiedTokens<TokenClaims>();

  constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds: number,
  ) {}

  /** A token for the user, valid for ttlSeconds (the configured lifetime by default). */
  async sign(
    user: { id: number; username: string; tokenGeneration: number },
    ttlSeconds = this.ttlSeconds,
  ): Promise<{ token: string; claims: TokenClaims }> {
    const { id: userId, username, tokenGeneration: generation } = user;
    const jti = randomUUID();
    const expiresAt = new Date(Math.floor(Date.now() / 1000 + ttlSeconds) * 1000);
    const token = await new SignJWT({ username, gen: generation })
      .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
      .setIssuer(ISSUER)
      .setSubject(String(userId))
      .setJti(jti)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { token, claims: { userId, username, jti, expiresAt, generation } };
  }

  verify(token: string): Promise<TokenClaims> {
    return this.verified.get(token, (t) => this.check(t));
  }

  private async check(token: string): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: [ALGORITHM] });
      const userId = Number(payload.sub);
      const generation = payload.gen ?? 0;
      if (
        !Number.isSafeInteger(userId) ||
        typeof payload.jti !== "string" ||
        typeof payload.username !== "string" ||
        !payload.exp ||
        !Number.isSafeInteger(generation)
      ) {
        throw new InvalidTokenError("invalid");
      }
      return { userId, username: payload.username, jti: payload.jti, expiresAt: new Date(payload.exp * 1000), generation: generation as number };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError("expired");
      if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError("invalid");
      throw error;
    }
  }
}

/** JWT_SECRET, or (embedded mode only; config enforces it) the secret kept in DATA_DIR. */
export function loadSigningKey(config: Config): Uint8Array {
  if (config.jwtSecret) return new TextEncoder().encode(config.jwtSecret);
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, "jwt-secret");
  try {
    return new TextEncoder().encode(readFileSync(file, "utf8").trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secret = randomBytes(48).toString("base64url");
  try {
    writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return new TextEncoder().encode(readFileSync(file, "utf8").trim());
  }
  return new TextEncoder().encode(secret);
}
