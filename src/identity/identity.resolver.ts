// Identity operations: jids, register, connect, logout.
import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../graphql/context.js";
import { badInput } from "../graphql/errors.js";
import { Registration, Session } from "./identity.types.js";
import { Jids, USERNAME_PATTERN } from "./jid.js";

@Resolver()
export class IdentityResolver {
  @Query(() => ID, { description: "getJid" })
  jid(@Arg("username", () => String) username: string, @Ctx() ctx: Context): string {
    if (!USERNAME_PATTERN.test(username)) throw badInput("username", "must be 1 to 64 letters or digits");
    return ctx.services.jids.user(username);
  }

  @Query(() => ID, { description: "getGroupJid" })
  groupJid(@Arg("groupId", () => ID) groupId: string, @Ctx() ctx: Context): string {
    if (!Jids.isValidGroupId(groupId)) throw badInput("groupId", "must be 1 to 64 letters, digits, _ or -");
    return ctx.services.jids.group(groupId);
  }

  @Mutation(() => Registration, {
    description: "register: needs the licence key (x-license-key header) when the server has one.",
  })
  register(@Arg("userIdentifier", () => String) userIdentifier: string, @Ctx() ctx: Context): Promise<Registration> {
    return ctx.services.identity.register(userIdentifier, ctx.licenseKey);
  }

  @Mutation(() => Session, { description: "connect" })
  connect(
    @Arg("username", () => String) username: string,
    @Arg("password", () => String) password: string,
    @Ctx() ctx: Context,
  ): Promise<Session> {
    return ctx.services.identity.connect(username, password);
  }

  @Mutation(() => Boolean, { description: "Revokes the caller's token; open WebSocket connections with it are closed." })
  async logout(@Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.identity.logout(await ctx.viewer());
  }
}
