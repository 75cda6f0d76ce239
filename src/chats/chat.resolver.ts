// Chat list and conversation management operations.
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../graphql/context.js";
import { limitArgument, listOf } from "../graphql/cost.js";
import { DEFAULT_CHATS_PAGE, MAX_CHATS_PAGE } from "./recent-chat.service.js";
import { RecentChat } from "./chat.types.js";

@Resolver()
export class ChatResolver {
  @Query(() => [RecentChat], {
    description: "getRecentChats: archived chats excluded, most recent first, at most limit.",
    complexity: listOf(limitArgument(MAX_CHATS_PAGE)),
  })
  async recentChats(
    @Arg("limit", () => Int, { defaultValue: DEFAULT_CHATS_PAGE, nullable: true }) limit: number | null,
    @Ctx() ctx: Context,
  ): Promise<RecentChat[]> {
    return ctx.services.recentChats.list(await ctx.viewer(), false, limit ?? DEFAULT_CHATS_PAGE);
  }

  @Query(() => [RecentChat], { description: "getAllArchivedChats: most recent first, at most limit.", complexity: listOf(limitArgument(MAX_CHATS_PAGE)) })
  async archivedChats(
    @Arg("limit", () => Int, { defaultValue: DEFAULT_CHATS_PAGE, nullable: true }) limit: number | null,
    @Ctx() ctx: Context,
  ): Promise<RecentChat[]> {
    return ctx.services.recentChats.list(await ctx.viewer(), true, limit ?? DEFAULT_CHATS_PAGE);
  }

  @Mutation(() => Boolean, { description: "Clears the chat's messages for the caller only, up to lastMessageId when given." })
  async clearChat(
    @Arg("toJid", () => ID) toJid: string,
    @Arg("deleteFavourites", () => Boolean, { defaultValue: false, nullable: true }) deleteFavourites: boolean | null,
    @Arg("lastMessageId", () => ID, { nullable: true }) lastMessageId: string | null,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    ctx.requireFeature("clearChat");
    return ctx.services.conversations.clear(await ctx.viewer(), toJid, deleteFavourites ?? false, lastMessageId ?? null);
  }

  @Mutation(() => Boolean, { description: "Removes the chat from the caller's recent chats (and clears it)." })
  async deleteChat(
    @Arg("toJid", () => ID) toJid: string,
    @Arg("deleteFavourites", () => Boolean, { defaultValue: false, nullable: true }) deleteFavourites: boolean | null,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    ctx.requireFeature("deleteChat");
    return ctx.services.conversations.delete(await ctx.viewer(), toJid, deleteFavourites ?? false);
  }

  @Mutation(() => Boolean)
  async clearAllChats(@Ctx() ctx: Context): Promise<boolean> {
    ctx.requireFeature("clearChat");
    return ctx.services.conversations.clearAll(await ctx.viewer(), false);
  }

  @Mutation(() => Boolean)
  async deleteAllRecentChats(@Ctx() ctx: Context): Promise<boolean> {
    ctx.requireFeature("deleteChat");
    return ctx.services.conversations.clearAll(await ctx.viewer(), true);
  }

  @Mutation(() => Boolean)
  async muteChat(@Arg("toJid", () => ID) toJid: string, @Arg("isMuted", () => Boolean) isMuted: boolean, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.conversations.mute(await ctx.viewer(), toJid, isMuted);
  }

  @Mutation(() => Boolean)
  async archiveChat(
    @Arg("toJid", () => ID) toJid: string,
    @Arg("isArchived", () => Boolean) isArchived: boolean,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.conversations.archive(await ctx.viewer(), toJid, isArchived);
  }
}
