// GraphQL shapes of identity: what register and connect return.
import { Field, ID, ObjectType } from "type-graphql";

@ObjectType()
export class Registration {
  @Field(() => String)
  username!: string;

  @Field(() => String, { description: "Generated secret, returned by register only." })
  password!: string;

  @Field(() => ID)
  userJid!: string;

  @Field(() => Boolean)
  isProfileUpdated!: boolean;

  @Field(() => Boolean, { description: "True when the server runs with a trial licence." })
  isSandbox!: boolean;
}

@ObjectType()
export class Session {
  @Field(() => String, {
    description: "Bearer token for HTTP (Authorization header) and WebSocket (connectionParams.authorization).",
  })
  token!: string;

  @Field(() => ID)
  userJid!: string;

  @Field(() => Date)
  expiresAt!: Date;
}

/** What decides whether a token still holds: its own revocation, or all of its user's. */
export interface SessionKey {
  userId: number;
  jti: string;
  /** A Parley token's generation; null for a token of the app's own auth. */
  generation: number | null;
  /** A token of the app's own auth: when it was issued (iat), if it says. */
  issuedAt: Date | null;
}

/** The authenticated caller of an operation. */
export interface Viewer extends SessionKey {
  username: string;
  jid: string;
  expiresAt: Date;
}
