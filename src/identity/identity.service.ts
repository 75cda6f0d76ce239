// Identity rules: register (registration mode, licence key, sandbox), connect, logout, what the
// app's backend may do with its server credential (re-key, mint, revoke all), and who a token
// belongs to (Parley's own tokens, or the app's own auth's).
import { createHash, timingSafeEqual } from "node:crypto";
import { decodeProtectedHeader } from "jose";
import { type EntityManager, In, LessThan } from "typeorm";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import { asDateOrNull } from "../db/values.js";
import { badInput, conflict, forbidden, notFound, unauthenticated } from "../graphql/errors.js";
import { type ServerAccess, TOKEN_REFUSED } from "../graphql/viewer.js";
import type { PubSub } from "../realtime/pubsub.js";
import { topics } from "../realtime/topics.js";
import { WatchedCache } from "../realtime/watched-cache.js";
import type { ExternalClaims, ExternalTokenVerifier } from "./external-token.js";
import type { Registration, Session, SessionKey, Viewer } from "./identity.types.js";
import { Jids, USERNAME_PATTERN } from "./jid.js";
import { generatePassword, hashPassword, UNMATCHABLE_HASH, verifyPassword } from "./password.js";
import { RevokedToken } from "./revoked-token.entity.js";
import { InvalidTokenError, type TokenSigner, VerifiedTokens } from "./token.js";
import { User } from "./user.entity.js";

const sha256 = (s: string) => createHash("sha256").update(s).digest();

/** Digests compared, so that neither length nor content leaks through timing. */
const sameSecret = (given: string, expected: string) => timingSafeEqual(sha256(given), sha256(expected));

/** What the caller of register brings: the licence key, and the server credential. */
export interface Credentials {
  licenseKey: string | undefined;
  server: ServerAccess;
}

/**
 * What a new user gets in the transaction that creates them, from the feature above identity that
 * keeps it (profiles: ProfileService, handed in by app.ts).
 */
export interface NewUserProfiles {
  /** Creates the user's profile unless they have one; returns its isProfileUpdated. */
  ensureProfile(em: EntityManager, userId: number): Promise<boolean>;
}

/** Token lifetimes the app's backend may choose for a minted token. */
const MINT_TTL = { min: 60, max: 365 * 24 * 3600 };
/** Sessions checked per statement by revokedAmong: at most 10,000 bound parameters, below PostgreSQL's and SQLite's limits. */
const SESSION_CHUNK = 5000;

export class IdentityService {
  /** Whether a token (by jti) is revoked, itself or with all of its user's, remembered while revocations are heard. */
  private readonly revocations: WatchedCache<string, boolean>;
  /** Tokens of the app's own auth already verified, with their user. */
  private readonly externalSessions = new VerifiedTokens<Omit<Viewer, "jid">>();

  constructor(
    private readonly db: Database,
    private readonly pubsub: PubSub,
    private readonly tokens: TokenSigner,
    private readonly jids: Jids,
    private readonly profiles: NewUserProfiles,
    private readonly config: Pick<Config, "licenseKey" | "trialLicense" | "registration" | "serverApiKey">,
    private readonly log: { warn(obj: object, msg: string): void },
    private readonly external: ExternalTokenVerifier | undefined,
  ) {
    this.revocations = new WatchedCache(pubsub);
  }

  /** Whether an x-api-key header carries the server credential. */
  serverAccess(apiKey: string | undefined): ServerAccess {
    if (apiKey === undefined) return "none";
    return this.config.serverApiKey !== undefined && sameSecret(apiKey, this.config.serverApiKey) ? "valid" : "invalid";
  }

  /** UNAUTHENTICATED unless the request carries the server credential; says nothing of any user. */
  requireServer(server: ServerAccess): void {
    if (server !== "valid") throw unauthenticated("a valid server API key is required in the x-api-key header");
  }

  /**
   * Creates a user and returns their generated password, once. Only the app's backend (server
   * credential) may re-key an existing user; for anyone else an existing identifier is a CONFLICT
   * and nothing changes.
   */
  async register(userIdentifier: string, credentials: Credentials): Promise<Registration> {
    const asServer = credentials.server !== "none";
    if (asServer) this.requireServer(credentials.server);
    else if (this.config.registration === "server") throw forbidden("users are registered by the app's backend only (server API key)");
    else if (this.config.registration === "licence") this.checkLicence(credentials.licenseKey);
    const username = this.usernameOf(userIdentifier);
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    const isSandbox = this.config.trialLicense;
    const isProfileUpdated = await this.db.transaction(async (em) => {
      const insert = em.createQueryBuilder().insert().into(User).values({ username, passwordHash, isSandbox });
      await (asServer ? insert.orUpdate(["password_hash"], ["username"]) : insert.orIgnore()).execute();
      const user = await em.findOneByOrFail(User, { username });
      // The hash has a fresh salt: any other one is an existing user's, left as it was.
      if (user.passwordHash !== passwordHash) {
        throw conflict("userIdentifier: a user with this identifier exists; only the app's backend may re-key it", "userIdentifier");
      }
      return this.profiles.ensureProfile(em, user.id);
    });
    return { username, password, userJid: this.jids.user(username), isProfileUpdated, isSandbox };
  }

