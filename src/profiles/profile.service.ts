// Profile rules: reading profiles (private fields for the owner only), patching one's own, and
// telling the owner and their contacts when it changed.
import { type EntityManager, type FindOptionsWhere, In } from "typeorm";
import type { Logger } from "pino";
import type { Database } from "../db/database.js";
import { badInput } from "../graphql/errors.js";
import type { Viewer } from "../identity/identity.types.js";
import type { Jids } from "../identity/jid.js";
import type { MediaStore } from "../media/media-store.js";
import type { PubSub } from "../realtime/pubsub.js";
import type { SyncLog } from "../realtime/sync-log.js";
import { WatchedCache } from "../realtime/watched-cache.js";
import { type ProfilePayload, topics } from "../realtime/topics.js";
import { Profile } from "./profile.entity.js";
import type { ProfileInput } from "./profile.input.js";
import type { PresenceService } from "./presence.service.js";
import { toUserProfile, type UserProfile } from "./profile.types.js";

export const MAX_PROFILE_BATCH = 100;
export const MAX_CONTACTS_PAGE = 1000;

/** Fields of ProfileInput copied as they are: undefined keeps, null clears. */
const PLAIN_FIELDS = [
  "nickname",
  "status",
  "mobileNumber",
  "email",
  "birthday",
  "location",
  "language",
  "messageSettings",
  "level",
  "role",
] as const;

export type ContactOrder = "NAME" | "RECENT";

/**
 * Who someone's contacts are: the users sharing a one-to-one chat or a group with them, which the
 * message core knows. Implemented above profiles (chats/contact.service.ts), handed in by app.ts.
 */
export interface Contacts {
  /** The user's contacts, by nickname then username (NAME) or latest conversation first (RECENT). */
  contactIds(userId: number, order: ContactOrder, limit: number): Promise<number[]>;
  /** Everyone who sees the user's profile changes: whoever has them as a contact. */
  watcherIds(userId: number): Promise<number[]>;
}

export class ProfileService {
  /** userId → allowType, remembered while changes are heard. */
  private readonly allowTypes: WatchedCache<number, Profile["allowType"]>;

  constructor(
    private readonly db: Database,
    private readonly pubsub: PubSub,
    private readonly presence: PresenceService,
    private readonly contacts: Contacts,
    private readonly jids: Jids,
    private readonly customFieldKeys: readonly string[],
    private readonly media: MediaStore,
    private readonly log: Pick<Logger, "warn">,
    private readonly sync: SyncLog,
  ) {
    this.allowTypes = new WatchedCache(pubsub);
  }

  /** Creates the user's profile if missing (inside the caller's transaction); returns isProfileUpdated. */
  async ensureProfile(em: EntityManager, userId: number): Promise<boolean> {
    await em
      .createQueryBuilder()
      .insert()
      .into(Profile)
      .values({ userId, customFields: {}, updatedAt: new Date() })
      .orIgnore()
      .execute();
    const profile = await em.findOneByOrFail(Profile, { userId });
    return profile.isProfileUpdated;
  }

  async myProfile(viewer: Viewer): Promise<UserProfile> {
    const [profile] = await this.viewsOf(viewer, await this.load({ userId: In([viewer.userId]) }));
    if (!profile) throw new Error(`profile of user ${viewer.userId} is missing`);
    return profile;
  }

  /** getUserProfile: at most MAX_PROFILE_BATCH jids. */
  async userProfiles(viewer: Viewer, jids: readonly string[]): Promise<UserProfile[]> {
    if (jids.length > MAX_PROFILE_BATCH) throw badInput("jids", `at most ${MAX_PROFILE_BATCH} jids per request, got ${jids.length}`);
    return this.profilesOf(viewer, jids);
  }

  /** Profiles of the given user jids, in the order given; jids of no user here are left out. */
  async profilesOf(viewer: Viewer, jids: readonly string[]): Promise<UserProfile[]> {
    const viewOf = await this.sharedViews(jids);
    return this.usernamesOf(jids)
      .map((u) => viewOf(viewer, this.jids.user(u)))
      .filter((p): p is UserProfile => p !== undefined);
  }

