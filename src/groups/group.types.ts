// GraphQL shapes of groups, their events and who received a group message.
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { listOf } from "../graphql/cost.js";
import { Receipt } from "../messages/message.types.js";
import { UserProfile } from "../profiles/profile.types.js";

export const ParticipantRoleEnum = { ADMIN: "ADMIN", MEMBER: "MEMBER" } as const;
export type ParticipantRole = keyof typeof ParticipantRoleEnum;
registerEnumType(ParticipantRoleEnum, {
  name: "ParticipantRole",
  description: "A participant's role in a group.",
  valuesConfig: {
    ADMIN: { description: "May change the group's profile, add and remove participants, make admins and delete the group." },
    MEMBER: { description: "May send and read messages." },
  },
});

@ObjectType({ description: "A user's participation in a group. Identified by id (group jid/user jid)." })
export class Participant {
  @Field(() => ID, { description: "The participation's cache key: the group's jid and the user's jid, joined by a slash." })
  get id(): string {
    return `${this.groupJid}/${this.user.jid}`;
  }

  /** Not in the API: the group this is a participation in. */
  groupJid!: string;

  @Field(() => UserProfile, { description: "The participant's profile." })
  user!: UserProfile;

  @Field(() => ParticipantRoleEnum, { description: "ADMIN or MEMBER." })
  role!: ParticipantRole;

  @Field(() => Date, { description: "When the user joined the group." })
  joinedAt!: Date;
}

@ObjectType({ description: "A group chat as the viewer sees it. Identified by id (the group's jid)." })
export class Group {
  @Field(() => ID, { description: "The group's cache key: its jid." })
  get id(): string {
    return this.jid;
  }

  @Field(() => ID, { description: "The group's jid: <groupId>@mix.<XMPP_DOMAIN>." })
  jid!: string;

  @Field(() => ID, { description: "The group's id: 1 to 64 letters, digits, _ or -; the jid's part before @mix." })
  groupId!: string;

  @Field(() => String, { description: "1 to 100 characters." })
  name!: string;

  @Field(() => String, { nullable: true, description: "Download URL of the group's image, or the external URL it was set to; null when none." })
  image!: string | null;

  @Field(() => UserProfile, { nullable: true, description: "The creator's profile; null if it can no longer be shown." })
  createdBy!: UserProfile | null;

  @Field(() => Date, { description: "When the group was created." })
  createdAt!: Date;

  @Field(() => [Participant], { complexity: listOf((bounds) => bounds.maxGroupSize), description: "Current participants, each with their role." })
  participants!: Participant[];

  @Field(() => Int, { description: "The number of current participants." })
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
registerEnumType(GroupEventTypeEnum, {
  name: "GroupEventType",
  description: "What happened to a group.",
  valuesConfig: {
    CREATED: { description: "The group was created (targets: its first members)." },
    PROFILE_UPDATED: { description: "Its name or image changed." },
    PARTICIPANT_ADDED: { description: "Users were added (targets)." },
    PARTICIPANT_REMOVED: { description: "A participant was removed (target)." },
    ADMIN_GRANTED: { description: "A participant became an admin (target)." },
    PARTICIPANT_LEFT: { description: "A participant left (target)." },
    DELETED: { description: "The group was deleted." },
  },
});

@ObjectType({ description: "Something that happened to a group. An event, not a thing: it has no id; its group field is the group, kept once in a client's cache by Group.id." })
export class GroupEvent {
  @Field(() => GroupEventTypeEnum, { description: "What happened." })
  type!: GroupEventType;

  @Field(() => ID, { description: "The group's jid: <groupId>@mix.<XMPP_DOMAIN>." })
  groupJid!: string;

  /** Resolved per viewer by GroupEventResolver. */
  @Field(() => Group, { nullable: true, description: "The group as it is after the event; null once deleted or when the viewer was removed." })
  group?: Group | null;

  @Field(() => ID, { description: "The jid of the user who did it." })
  actorJid!: string;

  @Field(() => [ID], { description: "The participants the event is about (added, removed, promoted, left).", complexity: listOf((bounds) => bounds.maxGroupSize) })
  targetJids!: string[];

  @Field(() => Date, { description: "When it happened." })
  at!: Date;

  /** Not in the API: which group to show. */
  groupId!: string;

  /** Not in the API: the event as published, which every subscriber of it shares. */
  source!: object;
}

@ObjectType({ description: "How far a group message got: counts and each recipient's receipt. Identified by id (the message's id)." })
export class GroupMessageInfo {
  @Field(() => ID, { description: "The cache key: the message's id (one GroupMessageInfo per message)." })
  get id(): string {
    return this.messageId;
  }

  @Field(() => ID, { description: "The message's id (msgId)." })
  messageId!: string;

  @Field(() => Int, { description: "Recipients: participants other than the sender when it was sent." })
  participantCount!: number;

  @Field(() => Int, { description: "Recipients the message has been delivered to (seen ones included)." })
  deliveredCount!: number;

  @Field(() => Int, { description: "Recipients who have seen the message." })
  seenCount!: number;

  @Field(() => [Receipt], { complexity: listOf((bounds) => bounds.maxGroupSize), description: "One receipt per recipient, in the order of their user ids." })
  receipts!: Receipt[];
}