  async connect(username: string, password: string): Promise<Session> {
    const user = USERNAME_PATTERN.test(username)
      ? await this.db.repository(User).findOneBy({ username: Jids.username(username) })
      : null;
    // An unknown user costs the same scrypt as a known one: timing does not tell who exists.
    const matches = await verifyPassword(password, user?.passwordHash ?? UNMATCHABLE_HASH);
    if (!user || !matches) throw unauthenticated("invalid username or password");
    return this.session(user);
  }

  /** The app's backend: a token for the user, created on first use, valid for expiresInSeconds. */
  async mintToken(server: ServerAccess, userIdentifier: string, expiresInSeconds: number | undefined): Promise<Session> {
    this.requireServer(server);
    if (expiresInSeconds !== undefined && (!Number.isInteger(expiresInSeconds) || expiresInSeconds < MINT_TTL.min || expiresInSeconds > MINT_TTL.max)) {
      throw badInput("expiresInSeconds", `must be a whole number of seconds from ${MINT_TTL.min} to ${MINT_TTL.max}`);
    }
    const user = await this.ensureUser(this.usernameOf(userIdentifier));
    return this.session(user, expiresInSeconds);
  }

  /** The app's backend: every token of the user stops working, and their sockets close, on every process. */
  async revokeAllTokens(server: ServerAccess, userIdentifier: string): Promise<boolean> {
    this.requireServer(server);
    const username = this.usernameOf(userIdentifier);
    const user = await this.db.transaction(async (em) => {
      const found = await em.findOneBy(User, { username });
      if (!found) throw notFound(`user ${username}`);
      await em
        .createQueryBuilder()
        .update(User)
        .set({ tokenGeneration: () => "token_generation + 1", tokensRevokedAt: new Date() })
        .where({ id: found.id })
        .execute();
      return found;
    });
    this.revocations.forgetAll();
    this.announceRevocation(null, user.id);
    return true;
  }

  /** Revokes the caller's token on every process: its sockets are closed wherever they are. */
  async logout(viewer: Viewer): Promise<boolean> {
    await this.db.transaction(async (em) => {
      await em
        .createQueryBuilder()
        .insert()
        .into(RevokedToken)
        .values({ jti: viewer.jti, userId: viewer.userId, expiresAt: viewer.expiresAt })
        .orIgnore()
        .execute();
      // Revocations of expired tokens prove nothing any more.
      await em.delete(RevokedToken, { expiresAt: LessThan(new Date()) });
    });
    this.revocations.forget(viewer.jti);
    this.announceRevocation(viewer.jti, viewer.userId);
    return true;
  }

  /**
   * The revocation is stored: the broker only speeds up the news (every process re-checks its
   * sockets on a period, and remembers a token's state for a short while only), so a broker that
   * is down does not fail the revocation.
   */
  private announceRevocation(jti: string | null, userId: number): void {
    this.pubsub.publish(topics.sessionRevoked, { jti, userId }).catch((err: unknown) => {
      this.log.warn({ err, userId }, "revocation stored but not announced; processes notice it on their next re-check");
    });
  }

  /**
   * Hears revocations made by any process, so that authenticate need not ask the database on
   * every request. Until this resolves, and after the returned function is called, it does.
   */
  async watchRevocations(): Promise<() => void> {
    return this.revocations.watch(topics.sessionRevoked, ({ jti }) => jti ?? undefined);
  }

