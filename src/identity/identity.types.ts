// GraphQL shapes of identity: what register and connect return.
import { Field, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "What register returns, once: a credential, not a thing a cache keeps, so no id." })
export class Registration {
  @Field(() => String, { description: "The user's name on this server (the userIdentifier)." })
  username!: string;

  @Field(() => String, { description: "Generated secret, returned by register only." })
  password!: string;

  @Field(() => ID, { description: "The user's jid: <username>@<XMPP_DOMAIN>." })
  userJid!: string;

  @Field(() => Boolean, { description: "The user has set a profile already (false for a new user)." })
  isProfileUpdated!: boolean;

  @Field(() => Boolean, { description: "True when the server runs with a trial licence." })
  isSandbox!: boolean;
}

@ObjectType({ description: "A signed-in session: a credential, not a thing a cache keeps, so no id." })
export class Session {
  @Field(() => String, {
    description: "Bearer token for HTTP (Authorization header) and WebSocket (connectionParams.authorization).",
  })
  token!: string;

  @Field(() => ID, { description: "The signed-in user's jid." })
  userJid!: string;

  @Field(() => Date, { description: "When the token stops being accepted." })
  expiresAt!: Date;
}

export type { SessionKey, Viewer } from "../graphql/viewer.js";
