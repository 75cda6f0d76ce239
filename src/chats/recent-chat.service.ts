// Recent chats: the per-user chat rows with their last message and the other user's profile,
// read with a fixed number of queries however many chats there are.
import { asId } from "../db/values.js";
import { badInput } from "../graphql/errors.js";
import type { Viewer } from "../identity/identity.types.js";
import { groupIdOfKey } from "../messages/addressing.js";
import type { MessageService } from "../messages/message.service.js";
import { toMessage } from "../messages/message.types.js";
import type { GroupService } from "../groups/group.service.js";
import type { ProfileService } from "../profiles/profile.service.js";
import type { ChatService } from "../messages/chat.service.js";
import { RecentChat } from "./chat.types.js";

/** recentChats and archivedChats list this many by default, and at most MAX_CHATS_PAGE. */
export const DEFAULT_CHATS_PAGE = 100;
export const MAX_CHATS_PAGE = 1000;

export class RecentChatService {
  constructor(
    private readonly chats: ChatService,
    private readonly messages: MessageService,
    private readonly profiles: ProfileService,
    private readonly groups: GroupService,
  ) {}

  /** Most recent first: the chats in recent chats, or (archived) those archived. */
  async list(viewer: Viewer, archived: boolean, limit: number): Promise<RecentChat[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CHATS_PAGE) throw badInput("limit", `must be between 1 and ${MAX_CHATS_PAGE}`);
    const rows = await this.chats.list(viewer.userId, archived, limit);
    const [lastMessages, profiles] = await Promise.all([
      this.messages.byRowIds(
        viewer.userId,
        rows.flatMap((r) => (r.lastMessageRowId === null ? [] : [asId(r.lastMessageRowId)])),
      ),
      this.profiles.profilesOf(
        viewer,
        rows.filter((r) => r.chatType === "CHAT").map((r) => r.jid),
      ),
    ]);
    const profileByJid = new Map(profiles.map((p) => [p.jid, p]));
    const groups = await this.groups.viewsIfMember(
      viewer,
      rows.filter((r) => r.chatType === "GROUPCHAT").map((r) => groupIdOfKey(r.chatKey)!),
    );
    return rows.map((r) => {
      const last = r.lastMessageRowId === null ? undefined : lastMessages.get(asId(r.lastMessageRowId));
      return Object.assign(new RecentChat(), {
        jid: r.jid,
        chatType: r.chatType,
        lastMessage: last ? toMessage(last) : null,
        unreadCount: r.unreadCount,
        isMuted: r.isMuted,
        isArchived: r.isArchived,
        updatedAt: r.updatedAt,
        profile: profileByJid.get(r.jid) ?? null,
        group: r.chatType === "GROUPCHAT" ? (groups.get(groupIdOfKey(r.chatKey)!) ?? null) : null,
      });
    });
  }
}
