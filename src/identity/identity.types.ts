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

/** The authenticated caller of an operation. */
export interface Viewer {
  userId: number;
  username: string;
  jid: string;
  jti: string;
  expiresAt: Date;
}
