// Per-user chat state: one row for each chat a user takes part in, keyed by the chat's jid as
// that user sees it (the other user's jid, or the group's). Maintained on write, so recent chats
// and unread counts never scan history.
import { Column, Entity, Index, PrimaryColumn } from "typeorm";

export type ChatType = "CHAT" | "GROUPCHAT";

@Entity({ name: "chats" })
@Index("chats_peer_idx", ["peerUserId"])
@Index("chats_owner_key_idx", ["ownerId", "chatKey"])
export class Chat {
  @PrimaryColumn({ name: "owner_id", type: "integer" })
  ownerId!: number;

  @PrimaryColumn({ type: "varchar", length: 320 })
  jid!: string;

  @Column({ name: "chat_type", type: "varchar", length: 16 })
  chatType!: ChatType;

  /** The chat's key in messages.chat_key. */
  @Column({ name: "chat_key", type: "varchar", length: 160 })
  chatKey!: string;

  /** The other user of a one-to-one chat; null for group chats. */
  @Column({ name: "peer_user_id", type: "integer", nullable: true })
  peerUserId!: number | null;

  @Column({ name: "last_message_row_id", type: "bigint", nullable: true })
  lastMessageRowId!: string | null;

  @Column({ name: "unread_count", type: "integer", default: 0 })
  unreadCount!: number;

  @Column({ name: "is_muted", type: "boolean", default: false })
  isMuted!: boolean;

  @Column({ name: "is_archived", type: "boolean", default: false })
  isArchived!: boolean;

  /** Messages up to this rowId are cleared for the owner. */
  @Column({ name: "cleared_up_to_row_id", type: "bigint", default: 0 })
  clearedUpToRowId!: string;

  /** Deleted from recent chats until a new message arrives. */
  @Column({ name: "is_hidden", type: "boolean", default: false })
  isHidden!: boolean;

  @Column({ name: "updated_at", type: Date })
  updatedAt!: Date;
}
