// Per-recipient receipts: one row for each recipient of a message, written with the message.
import { Column, Entity, Index, PrimaryColumn } from "typeorm";

@Entity({ name: "receipts" })
@Index("receipts_user_row_idx", ["userId", "messageRowId"])
@Index("receipts_user_chat_row_idx", ["userId", "chatKey", "messageRowId"])
export class ReceiptRow {
  @PrimaryColumn({ name: "message_row_id", type: "bigint" })
  messageRowId!: string;

  @PrimaryColumn({ name: "user_id", type: "integer" })
  userId!: number;

  @Column({ name: "chat_key", type: "varchar", length: 160 })
  chatKey!: string;

  @Column({ name: "delivered_at", type: Date, nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: "seen_at", type: Date, nullable: true })
  seenAt!: Date | null;
}
