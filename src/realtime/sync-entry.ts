// What a stored sync entry says, by kind: the body kept in sync_events.body (JSON) and carried
// by the live wake-up. Messages are no stored kind: the messages table is their stream.
import type { GroupEventPayload, MessagesDeletedPayload, ReceiptPayload } from "../realtime/topics.js";

/** What the user did to a chat of theirs, on any of their devices. */
export type ChatChange =
  | "SEEN"
  | "MUTED"
  | "UNMUTED"
  | "ARCHIVED"
  | "UNARCHIVED"
  | "CLEARED"
  | "DELETED"
  | "MESSAGES_DELETED_FOR_ME"
  | "FAVOURITE_ADDED"
  | "FAVOURITE_REMOVED"
  | "ALL_FAVOURITES_REMOVED";

/** The user's own change to a chat, with the chat's state right after it. */
export interface ChatChangePayload {
  change: ChatChange;
  /** The chat as the user sees it; null for ALL_FAVOURITES_REMOVED, which is about every chat. */
  chatJid: string | null;
  /** The messages the change is about (seen up to, deleted for me, favourites); else empty. */
  messageIds: string[];
  unreadCount: number;
  isMuted: boolean;
  isArchived: boolean;
  at: string;
}

export type SyncBody =
  | { kind: "RECEIPT"; receipt: ReceiptPayload }
  | { kind: "MESSAGES_DELETED"; deleted: MessagesDeletedPayload }
  | { kind: "CHAT"; chat: ChatChangePayload }
  | { kind: "GROUP"; group: GroupEventPayload }
  /** A contact's profile changed: the entry carries the profile as it is when it is read. */
  | { kind: "PROFILE"; profile: { userId: number; jid: string } };

export type SyncKind = SyncBody["kind"];

/** An entry to write for one user. Entries of one change that share a body are published once (fan-out). */
export interface NewSyncEntry {
  userId: number;
  body: SyncBody;
}

/** A stored entry, as read back or as its live wake-up carries it. */
export interface SyncEventPayload {
  /** Its position in sync_events: grows with every entry, for every user. */
  position: string;
  /** The newest message rowId committed when it was written: where it falls among messages. */
  afterRowId: string;
  body: SyncBody;
  at: string;
  /**
   * On a live wake-up: the position of the user's entry before this one ("0": none). A subscriber
   * whose cursor is behind it missed that entry's wake-up (its writer's broker link failed, or the
   * writer died after its commit) and reads what it missed from the database.
   */
  previous?: string;
}
