// The media table: one row per uploaded file. The token names it in the API; the storage key
// names its bytes and is never shown.
import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/** What a file is, detected from its bytes; the send mutation must match it. */
export type MediaKind = "IMAGE" | "AUDIO" | "VIDEO" | "FILE";

@Entity({ name: "media" })
@Index("media_owner_idx", ["ownerId"])
@Index("media_created_idx", ["createdAt"])
export class MediaRow {
  @PrimaryColumn({ type: "varchar", length: 64 })
  token!: string;

  @Column({ name: "owner_id", type: "integer" })
  ownerId!: number;

  @Column({ name: "storage_key", type: "varchar", length: 255 })
  storageKey!: string;

  @Column({ name: "mime_type", type: "varchar", length: 128 })
  mimeType!: string;

  @Column({ type: "varchar", length: 16 })
  kind!: MediaKind;

  /** Sanitised: a bare name, no path, no control characters. */
  @Column({ name: "file_name", type: "varchar", length: 255 })
  fileName!: string;

  @Column({ type: "bigint", transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  size!: number;

  @Column({ type: "varchar", length: 64 })
  sha256!: string;

  @Column({ type: "integer", nullable: true })
  width!: number | null;

  @Column({ type: "integer", nullable: true })
  height!: number | null;

  /** Seconds, for audio and video. */
  @Column({ name: "duration_seconds", type: "double precision", nullable: true })
  durationSeconds!: number | null;

  /** Base64 JPEG. */
  @Column({ type: "text", nullable: true })
  thumbnail!: string | null;

  @Column({ name: "created_at", type: Date })
  createdAt!: Date;
}

/**
 * What a media message carries of a file (the API's MediaInfo; the messages.media column): media
 * builds it from an upload or from external metadata, the message core stores and shows it.
 */
export interface MediaData {
  fileToken: string | null;
  url: string | null;
  fileName: string;
  fileSize: number;
  mimeType: string | null;
  caption: string | null;
  duration: string | null;
  thumbImage: string | null;
  width: number | null;
  height: number | null;
}
