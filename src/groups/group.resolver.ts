// Group operations, group message info, and the groupUpdated subscription.
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import type { Context } from "../graphql/context.js";
import { limitArgument, listOf } from "../graphql/cost.js";
import { type GroupEventPayload, topics } from "../realtime/topics.js";
import { DEFAULT_GROUPS_PAGE, MAX_GROUPS_PAGE } from "./group.service.js";
import { Group, GroupEvent, GroupMessageInfo, Participant } from "./group.types.js";

@Resolver()
export class GroupResolver {
  @Query(() => [Group], {
    description: "getGroupsList: the viewer's groups, newest first, at most limit (each with its participants, which count toward the query cost).",
    complexity: listOf(limitArgument(MAX_GROUPS_PAGE)),
  })
  async groups(
    @Arg("limit", () => Int, { defaultValue: DEFAULT_GROUPS_PAGE, nullable: true }) limit: number | null,
    @Ctx() ctx: Context,
  ): Promise<Group[]> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.list(await ctx.viewer(), limit ?? DEFAULT_GROUPS_PAGE);
  }

  @Query(() => Group, { description: "getGroupProfile" })
  async group(@Arg("jid", () => ID) jid: string, @Ctx() ctx: Context): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.get(await ctx.viewer(), jid);
  }

  @Query(() => [Participant], { description: "getGroupParticipants", complexity: listOf((bounds) => bounds.maxGroupSize) })
  async groupParticipants(@Arg("jid", () => ID) jid: string, @Ctx() ctx: Context): Promise<Participant[]> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.participants(await ctx.viewer(), jid);
  }

  @Query(() => GroupMessageInfo, { description: "getGroupMsgInfo" })
  async groupMessageInfo(
    @Arg("groupJid", () => ID) groupJid: string,
    @Arg("messageId", () => ID) messageId: string,
    @Ctx() ctx: Context,
  ): Promise<GroupMessageInfo> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.messageInfo(await ctx.viewer(), groupJid, messageId);
  }

  @Mutation(() => Group, { description: "createGroup: the creator becomes its first admin." })
  async createGroup(
    @Arg("name", () => String) name: string,
    @Arg("participantJids", () => [ID]) participantJids: string[],
    @Arg("imageUrl", () => String, { nullable: true }) imageUrl: string | null,
    @Arg("imageFileToken", () => String, { nullable: true }) imageFileToken: string | null,
    @Ctx() ctx: Context,
  ): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.create(await ctx.viewer(), name, participantJids, { imageUrl, imageFileToken });
  }

  @Mutation(() => Group, { description: "setGroupProfile" })
  async setGroupProfile(
    @Arg("groupJid", () => ID) groupJid: string,
    @Arg("name", () => String, { nullable: true }) name: string | null,
    @Arg("imageUrl", () => String, { nullable: true }) imageUrl: string | null,
    @Arg("imageFileToken", () => String, { nullable: true }) imageFileToken: string | null,
    @Ctx() ctx: Context,
  ): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.setProfile(await ctx.viewer(), groupJid, { name, imageUrl, imageFileToken });
  }

  @Mutation(() => Group, { description: "addParticipants: admins only." })
  async addParticipants(
    @Arg("groupJid", () => ID) groupJid: string,
    @Arg("participantJids", () => [ID]) participantJids: string[],
    @Ctx() ctx: Context,
  ): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.add(await ctx.viewer(), groupJid, participantJids);
  }

  @Mutation(() => Group, { description: "removeParticipant: admins only." })
  async removeParticipant(@Arg("groupJid", () => ID) groupJid: string, @Arg("userJid", () => ID) userJid: string, @Ctx() ctx: Context): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.remove(await ctx.viewer(), groupJid, userJid);
  }

  @Mutation(() => Group, { description: "makeAsAdmin: admins only." })
  async makeAsAdmin(@Arg("groupJid", () => ID) groupJid: string, @Arg("userJid", () => ID) userJid: string, @Ctx() ctx: Context): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.makeAdmin(await ctx.viewer(), groupJid, userJid);
  }

  @Mutation(() => Boolean, { description: "userExitGroup: a group never loses its last admin while it has participants." })
  async userExitGroup(@Arg("groupJid", () => ID) groupJid: string, @Ctx() ctx: Context): Promise<boolean> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.exit(await ctx.viewer(), groupJid);
  }

  @Mutation(() => Boolean, { description: "userDeleteGroup: admins only." })
  async userDeleteGroup(@Arg("groupJid", () => ID) groupJid: string, @Ctx() ctx: Context): Promise<boolean> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.delete(await ctx.viewer(), groupJid);
  }

  @Subscription(() => GroupEvent, {
    description: "groupProfileListener: events of groups the viewer is (or was just) a participant of.",
    subscribe: async ({ context }: { context: Context }) => {
      context.requireFeature("groupChat");
      return context.services.pubsub.subscribe(topics.groupUpdated((await context.viewer()).userId));
    },
  })
  groupUpdated(@Root() payload: GroupEventPayload): GroupEvent {
    return Object.assign(new GroupEvent(), { ...payload, at: new Date(payload.at), source: payload });
  }
}

@Resolver(() => GroupEvent)
export class GroupEventResolver {
  /**
   * Read when the event is delivered, so each subscriber sees their own role, and nothing once
   * removed; read once for all the subscribers of the event (GroupService.viewAfter).
   */
  @FieldResolver(() => Group, { nullable: true })
  async group(@Root() event: GroupEvent, @Ctx() ctx: Context): Promise<Group | null> {
    return ctx.services.groups.viewAfter(event.source, await ctx.viewer(), event.groupId);
  }
}
