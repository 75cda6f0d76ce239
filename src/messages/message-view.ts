// A message as one viewer sees it: the shape every read, every subscription event and the
// writer's own copies share, the one function that renders it, and how a message's status is derived.
import { asId } from "../db/values.js";
import type { MediaData, MessageRow } from "./message.entity.js";

export type MessageStatus = "SENT" | "DELIVERED" | "SEEN";

/** A message as one viewer sees it (chatJid, status and isFavourite are the viewer's). Plain JSON: it crosses the broker. */
declare module "../realtime/topics.js" {
  /** topics.messageReceived carries a MessagePayload. */
  interface FeaturePayloads {
    message: MessagePayload;
  }
}

export interface MessagePayload {
  rowId: string;
  id: string;
  chatType: "CHAT" | "GROUPCHAT";
  chatJid: string;
  fromJid: string;
  toJid: string;
  /** The sender's user id: whom delivery receipts go to. */
  senderId: number;
  type: "TEXT" | "IMAGE" | "AUDIO" | "VIDEO" | "FILE";
  text: string | null;
  media: MediaData | null;
  /** The replied-to message, one level deep. */
  replyTo: MessagePayload | null;
  mentionedUserJids: string[];
  isForwarded: boolean;
  isDeletedForEveryone: boolean;
  isFavourite: boolean;
  /** The viewer muted this chat: show no notification. */
  isMuted: boolean;
  status: MessageStatus;
  createdAt: string;
}

/** What a message looks like to one viewer beyond its row: the jids as they see them, and their own state of it. */
export interface ViewerSide {
  chatJid: string;
  fromJid: string;
  toJid: string;
  isFavourite: boolean;
  isMuted: boolean;
  status: MessageStatus;
  replyTo: MessagePayload | null;
}

/** The one renderer of a message: a message deleted for everyone shows as a tombstone, without content. */
export function renderMessage(row: MessageRow, side: ViewerSide): MessagePayload {
  const deleted = row.deletedForEveryoneAt !== null;
  return {
    rowId: asId(row.rowId),
    id: row.id,
    chatType: row.chatType,
    chatJid: side.chatJid,
    fromJid: side.fromJid,
    toJid: side.toJid,
    senderId: row.senderId,
    type: row.type,
    text: deleted ? null : row.text,
    media: deleted ? null : row.media,
    replyTo: side.replyTo,
    mentionedUserJids: deleted ? [] : row.mentions,
    isForwarded: row.isForwarded,
    isDeletedForEveryone: deleted,
    isFavourite: side.isFavourite,
    isMuted: side.isMuted,
    status: side.status,
    createdAt: row.createdAt.toISOString(),
  };
}

/** How far a message got with its recipients. */
export interface Progress {
  total: number;
  delivered: number;
  seen: number;
}

type ReceiptTimes = { deliveredAt: Date | null; seenAt: Date | null };

/** One recipient's status of a message: what their receipt reached. */
export function receiptStatus(receipt: ReceiptTimes | undefined): MessageStatus {
  if (receipt?.seenAt) return "SEEN";
  return receipt?.deliveredAt ? "DELIVERED" : "SENT";
}

/** How far a message got, from its receipts. */
export function progressOf(receipts: readonly ReceiptTimes[]): Progress {
  return {
    total: receipts.length,
    delivered: receipts.filter((r) => r.deliveredAt !== null).length,
    seen: receipts.filter((r) => r.seenAt !== null).length,
  };
}

/** For the sender: the furthest status every recipient reached; for a recipient: their own. */
export function statusFor(
  row: Pick<MessageRow, "senderId">,
  viewerId: number,
  own: ReceiptTimes | undefined,
  progress: Progress | undefined,
): MessageStatus {
  if (viewerId === row.senderId) {
    if (!progress || progress.total === 0) return "SENT";
    if (progress.seen === progress.total) return "SEEN";
    return progress.delivered === progress.total ? "DELIVERED" : "SENT";
  }
  return receiptStatus(own);
}