  /**
   * Profiles read once and shown to many viewers (a group's participants, to every subscriber of
   * one group event): each viewer gets the public view of the others and their own in full.
   */
  async sharedViews(jids: readonly string[]): Promise<(viewer: Pick<Viewer, "userId">, jid: string) => UserProfile | undefined> {
    const usernames = this.usernamesOf(jids);
    const profiles = usernames.length === 0 ? [] : await this.load({ user: { username: In(usernames) } });
    const online = await this.presence.online(profiles.map((p) => p.userId));
    const byJid = new Map(profiles.map((p) => [this.jids.user(p.user.username), p]));
    const shown = new Map([...byJid].map(([jid, p]) => [jid, toUserProfile(this.payload(p, online.has(p.userId), false))]));
    return (viewer, jid) => {
      const profile = byJid.get(jid);
      if (profile?.userId !== viewer.userId) return shown.get(jid);
      return toUserProfile(this.payload(profile, online.has(profile.userId), true));
    };
  }

  /** The viewer's contacts' profiles. */
  async contactProfiles(viewer: Viewer, order: ContactOrder, limit: number): Promise<UserProfile[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CONTACTS_PAGE) {
      throw badInput("limit", `must be between 1 and ${MAX_CONTACTS_PAGE}`);
    }
    const ids = await this.contacts.contactIds(viewer.userId, order, limit);
    if (ids.length === 0) return [];
    const byId = new Map((await this.load({ userId: In(ids) })).map((p) => [p.userId, p]));
    return this.viewsOf(
      viewer,
      ids.map((id) => byId.get(id)).filter((p): p is Profile => p !== undefined),
    );
  }

  /** Whom the user takes first messages from; asked on every one-to-one send, so remembered briefly. */
  async allowTypeOf(userId: number): Promise<Profile["allowType"]> {
    return this.allowTypes.get(userId, async () => {
      const profile = await this.db.repository(Profile).findOne({ select: { userId: true, allowType: true }, where: { userId } });
      return profile?.allowType ?? "ALLOW_ANY";
    });
  }

  /**
   * Hears allowType changes made by any process, so that allowTypeOf need not ask the database
   * on every send. Until this resolves, and after the returned function is called, it does.
   */
  async watchAllowTypes(): Promise<() => void> {
    return this.allowTypes.watch(topics.allowTypeChanged, ({ userId }) => userId);
  }

  async update(viewer: Viewer, input: ProfileInput): Promise<UserProfile> {
    this.checkCustomFields(input);
    if (input.imageUrl && input.imageFileToken) {
      throw badInput("input.imageFileToken", "give imageUrl or imageFileToken, not both");
    }
    const image = input.imageFileToken ? await this.media.own(viewer.userId, input.imageFileToken, "IMAGE", "input.imageFileToken") : null;
    let previousToken: string | null = null;
    const profile = await this.db.transaction(async (em) => {
      const current = await em.findOneOrFail(Profile, { where: { userId: viewer.userId }, relations: { user: true } });
      previousToken = current.imageFileToken;
      if (image) {
        current.imageUrl = null;
        current.imageFileToken = image.token;
      }
      for (const field of PLAIN_FIELDS) {
        const value = input[field];
        if (value !== undefined) (current[field] as unknown) = value;
      }
      if (input.gender !== undefined) current.gender = input.gender ?? "UNKNOWN";
      if (input.allowType !== undefined) current.allowType = input.allowType ?? "ALLOW_ANY";
      if (input.adminForbidType !== undefined) current.adminForbidType = input.adminForbidType ?? "NONE";
      if (input.imageUrl !== undefined) {
        current.imageUrl = input.imageUrl;
        current.imageFileToken = null;
      }
      if (input.customFields === null) current.customFields = {};
      for (const { key, value } of input.customFields ?? []) current.customFields = { ...current.customFields, [key]: value };
      current.isProfileUpdated = true;
      current.updatedAt = new Date();
      return em.save(current);
    });
    if (input.allowType !== undefined) {
      this.allowTypes.forget(viewer.userId);
      // Other processes re-read allowType within seconds anyway (WatchedCache): the news only speeds it up.
      await this.pubsub.publish(topics.allowTypeChanged, { userId: viewer.userId }).catch((err: unknown) => this.log.warn({ err }, "publishing an allowType change failed"));
    }
    if (previousToken !== profile.imageFileToken) await this.media.releaseIfUnused(previousToken);
    return this.changed(viewer, profile);
  }

  async deleteImage(viewer: Viewer): Promise<UserProfile> {
    let previousToken: string | null = null;
    const profile = await this.db.transaction(async (em) => {
      const current = await em.findOneOrFail(Profile, { where: { userId: viewer.userId }, relations: { user: true } });
      previousToken = current.imageFileToken;
      current.imageUrl = null;
      current.imageFileToken = null;
      current.updatedAt = new Date();
      return em.save(current);
    });
    // The picture's file goes too, unless a message, another profile or a group still uses it.
    await this.media.releaseIfUnused(previousToken);
    return this.changed(viewer, profile);
  }

  /** After a committed change: the owner gets their full profile, every contact the public one. */
  private async changed(viewer: Viewer, profile: Profile): Promise<UserProfile> {
    const isOnline = (await this.presence.online([profile.userId])).has(profile.userId);
    const own = this.payload(profile, isOnline, true);
    const shared = this.payload(profile, isOnline, false);
    const watchers = await this.contacts.watcherIds(profile.userId);
    // The contacts' sync streams keep that it changed; they read the profile as it is then.
    const body = { kind: "PROFILE" as const, profile: { userId: profile.userId, jid: own.jid } };
    await this.sync.append(watchers.map((userId) => ({ userId, body })));
    // One event for everyone; the owner's copy adds the private fields.
    const ownFields = { mobileNumber: own.mobileNumber, email: own.email };
    // The change is committed: a broker that is down loses the event, not the change (as for group events).
    await this.pubsub
      .publishToMany(shared, [
        { topic: topics.profileUpdated(profile.userId), patch: ownFields },
        ...watchers.map((id) => ({ topic: topics.profileUpdated(id) })),
      ])
      .catch((err: unknown) => this.log.warn({ err }, "publishing a profile change failed"));
    return toUserProfile(own);
  }

  private checkCustomFields(input: ProfileInput): void {
    input.customFields?.forEach(({ key }, i) => {
      if (!this.customFieldKeys.includes(key)) {
        const allowed = this.customFieldKeys.length ? `one of ${this.customFieldKeys.join(", ")}` : "none (PROFILE_CUSTOM_FIELDS is empty)";
        throw badInput(`input.customFields[${i}].key`, `"${key}" is not a custom field of this server; allowed: ${allowed}`);
      }
    });
  }

  /** The users these jids name, each once, in order. */
  private usernamesOf(jids: readonly string[]): string[] {
    return [...new Set(jids.map((j) => this.jids.parseUser(j)).filter((u): u is string => u !== null))];
  }

  private load(where: FindOptionsWhere<Profile>): Promise<Profile[]> {
    return this.db.repository(Profile).find({ where, relations: { user: true } });
  }

  private async viewsOf(viewer: Viewer, profiles: Profile[]): Promise<UserProfile[]> {
    const online = await this.presence.online(profiles.map((p) => p.userId));
    return profiles.map((p) => toUserProfile(this.payload(p, online.has(p.userId), p.userId === viewer.userId)));
  }

  private payload(p: Profile, isOnline: boolean, withPrivate: boolean): ProfilePayload {
    return {
      userId: p.userId,
      username: p.user.username,
      jid: this.jids.user(p.user.username),
      nickname: p.nickname,
      imageUrl: p.imageUrl,
      imageFileToken: p.imageFileToken,
      status: p.status,
      mobileNumber: withPrivate ? p.mobileNumber : null,
      email: withPrivate ? p.email : null,
      gender: p.gender,
      birthday: p.birthday,
      location: p.location,
      language: p.language,
      allowType: p.allowType,
      messageSettings: p.messageSettings,
      adminForbidType: p.adminForbidType,
      level: p.level,
      role: p.role,
      customFields: Object.entries(p.customFields ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => ({ key, value })),
      isOnline,
      lastSeenAt: p.lastSeenAt?.toISOString() ?? null,
      updatedAt: p.updatedAt.toISOString(),
    };
  }
}
