// The statements of the message path, named (and the contact lists read from its chat rows): what services ask of the database, with one implementation per dialect.
import type { EntityManager } from "typeorm";
import type { ChatType } from "../chat.entity.js";
import type { MessageRow } from "../message.entity.js";
import type { VisibilityScope } from "../visibility.js";

/** A message to store: everything but the rowId the database gives it; a new message is deleted for no one. */
export type NewMessage = Omit<MessageRow, "rowId" | "deletedForEveryoneAt"> & { deletedForEveryoneAt: null };

/** The receipt of one new message by one of its recipients. */
export interface NewReceipt {
  rowId: string;
  userId: number;
  chatKey: string;
  chatType: ChatType;
}

/**
 * What one new message changes in one user's chat row (owner, jid): created if missing, its last
 * message moved forward to the message, its unread count raised, back from deleted. The row takes
 * the message's chat key, rowId and time.
 */
export interface ChatDelta {
  messageId: string;
  ownerId: number;
  jid: string;
  type: ChatType;
  peerUserId: number | null;
  unreadIncrement: number;
}

/** What insertMessages answers. */
export interface Inserted {
  /** The messages that had one of the ids already, by id. */
  before: Map<string, MessageRow>;
  /** The new rows, in rowId order. */
  rows: MessageRow[];
  /** Owners of the chat rows the new messages changed who muted the chat ("<ownerId> <chat key>"). */
  muted: Set<string>;
}

/** New messages of one sender in a group (count of them, the newest lastRowId). */
export interface GroupMessagesDelta {
  groupId: string;
  chatKey: string;
  senderId: number;
  count: number;
  lastRowId: string;
  at: Date;
}

/** How far a message got with its recipients. */
export interface ReceiptProgress {
  total: number;
  delivered: number;
  seen: number;
}

export type ReceiptStatus = "DELIVERED" | "SEEN";

/** Columns of a user's state of a message to set; the order given is the order written. */
export interface MessageStateChange {
  isFavourite?: boolean;
  favouritedAt?: Date | null;
  isDeleted?: boolean;
}

/** Where a history page starts: newest first before a rowId (or the newest), or oldest first after one. */
export type HistoryFrom = { before: string | null } | { after: string };

export interface MessageStore {
  /**
   * The messages of the chat the viewer sees (visibleTo), at most limit: newest first before
   * from.before (the newest without it), or oldest first after from.after.
   */
  historyPage(viewer: VisibilityScope, chatKey: string, from: HistoryFrom, limit: number): Promise<MessageRow[]>;

  /** The chat's media messages the viewer sees, not deleted for everyone, newest first, before a rowId when given. */
  mediaPage(viewer: VisibilityScope, chatKey: string, before: string | null, limit: number): Promise<MessageRow[]>;

  /** Whether the viewer sees some message, not deleted for everyone, that carries this uploaded file. */
  seesMessageWithMedia(viewer: VisibilityScope, mediaToken: string): Promise<boolean>;

  /** The newest message of the chat the viewer still sees, or null (inside the caller's transaction em). */
  lastVisibleRowId(em: EntityManager, viewer: VisibilityScope, chatKey: string): Promise<string | null>;

  /** Those of these rowIds whose messages the viewer sees. */
  visibleRowIds(viewer: VisibilityScope, rowIds: readonly string[]): Promise<Set<string>>;

  /**
   * Stores the messages whose id is new, in one transaction em of the sequencer, and applies the
   * chat deltas of those new ones to their chat rows (in one statement on PostgreSQL: no round
   * trip of their own). An implementation may write the recipient's receipt of each new
   * one-to-one message with it (insertReceipts then leaves those out). lastInTurn: nothing else
   * is written in the turn, so its last statement may take the COMMIT along (Database.rows); then
   * nothing more may be sent on em.
   */
  insertMessages(em: EntityManager, messages: readonly NewMessage[], chats: readonly ChatDelta[], lastInTurn?: boolean): Promise<Inserted>;

  /** The receipts of every recipient of the messages insertMessages just stored, but those it wrote already. */
  insertReceipts(em: EntityManager, receipts: readonly NewReceipt[]): Promise<void>;

  /**
   * New group messages of one sender in the chat rows of every other current participant, in
   * one statement whatever the group's size: unread count, last message, back into recent chats.
   * Returns those of them who muted the chat.
   */
  applyGroupMessages(em: EntityManager, delta: GroupMessagesDelta): Promise<number[]>;

  /**
   * Marks receipts delivered at `at` (users by message rowId), those not delivered yet, in one
   * statement; returns the receipts that changed.
   */
  markDelivered(usersByMessage: ReadonlyMap<string, readonly number[]>, at: Date): Promise<{ rowId: string; userId: number }[]>;

  /**
   * Marks the user's receipts of the chat up to rowId seen (and delivered, if not yet); returns
   * the rowIds of the receipts that changed.
   */
  markSeenUpTo(em: EntityManager, userId: number, chatKey: string, rowId: string, at: Date): Promise<string[]>;

  /**
   * Of these group messages, those that every recipient has now brought to the status and
   * whose announcement falls to this call, in one statement: of concurrent calls that find a
   * message complete, exactly one gets it.
   */
  claimComplete(rowIds: readonly string[], status: ReceiptStatus, at: Date): Promise<string[]>;

  /** Of the chat's messages with these ids, those the user deleted for themself. */
  deletedFor(userId: number, chatKey: string, ids: readonly string[]): Promise<MessageRow[]>;

  /** Creates or updates one user's state rows of these messages, setting the given columns, in one statement. */
  setMessageStates(em: EntityManager, userId: number, messages: readonly Pick<MessageRow, "rowId" | "chatKey">[], change: MessageStateChange): Promise<void>;

  /** Unfavourites all of the user's favourites. */
  unfavouriteAll(em: EntityManager, userId: number): Promise<void>;

  /** Unfavourites the user's favourites of the chat up to rowId. */
  unfavouriteUpTo(em: EntityManager, userId: number, chatKey: string, rowId: string): Promise<void>;

  /** Unfavourites these messages for everyone who kept them. */
  unfavouriteMessages(em: EntityManager, rowIds: readonly string[]): Promise<void>;

  /**
   * Everyone who hears of the messages with rowIds in (after, upTo]: their senders and their
   * recipients of record (receipts), for announcing stored messages late.
   */
  audienceOf(after: string, upTo: string): Promise<number[]>;

  /** The newest rowId of the chat, or null when it has no message. */
  newestRowId(em: EntityManager, chatKey: string): Promise<string | null>;

  /** Sets the owner's unread count of a chat to the number of its messages they still see and have not seen. */
  recountUnread(em: EntityManager, ownerId: number, chatKey: string): Promise<void>;

  /** Per message: how many recipients it has, and how many got and saw it. */
  receiptProgress(rowIds: readonly string[]): Promise<Map<string, ReceiptProgress>>;

  /**
   * The rowIds after afterRowId of messages the viewer sent or has a receipt of, in order: at
   * most limit of them, each side scanned at most limit rows.
   */
  replayCandidates(viewerId: number, afterRowId: string, limit: number): Promise<string[]>;

  /**
   * The user's contacts: who shares a one-to-one chat with them, and with viaGroups who shares a
   * current group; by nickname then username (NAME) or latest conversation first (RECENT).
   */
  contactIds(userId: number, order: "NAME" | "RECENT", limit: number, viaGroups: boolean): Promise<number[]>;

  /** Whoever has the user as a contact (viaGroups as in contactIds). */
  watcherIds(userId: number, viaGroups: boolean): Promise<number[]>;
}
