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

registerEnumType(GenderEnum, {
  name: "Gender",
  description: "A user's gender, as they state it.",
  valuesConfig: { UNKNOWN: { description: "Not stated." }, FEMALE: { description: "Female." }, MALE: { description: "Male." } },
});
registerEnumType(AllowTypeEnum, {
  name: "AllowType",
  description: "Who may start a one-to-one chat with this user.",
  valuesConfig: {
    ALLOW_ANY: { description: "Anyone may send them a first message (the default)." },
    NEED_CONFIRM: { description: "The user wants to confirm new contacts; stored and shown for the app to act on, the server delivers as with ALLOW_ANY." },
    DENY_ANY: { description: "Only users who already share a chat with them may send; others get FORBIDDEN." },
  },
});
registerEnumType(AdminForbidTypeEnum, {
  name: "AdminForbidType",
  description: "A sending restriction recorded on a profile; the server stores and shows it without enforcing it.",
  valuesConfig: { NONE: { description: "No restriction (the default)." }, SEND_OUT: { description: "The user should not send messages out." } },
});
registerEnumType(ProfileSort, {
  name: "ProfileSort",
  description: "The order of a list of contacts.",
  valuesConfig: {
    NAME: { description: "By nickname, then username." },
    RECENT: { description: "Most recent one-to-one or group conversation with the viewer first." },
  },
});

@ObjectType({ description: "One configured extra profile field and its value. A value inside its profile: no id of its own." })
export class ProfileCustomField {
  @Field(() => String, { description: "One of the keys the server accepts (PROFILE_CUSTOM_FIELDS)." })
  key!: string;

  @Field(() => String, { description: "The field's value, at most 512 characters." })
  value!: string;
}

@ObjectType({ description: "A user's profile as the viewer sees it: everyone sees the public fields; mobileNumber and email only the owner. Identified by id (the user's jid)." })
export class UserProfile {
  @Field(() => ID, { description: "The profile's cache key: its user's jid." })
  get id(): string {
    return this.jid;
  }

  @Field(() => ID, { description: "The user's jid: <username>@<XMPP_DOMAIN>, e.g. alice@localhost." })
  jid!: string;

  @Field(() => String, { description: "The user's name on this server: 1 to 64 letters or digits, the jid's part before @." })
  username!: string;

  @Field(() => String, { nullable: true, description: "The name to show; null when the user set none (show username)." })
  nickname!: string | null;

  @Field(() => String, { nullable: true, description: "Download URL of the profile image, or the external URL it was set to." })
  image!: string | null;

  @Field(() => String, { nullable: true, description: "The user's status line, at most 256 characters." })
  status!: string | null;

  @Field(() => String, { nullable: true, description: "Only the profile's owner sees it; null for everyone else." })
  mobileNumber!: string | null;

  @Field(() => String, { nullable: true, description: "Only the profile's owner sees it; null for everyone else." })
  email!: string | null;

  @Field(() => GenderEnum, { description: "UNKNOWN until the user sets it." })
  gender!: Gender;

  @Field(() => Int, { nullable: true, description: "yyyymmdd, e.g. 20000101." })
  birthday!: number | null;

  @Field(() => String, { nullable: true, description: "Free text, at most 256 characters." })
  location!: string | null;

  @Field(() => Int, { nullable: true, description: "An app-defined number (0 or more) the app uses for the user's language, e.g. an index into its own list; Parley stores and returns it without interpreting it." })
  language!: number | null;

  @Field(() => AllowTypeEnum, { description: "Who may start a one-to-one chat with this user." })
  allowType!: AllowType;

  @Field(() => Int, { nullable: true, description: "An app-defined number (0 or more) for the user's message preferences, e.g. bit flags of the app's own; Parley stores and returns it without interpreting it." })
  messageSettings!: number | null;

  @Field(() => AdminForbidTypeEnum, { description: "Whether an administrator has restricted this user's sending; stored and shown, not enforced by the server." })
  adminForbidType!: AdminForbidType;

  @Field(() => Int, { nullable: true, description: "An app-defined number (0 or more), e.g. a membership tier of the app's own; Parley stores and returns it without interpreting it." })
  level!: number | null;

  @Field(() => Int, { nullable: true, description: "An app-defined number (0 or more) for the user's role in the app (not a group role: see Participant.role); Parley stores and returns it without interpreting it." })
  role!: number | null;

  @Field(() => [ProfileCustomField], { complexity: listOf((bounds) => bounds.customFields), description: "The server's configured extra fields (PROFILE_CUSTOM_FIELDS) that the user has set." })
  customFields!: ProfileCustomField[];

  @Field(() => Boolean, { description: "True while the user has an open WebSocket connection on any server process." })
  isOnline!: boolean;

  @Field(() => Date, { nullable: true, description: "When the user's last WebSocket connection closed; null if never connected." })
  lastSeenAt!: Date | null;

  @Field(() => Date, { description: "When the profile last changed." })
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
