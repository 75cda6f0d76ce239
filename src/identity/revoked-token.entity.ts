// Tokens revoked by logout before they expire; rows past expiresAt are pruned.
import { Column, Entity, PrimaryColumn } from "typeorm";

@Entity({ name: "revoked_tokens" })
export class RevokedToken {
  @PrimaryColumn({ type: "varchar", length: 64 })
  jti!: string;

  @Column({ name: "user_id", type: "integer" })
  userId!: number;

  @Column({ name: "expires_at", type: Date })
  expiresAt!: Date;
}
