// Chats as the message path sees them: which chat a jid names for a user, and the per-user chat
// state (last message, unread count) kept up to date in the same transaction as each message.
import type { EntityManager } from "typeorm";
import type { Database } from "../db/database.js";
import type { Feature } from "../config.js";
import { badInput, featureUnavailable, forbidden, notFound } from "../graphql/errors.js";
import type { GroupRow } from "../groups/group.entity.js";
import { type GroupDirectory, groupKey } from "../groups/group-directory.js";
import type { Viewer } from "../identity/identity.types.js";
import type { Jids } from "../identity/jid.js";
import type { UserDirectory, UserRef } from "../identity/user-directory.js";
import { Chat } from "./chat.entity.js";

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
  group: GroupRow;
  /** True while the user is a participant; a past participant still reads their history. */
  isMember: boolean;
}

/** A chat as one of its members sees it. */
export type ChatRef = DirectChat | GroupChat;

/** The key of the one-to-one chat of two users, the same from both sides. */
export function directKey(a: number, b: number): string {
  return `d:${Math.min(a, b)}:${Math.max(a, b)}`;
}

export class ChatService {
  constructor(
    private readonly db: Database,
    private readonly users: UserDirectory,
    private readonly groups: GroupDirectory,
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
    const members = await this.groups.members(chat.group.id, em);
    return members.map((m) => ({ userId: m.userId, chatJid: chat.jid }));
  }

  /** The owner's state of the chat with this key, or null when they have none yet. */
  stateOf(ownerId: number, key: string): Promise<Chat | null> {
    return this.db.repository(Chat).findOneBy({ ownerId, chatKey: key });
  }

  async statesOf(ownerId: number, keys: readonly string[]): Promise<Map<string, Chat>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db
      .repository(Chat)
      .createQueryBuilder("c")
      .where("c.owner_id = :ownerId AND c.chat_key IN (:...keys)", { ownerId, keys: [...new Set(keys)] })
      .getMany();
    return new Map(rows.map((r) => [r.chatKey, r]));
  }

  /** True when the user already has a chat with the other user (they wrote to each other before). */
  async hasChatWith(ownerId: number, otherId: number): Promise<boolean> {
    return this.db.repository(Chat).existsBy({ ownerId, peerUserId: otherId });
  }

  /** The owner's chats, most recent first: those in recent chats, or the archived ones. */
  list(ownerId: number, archived: boolean): Promise<Chat[]> {
    const query = this.db
      .repository(Chat)
      .createQueryBuilder("c")
      .where("c.owner_id = :ownerId AND c.is_archived = :archived AND c.is_hidden = :hidden", { ownerId, archived, hidden: false })
      // A chat is listed once it had a message (a cleared chat stays, without a last message);
      // a group from the moment one joins it.
      .andWhere("(c.last_message_row_id IS NOT NULL OR c.cleared_up_to_row_id > 0 OR c.chat_type = :group)", { group: "GROUPCHAT" })
      .orderBy("c.updated_at", "DESC")
      .addOrderBy("c.last_message_row_id", "DESC");
    // Without groupChat in the plan, group chats are not the owner's to see.
    if (!this.groupChatEnabled) query.andWhere("c.chat_type <> :group");
    return query.getMany();
  }

  /** The owner's row for the chat, created (empty) when they have none yet. */
  async ensure(em: EntityManager, ownerId: number, chat: ChatRef): Promise<Chat> {
    await em
      .createQueryBuilder()
      .insert()
      .into(Chat)
      .values({
        ownerId,
        jid: chat.jid,
        chatType: chat.type,
        chatKey: chat.key,
        peerUserId: chat.type === "CHAT" ? chat.peer.id : null,
        updatedAt: new Date(),
      })
      .orIgnore()
      .execute();
    return em.findOneByOrFail(Chat, { ownerId, jid: chat.jid });
  }

  /** All of the owner's chat rows. */
  all(ownerId: number): Promise<Chat[]> {
    return this.db.repository(Chat).findBy({ ownerId });
  }
}
