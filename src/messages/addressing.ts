// Addressing: which chat a jid names for a user, the chat's key, who takes part in it, and who may write to it.
import type { EntityManager } from "typeorm";
import type { Feature } from "../config.js";
import { badInput, featureUnavailable, forbidden, notFound } from "../graphql/errors.js";
import type { Viewer } from "../identity/identity.types.js";
import type { Jids } from "../identity/jid.js";
import type { UserDirectory, UserRef } from "../identity/user-directory.js";

/** A one-to-one chat seen from one of its users (a chat with oneself is allowed: notes to self). */
export interface DirectChat {
  type: "CHAT";
  key: string;
  /** The chat's jid as this user sees it: the other user's. */
  jid: string;
  me: UserRef;
  peer: UserRef;
}

/** A group chat seen from one of its participants, current or past. */
export interface GroupChat {
  type: "GROUPCHAT";
  key: string;
  /** The group's jid. */
  jid: string;
  me: UserRef;
  group: { id: string };
  /** True while the user is a participant; a past participant still reads their history. */
  isMember: boolean;
}

/** A chat as one of its members sees it. */
export type ChatRef = DirectChat | GroupChat;

/** The key of the one-to-one chat of two users, the same from both sides. */
export function directKey(a: number, b: number): string {
  return `d:${Math.min(a, b)}:${Math.max(a, b)}`;
}

/** The messages.chat_key of a group's chat. */
export function groupKey(groupId: string): string {
  return `g:${groupId}`;
}

/** The group id of a group chat key, or null for a one-to-one key. */
export function groupIdOfKey(key: string): string | null {
  return key.startsWith("g:") ? key.slice(2) : null;
}

/**
 * Who is in which group, as the message core needs to know it. The groups feature sits on top of
 * the message core and owns these tables; app.ts hands its directory in.
 */
export interface GroupMembership {
  /** The group even when deleted: deletion ends everyone's participation, and like any former participant they keep their history. */
  findWithDeleted(groupId: string): Promise<{ id: string } | null>;
  /** The user's participation, current or past. */
  participation(groupId: string, userId: number): Promise<{ leftAt: Date | null } | null>;
  /** The user ids of the current participants. */
  memberIds(groupId: string, em?: EntityManager): Promise<number[]>;
}

export class Addressing {
  constructor(
    private readonly users: UserDirectory,
    private readonly groups: GroupMembership,
    private readonly jids: Jids,
    private readonly features: ReadonlySet<Feature>,
  ) {}

  /** Whether the plan includes group chat. */
  get groupChatEnabled(): boolean {
    return this.features.has("groupChat");
  }

  /** Every group operation, whether it names the group or one of its messages, needs the plan's groupChat. */
  requireGroupChat(): void {
    if (!this.groupChatEnabled) throw featureUnavailable("groupChat");
  }

  /** Writing to a group (sending, typing) is for current participants only. */
  static requireMember(chat: ChatRef): void {
    if (chat.type === "GROUPCHAT" && !chat.isMember) throw forbidden(`you are no longer a participant of ${chat.jid}`);
  }

  /**
   * The chat that jid names for the viewer; field names the argument in errors. A group is
   * NOT_FOUND for anyone who never took part in it: its existence is not theirs to know. A
   * deleted group is still the chat of its former participants: their history and their chat
   * row stay theirs to read, clear or delete.
   */
  async resolve(viewer: Viewer, jid: string, field: string): Promise<ChatRef> {
    const groupId = this.jids.parseGroup(jid);
    if (groupId !== null) {
      this.requireGroupChat();
      const [group, participation, me] = await Promise.all([
        this.groups.findWithDeleted(groupId),
        this.groups.participation(groupId, viewer.userId),
        this.users.get(viewer.userId),
      ]);
      if (!group || !participation) throw notFound(`group ${jid}`);
      return { type: "GROUPCHAT", key: groupKey(group.id), jid: this.jids.group(group.id), me, group, isMember: participation.leftAt === null };
    }
    const username = this.jids.parseUser(jid);
    if (username === null) throw badInput(field, `"${jid}" is not a user jid of this server (name@${this.jids.domain})`);
    const [me, peer] = await Promise.all([this.users.get(viewer.userId), this.users.byUsernames([username])]);
    const other = peer.get(username);
    if (!other) throw notFound(`user ${jid}`);
    return { type: "CHAT", key: directKey(me.id, other.id), jid: other.jid, me, peer: other };
  }

  /** Everyone who takes part in the chat now, with the chat's jid as each of them sees it. */
  async audience(chat: ChatRef, em?: EntityManager): Promise<{ userId: number; chatJid: string }[]> {
    if (chat.type === "CHAT") {
      const mine = { userId: chat.me.id, chatJid: chat.peer.jid };
      return chat.peer.id === chat.me.id ? [mine] : [mine, { userId: chat.peer.id, chatJid: chat.me.jid }];
    }
    return (await this.memberIds(chat, em)).map((userId) => ({ userId, chatJid: chat.jid }));
  }

  /** The user ids of a group chat's current participants: the writer's recipients of record, read under its lock. */
  memberIds(chat: GroupChat, em?: EntityManager): Promise<number[]> {
    return this.groups.memberIds(chat.group.id, em);
  }
}
