// GraphQL shapes of profiles, and the one mapping from a profile payload to the API type.
import { listOf } from "../graphql/cost.js";
import { publicImagePath } from "../media/signed-url.js";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import type { ProfilePayload } from "../realtime/topics.js";
import type { AdminForbidType, AllowType, Gender } from "./profile.entity.js";

export const GenderEnum = { UNKNOWN: "UNKNOWN", FEMALE: "FEMALE", MALE: "MALE" } as const satisfies Record<Gender, Gender>;
export const AllowTypeEnum = {
  ALLOW_ANY: "ALLOW_ANY",
  NEED_CONFIRM: "NEED_CONFIRM",
  DENY_ANY: "DENY_ANY",
} as const satisfies Record<AllowType, AllowType>;
export const AdminForbidTypeEnum = { NONE: "NONE", SEND_OUT: "SEND_OUT" } as const satisfies Record<AdminForbidType, AdminForbidType>;
export const ProfileSort = { NAME: "NAME", RECENT: "RECENT" } as const;
export type ProfileSort = (typeof ProfileSort)[keyof typeof ProfileSort];

registerEnumType(GenderEnum, { name: "Gender" });
registerEnumType(AllowTypeEnum, { name: "AllowType", description: "Who may start a one-to-one chat with this user." });
registerEnumType(AdminForbidTypeEnum, { name: "AdminForbidType" });
registerEnumType(ProfileSort, {
  name: "ProfileSort",
  valuesConfig: {
    NAME: { description: "By nickname, then username (Mesibo getSortedUserProfiles)." },
    RECENT: { description: "Most recent one-to-one or group conversation first (Mesibo getRecentProfiles)." },
  },
});

@ObjectType()
export class ProfileCustomField {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType()
export class UserProfile {
  @Field(() => ID, { description: "The profile's cache key: its user's jid." })
  get id(): string {
    return this.jid;
  }

  @Field(() => ID)
  jid!: string;

  @Field(() => String)
  username!: string;

  @Field(() => String, { nullable: true })
  nickname!: string | null;

  @Field(() => String, { nullable: true, description: "Download URL of the profile image, or the external URL it was set to." })
  image!: string | null;

  @Field(() => String, { nullable: true })
  status!: string | null;

  @Field(() => String, { nullable: true, description: "Only the profile's owner sees it; null for everyone else." })
  mobileNumber!: string | null;

  @Field(() => String, { nullable: true, description: "Only the profile's owner sees it; null for everyone else." })
  email!: string | null;

  @Field(() => GenderEnum)
  gender!: Gender;

  @Field(() => Int, { nullable: true, description: "yyyymmdd, e.g. 20000101." })
  birthday!: number | null;

  @Field(() => String, { nullable: true })
  location!: string | null;

  @Field(() => Int, { nullable: true })
  language!: number | null;

  @Field(() => AllowTypeEnum)
  allowType!: AllowType;

  @Field(() => Int, { nullable: true })
  messageSettings!: number | null;

  @Field(() => AdminForbidTypeEnum)
  adminForbidType!: AdminForbidType;

  @Field(() => Int, { nullable: true })
  level!: number | null;

  @Field(() => Int, { nullable: true })
  role!: number | null;

  @Field(() => [ProfileCustomField], { complexity: listOf((bounds) => bounds.customFields) })
  customFields!: ProfileCustomField[];

  @Field(() => Boolean)
  isOnline!: boolean;

  @Field(() => Date, { nullable: true })
  lastSeenAt!: Date | null;

  @Field(() => Date)
  updatedAt!: Date;
}

/** The API view of a profile payload; the payload already has private fields removed for non-owners. */
export function toUserProfile(p: ProfilePayload): UserProfile {
  return Object.assign(new UserProfile(), {
    jid: p.jid,
    username: p.username,
    nickname: p.nickname,
    image: p.imageUrl ?? (p.imageFileToken ? publicImagePath(p.imageFileToken) : null),
    status: p.status,
    mobileNumber: p.mobileNumber,
    email: p.email,
    gender: p.gender as Gender,
    birthday: p.birthday,
    location: p.location,
    language: p.language,
    allowType: p.allowType as AllowType,
    messageSettings: p.messageSettings,
    adminForbidType: p.adminForbidType as AdminForbidType,
    level: p.level,
    role: p.role,
    customFields: p.customFields,
    isOnline: p.isOnline,
    lastSeenAt: p.lastSeenAt ? new Date(p.lastSeenAt) : null,
    updatedAt: new Date(p.updatedAt),
  });
}
