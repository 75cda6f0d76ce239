// GraphQL shapes of messages, and the one mapping from a message payload to the API type.
import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { listOf } from "../graphql/cost.js";
import type { MessagesDeletedPayload, ReceiptPayload, TypingPayload } from "../realtime/topics.js";
import type { MessagePayload } from "./message-view.js";

/** A message mentions at most this many users. */
export const MAX_MENTIONS = 50;
/** deleteMessagesFor… names at most this many messages (so a MessagesDeleted event holds at most as many). */
export const MAX_DELETE = 100;

export const ChatTypeEnum = { CHAT: "CHAT", GROUPCHAT: "GROUPCHAT" } as const;
export const MessageTypeEnum = { TEXT: "TEXT", IMAGE: "IMAGE", AUDIO: "AUDIO", VIDEO: "VIDEO", FILE: "FILE" } as const;
export const MessageStatusEnum = { SENT: "SENT", DELIVERED: "DELIVERED", SEEN: "SEEN" } as const;
export const TypingStateEnum = { COMPOSING: "COMPOSING", GONE: "GONE" } as const;
export const PagePosition = { UP: "UP", DOWN: "DOWN" } as const;
export type PagePosition = (typeof PagePosition)[keyof typeof PagePosition];

registerEnumType(ChatTypeEnum, {
  name: "ChatType",
  description: "One-to-one or group.",
  valuesConfig: { CHAT: { description: "A one-to-one chat between two users." }, GROUPCHAT: { description: "A group chat." } },
});
registerEnumType(MessageTypeEnum, {
  name: "MessageType",
  description: "What a message carries.",
  valuesConfig: {
    TEXT: { description: "Text only." },
    IMAGE: { description: "An image, with a thumbnail." },
    AUDIO: { description: "An audio file, with its duration." },
    VIDEO: { description: "A video, with its duration and a thumbnail." },
    FILE: { description: "A document: any other file." },
  },
});
registerEnumType(MessageStatusEnum, {
  name: "MessageStatus",
  description: "How far a message got, in this order.",
  valuesConfig: {
    SENT: { description: "Stored by the server." },
    DELIVERED: { description: "Written to the recipient's open WebSocket connection." },
    SEEN: { description: "The recipient marked it (or a later message of the chat) seen." },
  },
});
registerEnumType(TypingStateEnum, {
  name: "TypingState",
  description: "Whether a user is typing.",
  valuesConfig: { COMPOSING: { description: "Typing now." }, GONE: { description: "Stopped typing, or sent no COMPOSING for a few seconds." } },
});
registerEnumType(PagePosition, {
  name: "PagePosition",
  description: "Direction of a history page relative to lastRowId.",
  valuesConfig: { UP: { description: "Older messages than lastRowId." }, DOWN: { description: "Newer messages than lastRowId." } },
});

@ObjectType({ description: "The file of a media message. Part of its message (no id of its own): a client's cache keeps it inside the message." })
export class MediaInfo {
  @Field(() => String, { nullable: true, description: "The file's token, for downloadMedia: set for uploaded media; null for external media (sendMediaMessageData)." })
  fileToken!: string | null;

  @Field(() => String, { nullable: true, description: "External URL, or null for uploaded media (use downloadMedia)." })
  url!: string | null;

  @Field(() => String, { description: "The file's name as sent." })
  fileName!: string;

  @Field(() => Float, { description: "The file's size in bytes (a whole number)." })
  fileSize!: number;

  @Field(() => String, { nullable: true, description: "The type the server detected from an upload's content, e.g. image/png; null for external media." })
  mimeType!: string | null;

  @Field(() => String, { nullable: true, description: "Text sent with the file, at most 1024 characters." })
  caption!: string | null;

  @Field(() => String, { nullable: true, description: "Playing time as mm:ss (minutes and seconds, e.g. 03:07), for audio and video; null for others." })
  duration!: string | null;

  @Field(() => String, { nullable: true, description: "A small preview image, base64-encoded, for images and videos." })
  thumbImage!: string | null;

  @Field(() => Int, { nullable: true, description: "Pixels, for images and videos." })
  width!: number | null;

  @Field(() => Int, { nullable: true, description: "Pixels, for images and videos." })
  height!: number | null;
}

@ObjectType({ description: "A message as the viewer sees it. Identified by id (its msgId, unique on the server)." })
export class Message {
  @Field(() => ID, { description: "The msgId: client-chosen or generated." })
  id!: string;

  @Field(() => ID, {
    description: "The message's position in the server's history: a decimal integer string that grows with every message stored on the server (in the order they were stored), so it orders a chat's messages; the lastRowId of chatMessages and the afterRowId cursor of messageReceived.",
  })
  rowId!: string;

  @Field(() => ChatTypeEnum, { description: "CHAT (one-to-one) or GROUPCHAT." })
  chatType!: MessagePayload["chatType"];

  @Field(() => ID, { description: "The chat as the viewer sees it: the other user's jid (one-to-one) or the group's jid." })
  chatJid!: string;

  @Field(() => ID, { description: "The sender's jid." })
  fromJid!: string;

  @Field(() => ID, { description: "The recipient's jid (one-to-one) or the group's jid." })
  toJid!: string;

