// GraphQL shapes of groups. Groups themselves come with group chat; recent chats already name
// the type, for the chats that will be group chats.
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { UserProfile } from "../profiles/profile.types.js";

export const ParticipantRoleEnum = { ADMIN: "ADMIN", MEMBER: "MEMBER" } as const;
export type ParticipantRole = keyof typeof ParticipantRoleEnum;
registerEnumType(ParticipantRoleEnum, { name: "ParticipantRole" });

@ObjectType()
export class Participant {
  @Field(() => UserProfile)
  user!: UserProfile;

  @Field(() => ParticipantRoleEnum)
  role!: ParticipantRole;

  @Field(() => Date)
  joinedAt!: Date;
}

@ObjectType()
export class Group {
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

  @Field(() => [Participant])
  participants!: Participant[];

  @Field(() => Int)
  participantCount!: number;

  @Field(() => ParticipantRoleEnum, { nullable: true, description: "The viewer's role; null when the viewer is not a participant." })
  myRole!: ParticipantRole | null;
}
