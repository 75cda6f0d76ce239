// Group rules: only participants see a group; only admins add, remove, promote, rename or
// delete; a group never loses its last admin while it has participants (the longest-standing
// participant is promoted) and is deleted when its last participant leaves. Every change is
// told to every participant, and once to whoever was removed or left.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { type EntityManager, In, IsNull } from "typeorm";
import { Chat } from "../messages/chat.entity.js";
import type { Database } from "../db/database.js";
import type { MediaStore } from "../media/media-store.js";
import { publicImagePath } from "../media/signed-url.js";
import { asDate } from "../db/values.js";
import { badInput, forbidden, notFound } from "../graphql/errors.js";
import type { Viewer } from "../identity/identity.types.js";
import type { Jids } from "../identity/jid.js";
import type { UserDirectory, UserRef } from "../identity/user-directory.js";
import { type Addressing, groupKey } from "../messages/addressing.js";
import type { MessageService } from "../messages/message.service.js";
import { Receipt } from "../messages/message.types.js";
import type { ProfileService } from "../profiles/profile.service.js";
import type { PubSub } from "../realtime/pubsub.js";
import type { SyncLog } from "../realtime/sync-log.js";
import { type GroupEventPayload, topics } from "../realtime/topics.js";
import { GroupParticipantRow, GroupRow } from "./group.entity.js";
import type { GroupStore } from "./group-store.js";
import type { GroupDirectory } from "./group-directory.js";
import { Group, GroupMessageInfo, Participant, type ParticipantRole } from "./group.types.js";

const URL = /^https?:\/\/\S+$/i;
/**
 * groups lists this many by default: a page of full groups (participants ≤ MAX_GROUP_SIZE each)
 * must fit the default query cost limit; a client listing more asks for them with fewer fields.
 */
export const DEFAULT_GROUPS_PAGE = 20;
export const MAX_GROUPS_PAGE = 1000;

export interface GroupProfileChange {
  name?: string | null;
  imageUrl?: string | null;
  imageFileToken?: string | null;
}

/** No user: whom the participants' public profiles are rendered for. */
const NOBODY = { userId: 0 };

/** A group as each viewer sees it, from one read; isMember: a current participant. */
type GroupViews = ((viewer: Viewer) => Group) & { isMember: (viewer: Viewer) => boolean };

export class GroupService {
  /** Group views read for one group event, shared by its subscribers (viewAfter). */
  private readonly eventViews = new WeakMap<object, Promise<GroupViews | null>>();

  constructor(
    private readonly db: Database,
    private readonly store: GroupStore,
    private readonly directory: GroupDirectory,
    private readonly addressing: Addressing,
    private readonly users: UserDirectory,
    private readonly profiles: ProfileService,
    private readonly messages: MessageService,
    private readonly pubsub: PubSub,
    private readonly jids: Jids,
    private readonly log: Logger,
    private readonly maxGroupSize: number,
    private readonly media: MediaStore,
    private readonly sync: SyncLog,
  ) {}

  async create(viewer: Viewer, name: string, participantJids: readonly string[], change: GroupProfileChange): Promise<Group> {
    const groupName = this.checkName(name, "name");
    const image = await this.checkImage(viewer, change);
    const invited = (await this.existingUsers(participantJids, "participantJids")).filter((u) => u.id !== viewer.userId);
    if (invited.length + 1 > this.maxGroupSize) {
      throw badInput("participantJids", `a group has at most ${this.maxGroupSize} participants, creator included`);
    }
    const id = randomUUID().replace(/-/g, "");
    const at = new Date();
    await this.db.transaction(async (em) => {
      await em.insert(GroupRow, { id, name: groupName, imageUrl: image?.imageUrl ?? null, imageFileToken: image?.imageFileToken ?? null, createdBy: viewer.userId, createdAt: at, deletedAt: null });
      await this.join(em, id, [{ userId: viewer.userId, role: "ADMIN", joinedAt: at }, ...invited.map((u) => ({ userId: u.id, role: "MEMBER" as const, joinedAt: new Date(at.getTime() + 1) }))]);
    });
    await this.tell(id, "CREATED", viewer, invited.map((u) => u.jid), []);
    return this.get(viewer, this.jids.group(id));
  }

