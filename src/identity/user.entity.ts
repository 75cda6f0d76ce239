// The users table: credentials only. The public face of a user is its profile (src/profiles).
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity({ name: "users" })
export class User {
  @PrimaryGeneratedColumn({ type: "integer" })
  id!: number;

  /** The app's own user identifier, lower-cased; the local part of the user's jid. */
  @Column({ type: "varchar", length: 64, unique: true })
  username!: string;

  /** scrypt$N$r$p$salt$hash, see password.ts. */
  @Column({ name: "password_hash", type: "varchar", length: 256 })
  passwordHash!: string;

  @Column({ name: "is_sandbox", type: "boolean", default: false })
  isSandbox!: boolean;

  /** Parley tokens issued before this generation are revoked (revokeUserTokens moves it on). */
  @Column({ name: "token_generation", type: "integer", default: 0 })
  tokenGeneration!: number;

  /** Tokens of the app's own auth issued (iat) up to this moment are revoked. */
  @Column({ name: "tokens_revoked_at", type: Date, nullable: true })
  tokensRevokedAt!: Date | null;

  @CreateDateColumn({ name: "created_at", type: Date })
  createdAt!: Date;
}
