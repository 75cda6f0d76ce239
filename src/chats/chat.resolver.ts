// Chat list and conversation management operations.
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { Context as RequestContext } from "../graphql/context.js";
import type { ConversationService } from "./conversation.service.js";
import type { RecentChatService } from "./recent-chat.service.js";
import { limitArgument, listOf } from "../graphql/cost.js";
import { DEFAULT_CHATS_PAGE, MAX_CHATS_PAGE } from "./recent-chat.service.js";
import { RecentChat } from "./chat.types.js";

/** The services these resolvers call. */
type Context = RequestContext<{ conversations: ConversationService; recentChats: RecentChatService }>;

@Resolver()
export class ChatResolver {
  @Query(() => [RecentChat], {
    description: "The caller's chats, archived ones excluded, most recent first, at most limit.",
    complexity: listOf(limitArgument(MAX_CHATS_PAGE)),
  })
  async recentChats(
    @Arg("limit", () => Int, { defaultValue: DEFAULT_CHATS_PAGE, nullable: true, description: "The most chats to return, 1 to 1000." }) limit: number | null,
    @Ctx() ctx: Context,
  ): Promise<RecentChat[]> {
    return ctx.services.recentChats.list(await ctx.viewer(), false, limit ?? DEFAULT_CHATS_PAGE);
  }

  @Query(() => [RecentChat], { description: "The caller's archived chats, most recent first, at most limit.", complexity: listOf(limitArgument(MAX_CHATS_PAGE)) })
  async archivedChats(
    @Arg("limit", () => Int, { defaultValue: DEFAULT_CHATS_PAGE, nullable: true, description: "The most chats to return, 1 to 1000." }) limit: number | null,
    @Ctx() ctx: Context,
  ): Promise<RecentChat[]> {
    return ctx.services.recentChats.list(await ctx.viewer(), true, limit ?? DEFAULT_CHATS_PAGE);
  }

  @Mutation(() => Boolean, { description: "Clears the chat's messages for the caller only, up to lastMessageId when given." })
  async clearChat(
    @Arg("toJid", () => ID, { description: "The chat: the other user's jid (<username>@<XMPP_DOMAIN>) or the group's jid (<groupId>@mix.<XMPP_DOMAIN>)." }) toJid: string,
    @Arg("deleteFavourites", () => Boolean, { defaultValue: false, nullable: true, description: "Also delete the caller's favourite messages of the chat; they are kept by default." }) deleteFavourites: boolean | null,
    @Arg("lastMessageId", () => ID, { nullable: true, description: "Clear only up to this message (a msgId of the chat); everything when omitted." }) lastMessageId: string | null,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    ctx.requireFeature("clearChat");
    return ctx.services.conversations.clear(await ctx.viewer(), toJid, deleteFavourites ?? false, lastMessageId ?? null);
  }

  @Mutation(() => Boolean, { description: "Removes the chat from the caller's recent chats (and clears it)." })
  async deleteChat(
    @Arg("toJid", () => ID, { description: "The chat: the other user's jid (<username>@<XMPP_DOMAIN>) or the group's jid (<groupId>@mix.<XMPP_DOMAIN>)." }) toJid: string,
    @Arg("deleteFavourites", () => Boolean, { defaultValue: false, nullable: true, description: "Also delete the caller's favourite messages of the chat; they are kept by default." }) deleteFavourites: boolean | null,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    ctx.requireFeature("deleteChat");
    return ctx.services.conversations.delete(await ctx.viewer(), toJid, deleteFavourites ?? false);
  }

  @Mutation(() => Boolean, { description: "Clears every chat of the caller, for the caller only; favourites stay." })
  async clearAllChats(@Ctx() ctx: Context): Promise<boolean> {
    ctx.requireFeature("clearChat");
    return ctx.services.conversations.clearAll(await ctx.viewer(), false);
  }

  @Mutation(() => Boolean, { description: "Removes every chat from the caller's recent chats (and clears them); favourites stay." })
  async deleteAllRecentChats(@Ctx() ctx: Context): Promise<boolean> {
    ctx.requireFeature("deleteChat");
    return ctx.services.conversations.clearAll(await ctx.viewer(), true);
  }

  @Mutation(() => Boolean, { description: "Mutes or unmutes a chat for the caller: their messages in it then carry isMuted." })
  async muteChat(@Arg("toJid", () => ID, { description: "The chat: the other user's jid (<username>@<XMPP_DOMAIN>) or the group's jid (<groupId>@mix.<XMPP_DOMAIN>)." }) toJid: string, @Arg("isMuted", () => Boolean, { description: "True to mute, false to unmute." }) isMuted: boolean, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.conversations.mute(await ctx.viewer(), toJid, isMuted);
  }

  @Mutation(() => Boolean, { description: "Archives or unarchives a chat for the caller." })
  async archiveChat(
    @Arg("toJid", () => ID, { description: "The chat: the other user's jid (<username>@<XMPP_DOMAIN>) or the group's jid (<groupId>@mix.<XMPP_DOMAIN>)." }) toJid: string,
    @Arg("isArchived", () => Boolean, { description: "True to archive, false to unarchive." }) isArchived: boolean,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.conversations.archive(await ctx.viewer(), toJid, isArchived);
  }
}
