// GraphQL shape of a recent chat.
import { Field, ID, Int, ObjectType } from "type-graphql";
import { Group } from "../groups/group.types.js";
import { ChatTypeEnum, Message } from "../messages/message.types.js";
import { UserProfile } from "../profiles/profile.types.js";
import type { ChatType } from "./chat.entity.js";

@ObjectType()
export class RecentChat {
  @Field(() => ID, { description: "The chat's cache key: its jid (chats are the viewer's own, as a client's cache is)." })
  get id(): string {
    return this.jid;
  }

  @Field(() => ID)
  jid!: string;

  @Field(() => ChatTypeEnum)
  chatType!: ChatType;

  @Field(() => Message, { nullable: true })
  lastMessage!: Message | null;

  @Field(() => Int)
  unreadCount!: number;

  @Field(() => Boolean)
  isMuted!: boolean;

  @Field(() => Boolean)
  isArchived!: boolean;

  @Field(() => Date)
  updatedAt!: Date;

  @Field(() => UserProfile, { nullable: true, description: "Set for one-to-one chats." })
  profile!: UserProfile | null;

  @Field(() => Group, { nullable: true, description: "Set for group chats." })
  group!: Group | null;
}
