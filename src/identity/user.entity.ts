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

  @CreateDateColumn({ name: "created_at", type: Date })
  createdAt!: Date;
}
