// The groups and group_participants tables. A participant who left keeps their row with
// leftAt set: they keep the history of their time in the group.
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import type { ParticipantRole } from "./group.types.js";
import type { MediaUse } from "../media/media-store.js";

@Entity({ name: "groups" })
export class GroupRow {
  @PrimaryColumn({ type: "varchar", length: 64 })
  id!: string;

  @Column({ type: "varchar", length: 100 })
  name!: string;

  @Column({ name: "image_url", type: "varchar", length: 2048, nullable: true })
  imageUrl!: string | null;

  @Column({ name: "image_file_token", type: "varchar", length: 128, nullable: true })
  imageFileToken!: string | null;

  @Column({ name: "created_by", type: "integer" })
  createdBy!: number;

  @Column({ name: "created_at", type: Date })
  createdAt!: Date;

  @Column({ name: "deleted_at", type: Date, nullable: true })
  deletedAt!: Date | null;
}

@Entity({ name: "group_participants" })
@Index("group_participants_user_idx", ["userId", "leftAt"])
export class GroupParticipantRow {
  @PrimaryColumn({ name: "group_id", type: "varchar", length: 64 })
  groupId!: string;

  @PrimaryColumn({ name: "user_id", type: "integer" })
  userId!: number;

  @Column({ type: "varchar", length: 16 })
  role!: ParticipantRole;

  @Column({ name: "joined_at", type: Date })
  joinedAt!: Date;

  @Column({ name: "left_at", type: Date, nullable: true })
  leftAt!: Date | null;
}

/** A group's image is in use until the group is deleted, and anyone may see it. */
export const GROUP_IMAGE: MediaUse = { table: "groups", column: "image_file_token", untilSet: "deleted_at", public: true };
