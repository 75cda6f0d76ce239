// GraphQL shape of a recent chat.
import { Field, ID, Int, ObjectType } from "type-graphql";
import { Group } from "../groups/group.types.js";
import { ChatTypeEnum, Message } from "../messages/message.types.js";
import { UserProfile } from "../profiles/profile.types.js";
import type { ChatType } from "../messages/chat.entity.js";

@ObjectType({ description: "One of the viewer's chats, one-to-one or group, with its last message and the viewer's own state of it. Identified by id (the chat's jid; chats are the viewer's, as a client's cache is)." })
export class RecentChat {
  @Field(() => ID, { description: "The chat's cache key: its jid (chats are the viewer's own, as a client's cache is)." })
  get id(): string {
    return this.jid;
  }

  @Field(() => ID, { description: "The chat's jid: the other user's (one-to-one) or the group's." })
  jid!: string;

  @Field(() => ChatTypeEnum, { description: "CHAT (one-to-one) or GROUPCHAT." })
  chatType!: ChatType;

  @Field(() => Message, { nullable: true, description: "The newest message the viewer can see; null after the chat was cleared." })
  lastMessage!: Message | null;

  @Field(() => Int, { description: "Messages from others the viewer has not marked seen." })
  unreadCount!: number;

  @Field(() => Boolean, { description: "The viewer muted this chat." })
  isMuted!: boolean;

  @Field(() => Boolean, { description: "The viewer archived this chat (it shows in archivedChats, not recentChats)." })
  isArchived!: boolean;

  @Field(() => Date, { description: "When the chat last changed for the viewer (newest message, mute, archive)." })
  updatedAt!: Date;

  @Field(() => UserProfile, { nullable: true, description: "Set for one-to-one chats." })
  profile!: UserProfile | null;

  @Field(() => Group, { nullable: true, description: "Set for group chats." })
  group!: Group | null;
}
