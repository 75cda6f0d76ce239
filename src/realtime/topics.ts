// Every pub/sub topic and its payload, in one typed list. Topics are per user: an event is
// published to each user who may see it, so a subscription never filters others' traffic.
// Payloads are plain JSON (timestamps as ISO strings): they cross Redis unchanged.
import type { SyncEventPayload } from "./sync-entry.js";

export interface Topic<T> {
  readonly name: string;
  /** The name without the user: what metrics count by (`message`, `typing`, …). */
  readonly kind: string;
  /** Carries the payload type only; never set. */
  readonly payload?: T;
}

const topic = <T>(kind: string, userId?: number): Topic<T> => ({
  name: userId === undefined ? `parley.${kind}` : `parley.${kind}.${userId}`,
  kind,
});

/**
 * Payload types a feature owns, added by that feature (a TypeScript module augmentation of this
 * interface) so that this list names their topics without importing a feature: `message` is the
 * message core's MessagePayload (messages/message-view.ts).
 */
export interface FeaturePayloads {}

type Payload<K extends string> = FeaturePayloads extends Record<K, infer P> ? P : never;

/** A profile as one viewer may see it; the owner's copy carries the private fields. */
export interface ProfilePayload {
  userId: number;
  username: string;
  jid: string;
  nickname: string | null;
  imageUrl: string | null;
  imageFileToken: string | null;
  status: string | null;
  mobileNumber: string | null;
  email: string | null;
  gender: string;
  birthday: number | null;
  location: string | null;
  language: number | null;
  allowType: string;
  messageSettings: number | null;
  adminForbidType: string;
  level: number | null;
  role: number | null;
  customFields: { key: string; value: string }[];
  isOnline: boolean;
  lastSeenAt: string | null;
  updatedAt: string;
}

/**
 * Messages were stored but announced late (their writer died, or the broker refused the
 * announcement): each subscription reads what it missed from the database, after the last rowId
 * it yielded (or after catchUpAfter, the mark the late rows lie above), in rowId order.
 */
export interface CatchUpPayload {
  catchUpAfter: string;
  upTo: string;
}

/** What a messageReceived topic carries: a message, or word that some must be read from the database. */
export type MessageEvent = Payload<"message"> | CatchUpPayload;

export interface ReceiptPayload {
  messageId: string;
  chatJid: string;
  userJid: string;
  status: "DELIVERED" | "SEEN";
  at: string;
}

export interface TypingPayload {
  chatJid: string;
  fromJid: string;
  state: "COMPOSING" | "GONE";
  at: string;
}

export interface MessagesDeletedPayload {
  chatJid: string;
  messageIds: string[];
  byJid: string;
  at: string;
}

export interface GroupEventPayload {
  type: "CREATED" | "PROFILE_UPDATED" | "PARTICIPANT_ADDED" | "PARTICIPANT_REMOVED" | "ADMIN_GRANTED" | "PARTICIPANT_LEFT" | "DELETED";
  groupId: string;
  groupJid: string;
  actorJid: string;
  targetJids: string[];
  at: string;
}

export interface SessionRevokedPayload {
  /** The revoked token; null when all of the user's tokens were revoked. */
  jti: string | null;
  userId: number;
}

export interface AllowTypeChangedPayload {
  userId: number;
}

export const topics = {
  /** A profile the user may see (their own or a contact's) changed. */
  profileUpdated: (userId: number) => topic<ProfilePayload>("profile-updated", userId),
  /** A message in one of the user's chats, their own included (other devices). */
  messageReceived: (userId: number) => topic<MessageEvent>("message", userId),
  /** Messages of one of the user's chats were deleted for everyone. */
  messagesDeleted: (userId: number) => topic<MessagesDeletedPayload>("messages-deleted", userId),
  /** A delivery or seen receipt for a message the user sent. */
  messageStatus: (userId: number) => topic<ReceiptPayload>("receipt", userId),
  /** Someone is typing in one of the user's chats. */
  typing: (userId: number) => topic<TypingPayload>("typing", userId),
  /** Something happened to a group the user is (or was just) a participant of. */
  groupUpdated: (userId: number) => topic<GroupEventPayload>("group", userId),
  /** A stored sync entry of the user (src/sync/); messages reach the sync stream through messageReceived. */
  sync: (userId: number) => topic<SyncEventPayload>("sync", userId),
  /** A token, or all of a user's, was revoked: every process closes the sockets opened with them. */
  sessionRevoked: topic<SessionRevokedPayload>("session-revoked"),
  /** A user's allowType changed: every process forgets what it remembered of it. */
  allowTypeChanged: topic<AllowTypeChangedPayload>("allow-type-changed"),
};
