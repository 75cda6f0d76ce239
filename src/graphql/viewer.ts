// The caller of an operation as both doors and every resolver know it. Identity decides who a
// token belongs to (identity/identity.service.ts); the shape of the answer lives here, below
// every feature, so the doors and the context need no feature to name it.

/** What decides whether a token still holds: its own revocation, or all of its user's. */
export interface SessionKey {
  userId: number;
  jti: string;
  /** A Parley token's generation; null for a token of the app's own auth. */
  generation: number | null;
  /** A token of the app's own auth: when it was issued (iat), if it says. */
  issuedAt: Date | null;
}

/** The authenticated caller of an operation. */
export interface Viewer extends SessionKey {
  username: string;
  jid: string;
  expiresAt: Date;
}

/** What a request says about the app backend's credential (the x-api-key header). */
export type ServerAccess = "none" | "valid" | "invalid";

/** The messages of UNAUTHENTICATED for a token that is well-formed but no longer holds (the WebSocket door tells them apart). */
export const TOKEN_REFUSED = { expired: "token expired", revoked: "token revoked", invalid: "invalid token" } as const;
