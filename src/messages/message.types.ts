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

registerEnumType(ChatTypeEnum, { name: "ChatType" });
registerEnumType(MessageTypeEnum, { name: "MessageType" });
registerEnumType(MessageStatusEnum, { name: "MessageStatus" });
registerEnumType(TypingStateEnum, { name: "TypingState" });
registerEnumType(PagePosition, {
  name: "PagePosition",
  description: "Direction of a history page relative to lastRowId.",
  valuesConfig: { UP: { description: "Older messages than lastRowId." }, DOWN: { description: "Newer messages than lastRowId." } },
});

@ObjectType()
export class MediaInfo {
  @Field(() => String, { nullable: true, description: "Set for uploaded media; null for external media (sendMediaMessageData)." })
  fileToken!: string | null;

  @Field(() => String, { nullable: true, description: "External URL, or null for uploaded media (use downloadMedia)." })
  url!: string | null;

  @Field(() => String)
  fileName!: string;

  @Field(() => Float, { description: "Bytes." })
  fileSize!: number;

  @Field(() => String, { nullable: true })
  mimeType!: string | null;

  @Field(() => String, { nullable: true })
  caption!: string | null;

  @Field(() => String, { nullable: true, description: "mm:ss, for audio and video." })
  duration!: string | null;

  @Field(() => String, { nullable: true, description: "Base64 thumbnail for images and videos." })
  thumbImage!: string | null;

  @Field(() => Int, { nullable: true })
  width!: number | null;

  @Field(() => Int, { nullable: true })
  height!: number | null;
}

@ObjectType()
export class Message {
  @Field(() => ID, { description: "The msgId: client-chosen or generated." })
  id!: string;

  @Field(() => ID, {
    description: "Position in history, increasing with time; the lastRowId of pagination and the cursor of messageReceived.",
  })
  rowId!: string;

  @Field(() => ChatTypeEnum)
  chatType!: MessagePayload["chatType"];

  @Field(() => ID, { description: "The chat as the viewer sees it: the other user's jid (one-to-one) or the group's jid." })
  chatJid!: string;

  @Field(() => ID)
  fromJid!: string;

  @Field(() => ID)
  toJid!: string;

  @Field(() => MessageTypeEnum)
  type!: MessagePayload["type"];

  @Field(() => String, { nullable: true })
  text!: string | null;

  @Field(() => MediaInfo, { nullable: true })
  media!: MediaInfo | null;

  @Field(() => Message, { nullable: true })
  replyTo!: Message | null;

  @Field(() => [ID], { complexity: listOf(() => MAX_MENTIONS) })
  mentionedUserJids!: string[];

  @Field(() => Boolean)
  isForwarded!: boolean;

  @Field(() => Boolean)
  isDeletedForEveryone!: boolean;

  @Field(() => Boolean, { description: "For the viewer." })
  isFavourite!: boolean;

  @Field(() => Boolean, { description: "For the viewer: they muted this chat, so a client shows no notification." })
  isMuted!: boolean;

  @Field(() => MessageStatusEnum, {
    description: "For the sender: the furthest status every recipient has reached; for a recipient: their own.",
  })
  status!: MessagePayload["status"];

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class MessagePage {
  @Field(() => [Message], { description: "Oldest first." })
  messages!: Message[];

  @Field(() => Boolean)
  hasMore!: boolean;
}

@ObjectType()
export class Receipt {
  @Field(() => ID, { description: "The receipt's cache key: the message's id and the recipient's jid, joined by a slash." })
  get id(): string {
    return `${this.messageId}/${this.userJid}`;
  }

  @Field(() => ID)
  messageId!: string;

  @Field(() => ID)
  chatJid!: string;

  @Field(() => ID)
  userJid!: string;

  @Field(() => MessageStatusEnum)
  status!: ReceiptPayload["status"];

  @Field(() => Date)
  at!: Date;

  /**
   * Not in the API: the status the message reached for its sender with this receipt, when the
   * receipt is an announcement to the sender (messageStatusUpdated); Receipt.message reads it.
   */
  messageStatus?: ReceiptPayload["status"];
}

@ObjectType()
export class TypingEvent {
  @Field(() => ID)
  chatJid!: string;

  @Field(() => ID)
  fromJid!: string;

  @Field(() => TypingStateEnum)
  state!: TypingPayload["state"];

  @Field(() => Date)
  at!: Date;
}

@ObjectType()
export class MessagesDeleted {
  @Field(() => ID)
  chatJid!: string;

  @Field(() => [ID], { complexity: listOf(() => MAX_DELETE) })
  messageIds!: string[];

  @Field(() => ID)
  byJid!: string;

  @Field(() => Date)
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
