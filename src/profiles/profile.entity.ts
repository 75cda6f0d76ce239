// The profiles table: one row per user, created with the user.
import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from "typeorm";
import { User } from "../identity/user.entity.js";
import type { MediaUse } from "../media/media-store.js";

export type Gender = "UNKNOWN" | "FEMALE" | "MALE";
export type AllowType = "ALLOW_ANY" | "NEED_CONFIRM" | "DENY_ANY";
export type AdminForbidType = "NONE" | "SEND_OUT";

@Entity({ name: "profiles" })
export class Profile {
  @PrimaryColumn({ name: "user_id", type: "integer" })
  userId!: number;

  @OneToOne(() => User, { onDelete: "CASCADE" })
  @JoinColumn({ name: "user_id" })
  user!: User;

  @Column({ type: "varchar", length: 64, nullable: true })
  nickname!: string | null;

  @Column({ name: "image_url", type: "varchar", length: 2048, nullable: true })
  imageUrl!: string | null;

  @Column({ name: "image_file_token", type: "varchar", length: 128, nullable: true })
  imageFileToken!: string | null;

  @Column({ type: "varchar", length: 256, nullable: true })
  status!: string | null;

  @Column({ name: "mobile_number", type: "varchar", length: 32, nullable: true })
  mobileNumber!: string | null;

  @Column({ type: "varchar", length: 254, nullable: true })
  email!: string | null;

  @Column({ type: "varchar", length: 16, default: "UNKNOWN" })
  gender!: Gender;

  @Column({ type: "integer", nullable: true })
  birthday!: number | null;

  @Column({ type: "varchar", length: 256, nullable: true })
  location!: string | null;

  @Column({ type: "integer", nullable: true })
  language!: number | null;

  @Column({ name: "allow_type", type: "varchar", length: 16, default: "ALLOW_ANY" })
  allowType!: AllowType;

  @Column({ name: "message_settings", type: "integer", nullable: true })
  messageSettings!: number | null;

  @Column({ name: "admin_forbid_type", type: "varchar", length: 16, default: "NONE" })
  adminForbidType!: AdminForbidType;

  @Column({ type: "integer", nullable: true })
  level!: number | null;

  @Column({ type: "integer", nullable: true })
  role!: number | null;

  /** key → value, for the keys in PROFILE_CUSTOM_FIELDS. */
  @Column({ name: "custom_fields", type: "simple-json" })
  customFields!: Record<string, string>;

  /** Set once the owner first calls setUserProfile (Registration.isProfileUpdated). */
  @Column({ name: "is_profile_updated", type: "boolean", default: false })
  isProfileUpdated!: boolean;

  @Column({ name: "last_seen_at", type: Date, nullable: true })
  lastSeenAt!: Date | null;

  @Column({ name: "updated_at", type: Date })
  updatedAt!: Date;
}

/** A profile's image is in use while the profile names it, and anyone may see it. */
export const PROFILE_IMAGE: MediaUse = { table: "profiles", column: "image_file_token", public: true };
