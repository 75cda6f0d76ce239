// Tokens issued by the app's own auth system: JWTs signed with a public-key algorithm (RS256,
// ES256, …), verified with the configured public key (PEM) or JWKS file. A configured claim
// names the user; exp is required; issuer and audience are checked when configured.
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, jwtVerify } from "jose";
import { ConfigError, type ExternalAuthConfig } from "../config.js";
import { InvalidTokenError } from "./token.js";

export interface ExternalClaims {
  /** The app's user identifier, from the configured claim. */
  userIdentifier: string;
  /** Names this token in revocations (logout): a digest of the token, set apart from Parley's UUIDs. */
  jti: string;
  expiresAt: Date;
  /** When the token was issued (iat), if it says. */
  issuedAt: Date | null;
}

type VerificationKey = KeyObject | ReturnType<typeof createLocalJWKSet>;

export class ExternalTokenVerifier {
  private constructor(
    private readonly key: VerificationKey,
    private readonly config: ExternalAuthConfig,
  ) {}

  /** Reads the key; a key that cannot be read stops the start, naming its variable. */
  static create(config: ExternalAuthConfig): ExternalTokenVerifier {
    return new ExternalTokenVerifier(config.jwksFile ? readJwks(config.jwksFile) : readPublicKey(config.publicKey!), config);
  }

  async verify(token: string): Promise<ExternalClaims> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key as Parameters<typeof jwtVerify>[1], {
        // Public-key algorithms only: an HS256 token "signed" with the public key is refused here.
        algorithms: this.config.algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ["exp"],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError("expired");
      if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError("invalid");
      throw error;
    }
    const userIdentifier = payload[this.config.userClaim];
    if (typeof userIdentifier !== "string" || typeof payload.exp !== "number") throw new InvalidTokenError("invalid");
    return {
      userIdentifier,
      jti: `x:${createHash("sha256").update(token).digest("base64url")}`,
      expiresAt: new Date(payload.exp * 1000),
      issuedAt: typeof payload.iat === "number" ? new Date(payload.iat * 1000) : null,
    };
  }
}

function readPublicKey(value: string): KeyObject {
  // Inline PEM (newlines may come escaped as \n in an environment variable), or a file holding it.
  let pem = value.includes("-----BEGIN") ? value.replace(/\\n/g, "\n") : undefined;
  try {
    pem ??= readFileSync(value, "utf8");
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType === undefined) throw new Error("not a public key");
    return key;
  } catch (error) {
    throw new ConfigError([`AUTH_JWT_PUBLIC_KEY is not a readable PEM public key or file: ${(error as Error).message}`]);
  }
}

function readJwks(file: string): ReturnType<typeof createLocalJWKSet> {
  try {
    const jwks = JSON.parse(readFileSync(file, "utf8")) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error("no keys");
    return createLocalJWKSet(jwks);
  } catch (error) {
    throw new ConfigError([`AUTH_JWT_JWKS_FILE is not a readable JWKS file: ${(error as Error).message}`]);
  }
}
