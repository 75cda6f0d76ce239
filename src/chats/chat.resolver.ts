// Chat list operations.
import { Ctx, Query, Resolver } from "type-graphql";
import type { Context } from "../graphql/context.js";
import { RecentChat } from "./chat.types.js";

@Resolver()
export class ChatResolver {
  @Query(() => [RecentChat], { description: "getRecentChats: archived chats excluded, most recent first." })
  async recentChats(@Ctx() ctx: Context): Promise<RecentChat[]> {
    return ctx.services.recentChats.list(await ctx.viewer(), false);
  }
}