  /** The viewer a bearer token stands for; UNAUTHENTICATED when it is forged, expired or revoked. */
  async authenticate(token: string): Promise<Viewer> {
    let session: Omit<Viewer, "jid">;
    try {
      session = this.external && !isParleyToken(token) ? await this.externalSessions.get(token, (t) => this.externalSession(t)) : await this.parleySession(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthenticated(TOKEN_REFUSED[error.reason]);
      throw error;
    }
    const revoked = await this.revocations.get(session.jti, async () => (await this.revokedAmong([session])).has(session.jti));
    if (revoked) throw unauthenticated(TOKEN_REFUSED.revoked);
    // Written out rather than spread: a socket keeps its viewer for its life, and V8 gives each
    // object spread from this session a hidden class of its own (about 0.3 KB a viewer).
    const { userId, username, jti, expiresAt, generation, issuedAt } = session;
    return { userId, username, jti, expiresAt, generation, issuedAt, jid: this.jids.user(username) };
  }

  /**
   * The jtis among these sessions that no longer hold: revoked themselves (logout), or all of
   * their user's (revokeUserTokens). One statement per 5,000 sessions.
   */
  async revokedAmong(sessions: readonly SessionKey[]): Promise<Set<string>> {
    const revoked = new Set<string>();
    for (let i = 0; i < sessions.length; i += SESSION_CHUNK) {
      const chunk = sessions.slice(i, i + SESSION_CHUNK);
      const rows: { id: unknown; generation: unknown; revokedAt: unknown; jti: unknown }[] = await this.db.manager
        .createQueryBuilder(User, "u")
        .leftJoin(RevokedToken, "r", "r.userId = u.id AND r.jti IN (:...jtis)", { jtis: chunk.map((s) => s.jti) })
        .select("u.id", "id")
        .addSelect("u.tokenGeneration", "generation")
        .addSelect("u.tokensRevokedAt", "revokedAt")
        .addSelect("r.jti", "jti")
        .where({ id: In([...new Set(chunk.map((s) => s.userId))]) })
        .getRawMany();
      const users = new Map(rows.map((r) => [Number(r.id), { generation: Number(r.generation), revokedAt: asDateOrNull(r.revokedAt) }]));
      const revokedJtis = new Set(rows.map((r) => r.jti).filter((j): j is string => typeof j === "string"));
      for (const session of chunk) {
        const user = users.get(session.userId);
        if (!user || revokedJtis.has(session.jti) || allRevoked(session, user)) revoked.add(session.jti);
      }
    }
    return revoked;
  }

  private async parleySession(token: string): Promise<Omit<Viewer, "jid">> {
    const claims = await this.tokens.verify(token);
    return { userId: claims.userId, username: claims.username, jti: claims.jti, expiresAt: claims.expiresAt, generation: claims.generation, issuedAt: null };
  }

  /** A token of the app's own auth; its user is created on first sight. */
  private async externalSession(token: string): Promise<Omit<Viewer, "jid">> {
    const claims: ExternalClaims = await this.external!.verify(token);
    if (!USERNAME_PATTERN.test(claims.userIdentifier)) throw new InvalidTokenError("invalid");
    const user = await this.ensureUser(Jids.username(claims.userIdentifier));
    return { userId: user.id, username: user.username, jti: claims.jti, expiresAt: claims.expiresAt, generation: null, issuedAt: claims.issuedAt };
  }

  private async session(user: User, ttlSeconds?: number): Promise<Session> {
    const { token, claims } = await this.tokens.sign(user, ttlSeconds);
    return { token, userJid: this.jids.user(user.username), expiresAt: claims.expiresAt };
  }

  /** The user, created (with a password nobody is told, and a profile) if there is none yet. */
  private async ensureUser(username: string): Promise<User> {
    const existing = await this.db.repository(User).findOneBy({ username });
    if (existing) return existing;
    const passwordHash = await hashPassword(generatePassword());
    return this.db.transaction(async (em: EntityManager) => {
      await em.createQueryBuilder().insert().into(User).values({ username, passwordHash, isSandbox: this.config.trialLicense }).orIgnore().execute();
      const user = await em.findOneByOrFail(User, { username });
      await this.profiles.ensureProfile(em, user.id);
      return user;
    });
  }

  private usernameOf(userIdentifier: string): string {
    if (!USERNAME_PATTERN.test(userIdentifier)) throw badInput("userIdentifier", "must be 1 to 64 letters (a-z, A-Z) or digits");
    return Jids.username(userIdentifier);
  }

  private checkLicence(given: string | undefined): void {
    const expected = this.config.licenseKey;
    if (expected === undefined) return;
    if (given === undefined || !sameSecret(given, expected)) {
      throw unauthenticated("a valid licence key is required in the x-license-key header");
    }
  }
}

/** Parley signs with HS256; anything else is for the app's own auth's verifier. */
function isParleyToken(token: string): boolean {
  try {
    return decodeProtectedHeader(token).alg === "HS256";
  } catch {
    throw new InvalidTokenError("invalid");
  }
}

function allRevoked(session: SessionKey, user: { generation: number; revokedAt: Date | null }): boolean {
  if (session.generation !== null) return session.generation < user.generation;
  // A token of the app's own auth issued in the same second as the revocation counts as before it.
  return user.revokedAt !== null && (session.issuedAt === null || session.issuedAt.getTime() <= user.revokedAt.getTime());
}
