// Identity operations: jids, register, connect, logout, and the app backend's mint and revoke.
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { Context as RequestContext } from "../graphql/context.js";
import type { IdentityService } from "./identity.service.js";
import { badInput } from "../graphql/errors.js";
import { Registration, Session } from "./identity.types.js";
import { Jids, USERNAME_PATTERN } from "./jid.js";

/** The services these resolvers call. */
type Context = RequestContext<{ identity: IdentityService; jids: Jids }>;

@Resolver()
export class IdentityResolver {
  @Query(() => ID, { description: "The jid of a username: <username>@<XMPP_DOMAIN>. Needs no token." })
  jid(@Arg("username", () => String, { description: "A username: 1 to 64 letters or digits." }) username: string, @Ctx() ctx: Context): string {
    if (!USERNAME_PATTERN.test(username)) throw badInput("username", "must be 1 to 64 letters or digits");
    return ctx.services.jids.user(username);
  }

  @Query(() => ID, { description: "The jid of a group id: <groupId>@mix.<XMPP_DOMAIN>. Needs no token." })
  groupJid(@Arg("groupId", () => ID, { description: "A group id: 1 to 64 letters, digits, _ or -." }) groupId: string, @Ctx() ctx: Context): string {
    if (!Jids.isValidGroupId(groupId)) throw badInput("groupId", "must be 1 to 64 letters, digits, _ or -");
    return ctx.services.jids.group(groupId);
  }

  @Mutation(() => Registration, {
    description:
      "Creates a user and returns their generated password, once. An existing userIdentifier is a CONFLICT, " +
      "except for the app's backend (x-api-key header with the server API key), which re-keys the user: the only way to rotate a password. " +
      "Who may create users is the server's registration mode: anyone (open), holders of the licence key (x-license-key header), " +
      "or only the app's backend (server).",
  })
  register(@Arg("userIdentifier", () => String, { description: "The user's name to create: 1 to 64 letters or digits (it becomes the username)." }) userIdentifier: string, @Ctx() ctx: Context): Promise<Registration> {
    return ctx.services.identity.register(userIdentifier, { licenseKey: ctx.licenseKey, server: ctx.serverAccess });
  }

  @Mutation(() => Session, {
    description:
      "The app's backend (x-api-key header with the server API key) mints a token for one of its users, creating the user on first use. " +
      "The app's own sign-in vouches for the user; no password is involved.",
  })
  mintUserToken(
    @Arg("userIdentifier", () => String, { description: "The app's own id of the user (1 to 64 letters or digits)." }) userIdentifier: string,
    @Arg("expiresInSeconds", () => Int, { nullable: true, description: "The token's lifetime, 60 s to 365 days; default TOKEN_TTL_SECONDS." })
    expiresInSeconds: number | undefined,
    @Ctx() ctx: Context,
  ): Promise<Session> {
    return ctx.services.identity.mintToken(ctx.serverAccess, userIdentifier, expiresInSeconds ?? undefined);
  }

  @Mutation(() => Boolean, {
    description:
      "The app's backend (x-api-key header with the server API key) revokes every token of a user: Parley's and the app's own JWTs issued until now. " +
      "Their open WebSocket connections are closed on every process.",
  })
  revokeUserTokens(
    @Arg("userIdentifier", () => String, { description: "The app's own id of the user." }) userIdentifier: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.identity.revokeAllTokens(ctx.serverAccess, userIdentifier);
  }

  @Mutation(() => Session, { description: "Signs a user in with the password register returned, and returns a token." })
  connect(
    @Arg("username", () => String, { description: "A username: 1 to 64 letters or digits." }) username: string,
    @Arg("password", () => String, { description: "The password register returned." }) password: string,
    @Ctx() ctx: Context,
  ): Promise<Session> {
    return ctx.services.identity.connect(username, password);
  }

  @Mutation(() => Boolean, { description: "Revokes the caller's token; open WebSocket connections with it are closed." })
  async logout(@Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.identity.logout(await ctx.viewer());
  }
}
