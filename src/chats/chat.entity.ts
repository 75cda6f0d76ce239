// Per-user chat state: one row for each chat a user takes part in, keyed by the chat's jid
// as that user sees it (the other user's jid, or the group's).
import { Column, Entity, Index, PrimaryColumn } from "typeorm";

export type ChatType = "CHAT" | "GROUPCHAT";

@Entity({ name: "chats" })
@Index("chats_peer_idx", ["peerUserId"])
@Index("chats_owner_updated_idx", ["ownerId", "updatedAt"])
export class Chat {
  @PrimaryColumn({ name: "owner_id", type: "integer" })
  ownerId!: number;

  @PrimaryColumn({ type: "varchar", length: 320 })
  jid!: string;

  @Column({ name: "chat_type", type: "varchar", length: 16 })
  chatType!: ChatType;

  /** The other user of a one-to-one chat; null for group chats. */
  @Column({ name: "peer_user_id", type: "integer", nullable: true })
  peerUserId!: number | null;

  @Column({ name: "updated_at", type: Date })
  updatedAt!: Date;
}
