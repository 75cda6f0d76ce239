// Identity rules: register (licence key, sandbox), connect, logout, and who a token belongs to.
import { timingSafeEqual, createHash } from "node:crypto";
import { LessThan } from "typeorm";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import { badInput, unauthenticated } from "../graphql/errors.js";
import type { ProfileService } from "../profiles/profile.service.js";
import type { PubSub } from "../realtime/pubsub.js";
import { WatchedCache } from "../realtime/watched-cache.js";
import { topics } from "../realtime/topics.js";
import type { Registration, Session, Viewer } from "./identity.types.js";
import { Jids, USERNAME_PATTERN } from "./jid.js";
import { generatePassword, hashPassword, UNMATCHABLE_HASH, verifyPassword } from "./password.js";
import { RevokedToken } from "./revoked-token.entity.js";
import { InvalidTokenError, type TokenSigner } from "./token.js";
import { User } from "./user.entity.js";

const sha256 = (s: string) => createHash("sha256").update(s).digest();

export class IdentityService {
  /** Whether a token (by jti) is revoked, remembered while revocations are heard. */
  private readonly revocations: WatchedCache<string, boolean>;

  constructor(
    private readonly db: Database,
    private readonly pubsub: PubSub,
    private readonly tokens: TokenSigner,
    private readonly jids: Jids,
    private readonly profiles: ProfileService,
    private readonly config: Pick<Config, "licenseKey" | "trialLicense">,
  ) {
    this.revocations = new WatchedCache(pubsub);
  }

  /** Creates the user, or rotates the password of an existing one; the password is returned only here. */
  async register(userIdentifier: string, licenseKey: string | undefined): Promise<Registration> {
    this.checkLicence(licenseKey);
    if (!USERNAME_PATTERN.test(userIdentifier)) {
      throw badInput("userIdentifier", "must be 1 to 64 letters (a-z, A-Z) or digits");
    }
    const username = Jids.username(userIdentifier);
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    const isSandbox = this.config.trialLicense;
    const isProfileUpdated = await this.db.transaction(async (em) => {
      await em
        .createQueryBuilder()
        .insert()
        .into(User)
        .values({ username, passwordHash, isSandbox })
        .orUpdate(["password_hash"], ["username"])
        .execute();
      const user = await em.findOneByOrFail(User, { username });
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
    const { token, claims } = await this.tokens.sign(user.id, user.username);
    return { token, userJid: this.jids.user(user.username), expiresAt: claims.expiresAt };
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
    await this.pubsub.publish(topics.sessionRevoked, { jti: viewer.jti, userId: viewer.userId });
    return true;
  }

  /**
   * Hears revocations made by any process, so that authenticate need not ask the database on
   * every request. Until this resolves, and after the returned function is called, it does.
   */
  async watchRevocations(): Promise<() => void> {
    return this.revocations.watch(topics.sessionRevoked, ({ jti }) => jti);
  }

  private isRevoked(jti: string): Promise<boolean> {
    return this.revocations.get(jti, () => this.db.repository(RevokedToken).existsBy({ jti }));
  }

  /** The viewer a bearer token stands for; UNAUTHENTICATED when it is forged, expired or revoked. */
  async authenticate(token: string): Promise<Viewer> {
    let claims;
    try {
      claims = await this.tokens.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthenticated(error.reason === "expired" ? "token expired" : "invalid token");
      throw error;
    }
    if (await this.isRevoked(claims.jti)) throw unauthenticated("token revoked");
    return {
      userId: claims.userId,
      username: claims.username,
      jid: this.jids.user(claims.username),
      jti: claims.jti,
      expiresAt: claims.expiresAt,
    };
  }

  private checkLicence(given: string | undefined): void {
    const expected = this.config.licenseKey;
    if (expected === undefined) return;
    // Compare digests so that neither length nor content leaks through timing.
    if (given === undefined || !timingSafeEqual(sha256(given), sha256(expected))) {
      throw unauthenticated("a valid licence key is required in the x-license-key header");
    }
  }
}
