// Per-user message state: whether the user marked the message a favourite or deleted it for
// themself. A row exists only once the user did either.
import { Column, Entity, Index, PrimaryColumn } from "typeorm";

@Entity({ name: "message_states" })
@Index("message_states_favourites_idx", ["userId", "isFavourite", "favouritedAt"])
@Index("message_states_message_idx", ["messageRowId"])
export class MessageState {
  @PrimaryColumn({ name: "user_id", type: "integer" })
  userId!: number;

  @PrimaryColumn({ name: "message_row_id", type: "bigint" })
  messageRowId!: string;

  @Column({ name: "chat_key", type: "varchar", length: 160 })
  chatKey!: string;

  @Column({ name: "is_favourite", type: "boolean", default: false })
  isFavourite!: boolean;

  @Column({ name: "favourited_at", type: Date, nullable: true })
  favouritedAt!: Date | null;

  @Column({ name: "is_deleted", type: "boolean", default: false })
  isDeleted!: boolean;
}