  /** getGroupsList: the viewer's groups, newest first, at most limit. */
  async list(viewer: Viewer, limit: number): Promise<Group[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_GROUPS_PAGE) throw badInput("limit", `must be between 1 and ${MAX_GROUPS_PAGE}`);
    const mine = await this.db.repository(GroupParticipantRow).find({ where: { userId: viewer.userId, leftAt: IsNull() } });
    const groups = mine.length
      ? await this.db.repository(GroupRow).find({ where: { id: In(mine.map((m) => m.groupId)), deletedAt: IsNull() }, order: { createdAt: "DESC" }, take: limit })
      : [];
    const views = await this.viewsOfMany(groups);
    return groups.map((g) => views.get(g.id)!(viewer));
  }

  async get(viewer: Viewer, jid: string): Promise<Group> {
    const { group } = await this.access(viewer, jid, "jid");
    return this.view(viewer, group);
  }

  /**
   * The group as a participant sees it after an event, or null when they are no participant any
   * more (or it is gone). Every subscriber of one event shares one read of the group (keyed by
   * the event object, which they share): a change in a thousand-member group is a few queries,
   * not a few per member.
   */
  async viewAfter(event: object, viewer: Viewer, groupId: string): Promise<Group | null> {
    let views = this.eventViews.get(event);
    if (!views) this.eventViews.set(event, (views = this.viewsOf(groupId)));
    const render = await views;
    return render?.isMember(viewer) ? render(viewer) : null;
  }

  /** Each group as the viewer sees it, for those of which they are a participant (and that are not gone). */
  async viewsIfMember(viewer: Viewer, groupIds: readonly string[]): Promise<Map<string, Group>> {
    const views = await this.viewsOfMany(await this.directory.findMany(groupIds));
    return new Map([...views].filter(([, render]) => render.isMember(viewer)).map(([id, render]) => [id, render(viewer)]));
  }

  private async viewsOf(groupId: string): Promise<GroupViews | null> {
    const group = await this.directory.find(groupId);
    return group ? this.views(group) : null;
  }

  async participants(viewer: Viewer, jid: string): Promise<Participant[]> {
    return (await this.get(viewer, jid)).participants;
  }

  async setProfile(viewer: Viewer, jid: string, change: GroupProfileChange): Promise<Group> {
    const name = change.name == null ? undefined : this.checkName(change.name, "name");
    const image = await this.checkImage(viewer, change);
    const previousToken = await this.db.transaction(async (em) => {
      const { group } = await this.access(viewer, jid, "groupJid", em, true);
      const changes = { ...(name !== undefined ? { name } : {}), ...(image ?? {}) };
      // Nothing to change (no name, no image) is still an answer; TypeORM throws on an empty update.
      if (Object.keys(changes).length > 0) await em.update(GroupRow, { id: group.id }, changes);
      return group.imageFileToken;
    });
    if (image && previousToken !== image.imageFileToken) await this.media.releaseIfUnused(previousToken);
    const { group } = await this.access(viewer, jid, "groupJid");
    await this.tell(group.id, "PROFILE_UPDATED", viewer, [], []);
    return this.view(viewer, group);
  }

  async add(viewer: Viewer, jid: string, participantJids: readonly string[]): Promise<Group> {
    const users = await this.existingUsers(participantJids, "participantJids");
    const added = await this.db.transaction(async (em) => {
      const { group } = await this.access(viewer, jid, "groupJid", em, true);
      const current = new Set(await this.directory.memberIds(group.id, em));
      const fresh = users.filter((u) => !current.has(u.id));
      if (current.size + fresh.length > this.maxGroupSize) throw badInput("participantJids", `a group has at most ${this.maxGroupSize} participants`);
      const at = new Date();
      await this.join(em, group.id, fresh.map((u) => ({ userId: u.id, role: "MEMBER" as const, joinedAt: at })));
      return { group, fresh };
    });
    if (added.fresh.length > 0) await this.tell(added.group.id, "PARTICIPANT_ADDED", viewer, added.fresh.map((u) => u.jid), []);
    return this.view(viewer, added.group);
  }

  async remove(viewer: Viewer, jid: string, userJid: string): Promise<Group> {
    const [target] = await this.existingUsers([userJid], "userJid");
    if (target!.id === viewer.userId) throw badInput("userJid", "to leave a group yourself, use userExitGroup");
    const group = await this.db.transaction(async (em) => {
      const { group } = await this.access(viewer, jid, "groupJid", em, true);
      await this.leave(em, group.id, this.requireParticipant(await this.directory.participation(group.id, target!.id, em), target!));
      return group;
    });
    await this.tell(group.id, "PARTICIPANT_REMOVED", viewer, [target!.jid], [target!.id]);
    return this.view(viewer, group);
  }

  async makeAdmin(viewer: Viewer, jid: string, userJid: string): Promise<Group> {
    const [target] = await this.existingUsers([userJid], "userJid");
    const group = await this.db.transaction(async (em) => {
      const { group } = await this.access(viewer, jid, "groupJid", em, true);
      this.requireParticipant(await this.directory.participation(group.id, target!.id, em), target!);
      await em.update(GroupParticipantRow, { groupId: group.id, userId: target!.id }, { role: "ADMIN" });
      return group;
    });
    await this.tell(group.id, "ADMIN_GRANTED", viewer, [target!.jid], []);
    return this.view(viewer, group);
  }

  async exit(viewer: Viewer, jid: string): Promise<boolean> {
    const { group, deleted } = await this.db.transaction(async (em) => {
      const { group, me } = await this.access(viewer, jid, "groupJid", em);
      const deleted = await this.leave(em, group.id, me);
      return { group, deleted };
    });
    await this.tell(group.id, deleted ? "DELETED" : "PARTICIPANT_LEFT", viewer, [viewer.jid], [viewer.userId]);
    if (deleted) await this.media.releaseIfUnused(group.imageFileToken);
    return true;
  }

  async delete(viewer: Viewer, jid: string): Promise<boolean> {
    const { group, members } = await this.db.transaction(async (em) => {
      const { group } = await this.access(viewer, jid, "groupJid", em, true);
      const members = await this.directory.memberIds(group.id, em);
      const at = new Date();
      await em.update(GroupParticipantRow, { groupId: group.id, leftAt: IsNull() }, { leftAt: at });
      await em.update(GroupRow, { id: group.id }, { deletedAt: at });
      return { group, members };
    });
    await this.tell(group.id, "DELETED", viewer, [], members);
    // A deleted group's image goes with it, unless a message or a profile uses the file too.
    await this.media.releaseIfUnused(group.imageFileToken);
    return true;
  }

  async messageInfo(viewer: Viewer, groupJid: string, messageId: string): Promise<GroupMessageInfo> {
    const chat = await this.addressing.resolve(viewer, groupJid, "groupJid");
    if (chat.type !== "GROUPCHAT") throw badInput("groupJid", "must be a group jid");
    const { progress, receipts } = await this.messages.receiptsOf(viewer, chat, messageId);
    return Object.assign(new GroupMessageInfo(), {
      messageId,
      participantCount: progress.total,
      deliveredCount: progress.delivered,
      seenCount: progress.seen,
      receipts: receipts.map((r) => Object.assign(new Receipt(), { messageId, chatJid: chat.jid, ...r })),
    });
  }

  /**
   * The group and the viewer's participation; NOT_FOUND unless they take part now (outsiders
   * must not learn the group exists), FORBIDDEN for a member where an admin is needed. Inside a
   * transaction no other write changes the group until it ends (GroupStore.liveGroup), so rule
   * checks see a settled group.
   */
  private async access(viewer: Viewer, jid: string, field: string, em: EntityManager = this.db.manager, admin = false) {
    const groupId = this.jids.parseGroup(jid);
    if (groupId === null) throw badInput(field, `"${jid}" is not a group jid of this server (id@mix.${this.jids.domain})`);
    const group = await this.store.liveGroup(em, groupId);
    const me = group ? await this.directory.participation(group.id, viewer.userId, em) : null;
    if (!group || !me || me.leftAt !== null) throw notFound(`group ${jid}`);
    if (admin && me.role !== "ADMIN") throw forbidden("only the group's admins may do this");
    return { group, me };
  }

  private requireParticipant(row: GroupParticipantRow | null, user: UserRef): GroupParticipantRow {
    if (!row || row.leftAt !== null) throw badInput("userJid", `${user.jid} is not a participant of this group`);
    return row;
  }

  /** Adds (or brings back) participants and gives each a chat row for the group. */
  private async join(em: EntityManager, groupId: string, people: { userId: number; role: ParticipantRole; joinedAt: Date }[]): Promise<void> {
    if (people.length === 0) return;
    const returning = await em.findBy(GroupParticipantRow, { groupId, userId: In(people.map((p) => p.userId)) });
    const back = new Set(returning.map((r) => r.userId));
    for (const p of people.filter((p) => back.has(p.userId))) {
      await em.update(GroupParticipantRow, { groupId, userId: p.userId }, { role: p.role, joinedAt: p.joinedAt, leftAt: null });
    }
    const fresh = people.filter((p) => !back.has(p.userId)).map((p) => ({ groupId, ...p, leftAt: null }));
    for (let i = 0; i < fresh.length; i += 500) await em.insert(GroupParticipantRow, fresh.slice(i, i + 500));
    const jid = this.jids.group(groupId);
    const rows = people.map((p) => ({ ownerId: p.userId, jid, chatType: "GROUPCHAT" as const, chatKey: groupKey(groupId), peerUserId: null, updatedAt: p.joinedAt }));
    for (let i = 0; i < rows.length; i += 500) await em.createQueryBuilder().insert().into(Chat).values(rows.slice(i, i + 500)).orIgnore().execute();
  }

  /**
   * Takes a participant out. The last admin leaving hands admin to the longest-standing
   * participant; the last participant leaving deletes the group. Returns true when it did.
   */
  private async leave(em: EntityManager, groupId: string, who: GroupParticipantRow): Promise<boolean> {
    await em.update(GroupParticipantRow, { groupId, userId: who.userId }, { leftAt: new Date() });
    const rest = await this.directory.members(groupId, em);
    if (rest.length === 0) {
      await em.update(GroupRow, { id: groupId }, { deletedAt: new Date() });
      return true;
    }
    if (!rest.some((m) => m.role === "ADMIN")) await em.update(GroupParticipantRow, { groupId, userId: rest[0]!.userId }, { role: "ADMIN" });
    return false;
  }

  /** Publishes the event to every current participant and to the users who just left. */
  private async tell(groupId: string, type: GroupEventPayload["type"], actor: Viewer, targetJids: string[], formerIds: number[]): Promise<void> {
    const members = await this.directory.memberIds(groupId);
    const event: GroupEventPayload = { type, groupId, groupJid: this.jids.group(groupId), actorJid: actor.jid, targetJids, at: new Date().toISOString() };
    const ids = new Set([...members, ...formerIds]);
    // Stored for each of them (one multi-row write), for their sync streams.
    const body = { kind: "GROUP" as const, group: event };
    await this.sync.append([...ids].map((userId) => ({ userId, body })));
    await this.pubsub.publishToMany(event, [...ids].map((id) => ({ topic: topics.groupUpdated(id) }))).catch((err: unknown) =>
      this.log.warn({ err }, "publishing a group event failed"),
    );
  }

  private async view(viewer: Viewer, group: GroupRow): Promise<Group> {
    return (await this.views(group))(viewer);
  }

  /** Reads the group's participants and their profiles once; renders the group for any viewer. */
  private async views(group: GroupRow): Promise<GroupViews> {
    return (await this.viewsOfMany([group])).get(group.id)!;
  }

  /**
   * Reads the groups' participants and their profiles, for all the groups at once (a fixed
   * number of queries however many groups); renders each group for any viewer.
   */
  private async viewsOfMany(groups: readonly GroupRow[]): Promise<Map<string, GroupViews>> {
    const membersOf = await this.directory.membersOf(groups.map((g) => g.id));
    const everyone = [...membersOf.values()].flat();
    const users = await this.users.byIds([...everyone.map((m) => m.userId), ...groups.map((g) => g.createdBy)]);
    const jidOf = (userId: number) => users.get(userId)!.jid;
    const profileOf = await this.profiles.sharedViews([...new Set([...everyone.map((m) => jidOf(m.userId)), ...groups.map((g) => jidOf(g.createdBy))])]);
    return new Map(
      groups.map((group) => {
        const members = membersOf.get(group.id)!;
        const participant = (m: (typeof members)[number], viewer: Pick<Viewer, "userId">) =>
          Object.assign(new Participant(), { groupJid: this.jids.group(group.id), user: profileOf(viewer, jidOf(m.userId))!, role: m.role, joinedAt: asDate(m.joinedAt) });
        // The participants as anyone sees them, made once; each viewer gets their own entry anew.
        const shown = members.map((m) => participant(m, NOBODY));
        const render = (viewer: Viewer): Group => {
          const me = members.find((m) => m.userId === viewer.userId);
          return Object.assign(new Group(), {
            jid: this.jids.group(group.id),
            groupId: group.id,
            name: group.name,
            image: group.imageUrl ?? (group.imageFileToken ? publicImagePath(group.imageFileToken) : null),
            createdBy: profileOf(viewer, jidOf(group.createdBy)) ?? null,
            createdAt: asDate(group.createdAt),
            participants: shown.map((p, i) => (me && members[i] === me ? participant(me, viewer) : p)),
            participantCount: members.length,
            myRole: me?.role ?? null,
          });
        };
        return [group.id, Object.assign(render, { isMember: (viewer: Viewer) => members.some((m) => m.userId === viewer.userId) })];
      }),
    );
  }


  private checkName(name: string, field: string): string {
    const trimmed = name.trim();
    if (trimmed.length === 0 || [...trimmed].length > 100) throw badInput(field, "must be 1 to 100 characters");
    return trimmed;
  }

  /** The new image (a URL, or an image the caller uploaded; nulls clear it), or undefined when the change names none. */
  private async checkImage(viewer: Viewer, change: GroupProfileChange): Promise<Pick<GroupRow, "imageUrl" | "imageFileToken"> | undefined> {
    if (change.imageUrl && change.imageFileToken) throw badInput("imageFileToken", "give imageUrl or imageFileToken, not both");
    if (change.imageFileToken) {
      const media = await this.media.own(viewer.userId, change.imageFileToken, "IMAGE", "imageFileToken");
      return { imageUrl: null, imageFileToken: media.token };
    }
    if (change.imageUrl === undefined) return undefined;
    if (change.imageUrl !== null && (!URL.test(change.imageUrl) || change.imageUrl.length > 2048)) throw badInput("imageUrl", "must be an http(s) URL");
    return { imageUrl: change.imageUrl, imageFileToken: null };
  }

  /** The users of these jids; BAD_USER_INPUT naming every jid that is no user here. */
  private async existingUsers(jids: readonly string[], field: string): Promise<UserRef[]> {
    const found = await this.users.byJids(jids);
    const unknown = jids.filter((j) => !found.has(j));
    if (unknown.length > 0) throw badInput(field, `no such users: ${unknown.join(", ")}`);
    return [...new Map([...found.values()].map((u) => [u.id, u])).values()];
  }
}
