// The messages table. rowId is the global, increasing position in history (bigint; read as a
// string); id is the client-visible msgId, unique across the server.
import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { MediaData } from "../media/media.entity.js";
import type { MediaUse } from "../media/media-store.js";
import type { ChatType } from "./chat.entity.js";

export type MessageType = "TEXT" | "IMAGE" | "AUDIO" | "VIDEO" | "FILE";

export type { MediaData };

@Entity({ name: "messages" })
@Index("messages_chat_row_idx", ["chatKey", "rowId"])
@Index("messages_sender_row_idx", ["senderId", "rowId"])
export class MessageRow {
  @PrimaryGeneratedColumn({ name: "row_id", type: "bigint" })
  rowId!: string;

  @Column({ type: "varchar", length: 64, unique: true })
  id!: string;

  /** d:<smaller user id>:<larger user id> for one-to-one chats. */
  @Column({ name: "chat_key", type: "varchar", length: 160 })
  chatKey!: string;

  @Column({ name: "chat_type", type: "varchar", length: 16 })
  chatType!: ChatType;

  @Column({ name: "sender_id", type: "integer" })
  senderId!: number;

  @Column({ name: "recipient_id", type: "integer", nullable: true })
  recipientId!: number | null;

  @Column({ type: "varchar", length: 16 })
  type!: MessageType;

  @Column({ type: "text", nullable: true })
  text!: string | null;

  @Column({ type: "simple-json", nullable: true })
  media!: MediaData | null;

  /** The token of the uploaded file the message carries (media.fileToken), for download checks. */
  @Column({ name: "media_token", type: "varchar", length: 64, nullable: true })
  mediaToken!: string | null;

  @Column({ name: "reply_to_id", type: "varchar", length: 64, nullable: true })
  replyToId!: string | null;

  /** Jids of the mentioned users. */
  @Column({ type: "simple-json" })
  mentions!: string[];

  @Column({ name: "is_forwarded", type: "boolean", default: false })
  isForwarded!: boolean;

  @Column({ name: "deleted_for_everyone_at", type: Date, nullable: true })
  deletedForEveryoneAt!: Date | null;

  @Column({ name: "created_at", type: Date })
  createdAt!: Date;

  /** Group messages: when the sender was told every recipient had it (ReceiptService.announce). */
  @Column({ name: "delivery_announced_at", type: Date, nullable: true, select: false })
  deliveryAnnouncedAt?: Date | null;

  /** Group messages: when the sender was told every recipient had seen it. */
  @Column({ name: "seen_announced_at", type: Date, nullable: true, select: false })
  seenAnnouncedAt?: Date | null;
}

/** A message's file is in use until the message is deleted for everyone (it no longer carries its content). */
export const MESSAGE_MEDIA: MediaUse = { table: "messages", column: "media_token", untilSet: "deleted_for_everyone_at" };
