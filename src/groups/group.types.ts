// GraphQL shapes of groups, their events and who received a group message.
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { listOf } from "../graphql/cost.js";
import { Receipt } from "../messages/message.types.js";
import { UserProfile } from "../profiles/profile.types.js";

export const ParticipantRoleEnum = { ADMIN: "ADMIN", MEMBER: "MEMBER" } as const;
export type ParticipantRole = keyof typeof ParticipantRoleEnum;
registerEnumType(ParticipantRoleEnum, { name: "ParticipantRole" });

@ObjectType()
export class Participant {
  @Field(() => ID, { description: "The participation's cache key: the group's jid and the user's jid, joined by a slash." })
  get id(): string {
    return `${this.groupJid}/${this.user.jid}`;
  }

  /** Not in the API: the group this is a participation in. */
  groupJid!: string;

  @Field(() => UserProfile)
  user!: UserProfile;

  @Field(() => ParticipantRoleEnum)
  role!: ParticipantRole;

  @Field(() => Date)
  joinedAt!: Date;
}

@ObjectType()
export class Group {
  @Field(() => ID, { description: "The group's cache key: its jid." })
  get id(): string {
    return this.jid;
  }

  @Field(() => ID, { description: "groupId@mix.<domain>" })
  jid!: string;

  @Field(() => ID)
  groupId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  image!: string | null;

  @Field(() => UserProfile, { nullable: true })
  createdBy!: UserProfile | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => [Participant], { complexity: listOf((bounds) => bounds.maxGroupSize) })
  participants!: Participant[];

  @Field(() => Int)
  participantCount!: number;

  @Field(() => ParticipantRoleEnum, { nullable: true, description: "The viewer's role; null when the viewer is not a participant." })
  myRole!: ParticipantRole | null;
}

export const GroupEventTypeEnum = {
  CREATED: "CREATED",
  PROFILE_UPDATED: "PROFILE_UPDATED",
  PARTICIPANT_ADDED: "PARTICIPANT_ADDED",
  PARTICIPANT_REMOVED: "PARTICIPANT_REMOVED",
  ADMIN_GRANTED: "ADMIN_GRANTED",
  PARTICIPANT_LEFT: "PARTICIPANT_LEFT",
  DELETED: "DELETED",
} as const;
export type GroupEventType = keyof typeof GroupEventTypeEnum;
registerEnumType(GroupEventTypeEnum, { name: "GroupEventType" });

@ObjectType()
export class GroupEvent {
  @Field(() => GroupEventTypeEnum)
  type!: GroupEventType;

  @Field(() => ID)
  groupJid!: string;

  /** Resolved per viewer by GroupEventResolver. */
  @Field(() => Group, { nullable: true, description: "The group as it is after the event; null once deleted or when the viewer was removed." })
  group?: Group | null;

  @Field(() => ID)
  actorJid!: string;

  @Field(() => [ID], { description: "The participants the event is about (added, removed, promoted, left).", complexity: listOf((bounds) => bounds.maxGroupSize) })
  targetJids!: string[];

  @Field(() => Date)
  at!: Date;

  /** Not in the API: which group to show. */
  groupId!: string;

  /** Not in the API: the event as published, which every subscriber of it shares. */
  source!: object;
}

@ObjectType()
export class GroupMessageInfo {
  @Field(() => ID, { description: "The cache key: the message's id (one GroupMessageInfo per message)." })
  get id(): string {
    return this.messageId;
  }

  @Field(() => ID)
  messageId!: string;

  @Field(() => Int, { description: "Recipients: participants other than the sender when it was sent." })
  participantCount!: number;

  @Field(() => Int)
  deliveredCount!: number;

  @Field(() => Int)
  seenCount!: number;

  @Field(() => [Receipt], { complexity: listOf((bounds) => bounds.maxGroupSize) })
  receipts!: Receipt[];
}