  @Field(() => MessageTypeEnum, { description: "TEXT or the kind of its file." })
  type!: MessagePayload["type"];

  @Field(() => String, { nullable: true, description: "The text of a TEXT message; null for media (see media.caption) and once deleted for everyone." })
  text!: string | null;

  @Field(() => MediaInfo, { nullable: true, description: "The file of a media message; null for TEXT and once deleted for everyone." })
  media!: MediaInfo | null;

  @Field(() => Message, { nullable: true, description: "The message this one replies to, when the viewer can see it." })
  replyTo!: Message | null;

  @Field(() => [ID], { complexity: listOf(() => MAX_MENTIONS), description: "Jids of the chat's members this message mentions, at most 50." })
  mentionedUserJids!: string[];

  @Field(() => Boolean, { description: "The message was sent by forwardMessages." })
  isForwarded!: boolean;

  @Field(() => Boolean, { description: "Its sender deleted it for everyone: text and media are gone." })
  isDeletedForEveryone!: boolean;

  @Field(() => Boolean, { description: "The viewer marked it a favourite." })
  isFavourite!: boolean;

  @Field(() => Boolean, { description: "For the viewer: they muted this chat, so a client shows no notification." })
  isMuted!: boolean;

  @Field(() => MessageStatusEnum, {
    description: "For the sender: the furthest status every recipient has reached; for a recipient: their own.",
  })
  status!: MessagePayload["status"];

  @Field(() => Date, { description: "When the server stored the message." })
  createdAt!: Date;
}

@ObjectType({ description: "One page of a chat's history. A value, not a thing: it has no id; its messages are kept once in a client's cache by Message.id." })
export class MessagePage {
  @Field(() => [Message], { description: "The page's messages, oldest first." })
  messages!: Message[];

  @Field(() => Boolean, { description: "More messages lie beyond this page in its direction." })
  hasMore!: boolean;
}

@ObjectType({ description: "A recipient's delivery or seen receipt of a message. Identified by id (message id/recipient jid)." })
export class Receipt {
  @Field(() => ID, { description: "The receipt's cache key: the message's id and the recipient's jid, joined by a slash." })
  get id(): string {
    return `${this.messageId}/${this.userJid}`;
  }

  @Field(() => ID, { description: "The message's id (msgId)." })
  messageId!: string;

  @Field(() => ID, { description: "The chat as the message's sender sees it." })
  chatJid!: string;

  @Field(() => ID, { description: "The recipient's jid." })
  userJid!: string;

  @Field(() => MessageStatusEnum, { description: "How far the message got with this recipient: DELIVERED or SEEN (and SENT in groupMessageInfo for a recipient it has not reached yet)." })
  status!: ReceiptPayload["status"];

  @Field(() => Date, { description: "When the recipient's status was reached (the message's own time while it is SENT)." })
  at!: Date;

  /**
   * Not in the API: the status the message reached for its sender with this receipt, when the
   * receipt is an announcement to the sender (messageStatusUpdated); Receipt.message reads it.
   */
  messageStatus?: ReceiptPayload["status"];
}

@ObjectType({ description: "Someone typing, or no longer, in one of the viewer's chats. An event, not a thing: it has no id." })
export class TypingEvent {
  @Field(() => ID, { description: "The chat as the viewer sees it: the typing user's jid (one-to-one) or the group's jid." })
  chatJid!: string;

  @Field(() => ID, { description: "The jid of the user typing." })
  fromJid!: string;

  @Field(() => TypingStateEnum, { description: "COMPOSING, or GONE when they stopped." })
  state!: TypingPayload["state"];

  @Field(() => Date, { description: "When the state was sent." })
  at!: Date;
}

@ObjectType({ description: "Messages deleted for everyone. An event, not a thing: it has no id; the messages' ids name the cached messages to mark." })
export class MessagesDeleted {
  @Field(() => ID, { description: "The chat as the viewer sees it." })
  chatJid!: string;

  @Field(() => [ID], { complexity: listOf(() => MAX_DELETE), description: "The deleted messages' ids, at most 100." })
  messageIds!: string[];

  @Field(() => ID, { description: "The jid of their sender, who deleted them." })
  byJid!: string;

  @Field(() => Date, { description: "When they were deleted." })
  at!: Date;
}

export function toMessagesDeleted(p: MessagesDeletedPayload): MessagesDeleted {
  return Object.assign(new MessagesDeleted(), { ...p, at: new Date(p.at) });
}

export function toMessage(p: MessagePayload): Message {
  return Object.assign(new Message(), {
    ...p,
    media: p.media ? Object.assign(new MediaInfo(), p.media) : null,
    replyTo: p.replyTo ? toMessage(p.replyTo) : null,
    createdAt: new Date(p.createdAt),
  });
}

/**
 * A receipt announced to its message's sender. The sender hears of a one-to-one message's receipt
 * each time, and of a group message's only once every recipient reached the status, so either way
 * the message's status (as its sender sees it) is now the receipt's.
 */
export function toReceipt(p: ReceiptPayload): Receipt {
  return Object.assign(new Receipt(), { ...p, at: new Date(p.at), messageStatus: p.status });
}

export function toTypingEvent(p: TypingPayload): TypingEvent {
  return Object.assign(new TypingEvent(), { ...p, at: new Date(p.at) });
}
