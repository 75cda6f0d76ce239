// Group operations, group message info, and the groupUpdated subscription.
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import type { Context as RequestContext } from "../graphql/context.js";
import type { GroupService } from "./group.service.js";
import type { PubSub } from "../realtime/pubsub.js";
import { limitArgument, listOf } from "../graphql/cost.js";
import { type GroupEventPayload, topics } from "../realtime/topics.js";
import { DEFAULT_GROUPS_PAGE, MAX_GROUPS_PAGE } from "./group.service.js";
import { Group, GroupEvent, GroupMessageInfo, Participant } from "./group.types.js";

/** The services these resolvers call. */
type Context = RequestContext<{ groups: GroupService; pubsub: PubSub }>;

@Resolver()
export class GroupResolver {
  @Query(() => [Group], {
    description: "The viewer's groups, newest first, at most limit (each with its participants, which count toward the query cost).",
    complexity: listOf(limitArgument(MAX_GROUPS_PAGE)),
  })
  async groups(
    @Arg("limit", () => Int, { defaultValue: DEFAULT_GROUPS_PAGE, nullable: true, description: "The most groups to return, 1 to 1000." }) limit: number | null,
    @Ctx() ctx: Context,
  ): Promise<Group[]> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.list(await ctx.viewer(), limit ?? DEFAULT_GROUPS_PAGE);
  }

  @Query(() => Group, { description: "A group the viewer takes part in; NOT_FOUND otherwise." })
  async group(@Arg("jid", () => ID, { description: "The group's jid: <groupId>@mix.<XMPP_DOMAIN>." }) jid: string, @Ctx() ctx: Context): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.get(await ctx.viewer(), jid);
  }

  @Query(() => [Participant], { description: "A group's current participants; the viewer must take part in it.", complexity: listOf((bounds) => bounds.maxGroupSize) })
  async groupParticipants(@Arg("jid", () => ID, { description: "The group's jid: <groupId>@mix.<XMPP_DOMAIN>." }) jid: string, @Ctx() ctx: Context): Promise<Participant[]> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.participants(await ctx.viewer(), jid);
  }

  @Query(() => GroupMessageInfo, { description: "How far one of a group's messages got: counts and every recipient's receipt." })
  async groupMessageInfo(
    @Arg("groupJid", () => ID, { description: "The group's jid: <groupId>@mix.<XMPP_DOMAIN>." }) groupJid: string,
    @Arg("messageId", () => ID, { description: "The message's id (msgId), of this group." }) messageId: string,
    @Ctx() ctx: Context,
  ): Promise<GroupMessageInfo> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.messageInfo(await ctx.viewer(), groupJid, messageId);
  }

  @Mutation(() => Group, { description: "Creates a group with the caller as its first admin and the given participants as members." })
  async createGroup(
    @Arg("name", () => String, { description: "The group's name, 1 to 100 characters." }) name: string,
    @Arg("participantJids", () => [ID], { description: "The first members' jids, besides the caller." }) participantJids: string[],
    @Arg("imageUrl", () => String, { nullable: true, description: "An http(s) URL of the image." }) imageUrl: string | null,
    @Arg("imageFileToken", () => String, { nullable: true, description: "A fileToken from POST /media of an image the caller uploaded." }) imageFileToken: string | null,
    @Ctx() ctx: Context,
  ): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.create(await ctx.viewer(), name, participantJids, { imageUrl, imageFileToken });
  }

  @Mutation(() => Group, { description: "Changes a group's name or image (admins only); omitted arguments keep their value." })
  async setGroupProfile(
    @Arg("groupJid", () => ID, { description: "The group's jid: <groupId>@mix.<XMPP_DOMAIN>." }) groupJid: string,
    @Arg("name", () => String, { nullable: true, description: "The new name, 1 to 100 characters." }) name: string | null,
    @Arg("imageUrl", () => String, { nullable: true, description: "An http(s) URL of the image." }) imageUrl: string | null,
    @Arg("imageFileToken", () => String, { nullable: true, description: "A fileToken from POST /media of an image the caller uploaded." }) imageFileToken: string | null,
    @Ctx() ctx: Context,
  ): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.setProfile(await ctx.viewer(), groupJid, { name, imageUrl, imageFileToken });
  }

  @Mutation(() => Group, { description: "Adds users to a group as members (admins only)." })
  async addParticipants(
    @Arg("groupJid", () => ID, { description: "The group's jid: <groupId>@mix.<XMPP_DOMAIN>." }) groupJid: string,
    @Arg("participantJids", () => [ID], { description: "The jids of the users to add." }) participantJids: string[],
    @Ctx() ctx: Context,
  ): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.add(await ctx.viewer(), groupJid, participantJids);
  }

  @Mutation(() => Group, { description: "Removes a participant from a group (admins only)." })
  async removeParticipant(@Arg("groupJid", () => ID, { description: "The group's jid: <groupId>@mix.<XMPP_DOMAIN>." }) groupJid: string, @Arg("userJid", () => ID, { description: "The jid of the participant to remove." }) userJid: string, @Ctx() ctx: Context): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.remove(await ctx.viewer(), groupJid, userJid);
  }

  @Mutation(() => Group, { description: "Makes a participant an admin of the group (admins only)." })
  async makeAsAdmin(@Arg("groupJid", () => ID, { description: "The group's jid: <groupId>@mix.<XMPP_DOMAIN>." }) groupJid: string, @Arg("userJid", () => ID, { description: "The jid of the participant to make an admin." }) userJid: string, @Ctx() ctx: Context): Promise<Group> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.makeAdmin(await ctx.viewer(), groupJid, userJid);
  }

  @Mutation(() => Boolean, { description: "The caller leaves the group; a group never loses its last admin while it has participants." })
  async userExitGroup(@Arg("groupJid", () => ID, { description: "The group's jid: <groupId>@mix.<XMPP_DOMAIN>." }) groupJid: string, @Ctx() ctx: Context): Promise<boolean> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.exit(await ctx.viewer(), groupJid);
  }

  @Mutation(() => Boolean, { description: "Deletes the group for every participant (admins only)." })
  async userDeleteGroup(@Arg("groupJid", () => ID, { description: "The group's jid: <groupId>@mix.<XMPP_DOMAIN>." }) groupJid: string, @Ctx() ctx: Context): Promise<boolean> {
    ctx.requireFeature("groupChat");
    return ctx.services.groups.delete(await ctx.viewer(), groupJid);
  }

  @Subscription(() => GroupEvent, {
    description: "Events of groups the viewer is (or was just) a participant of.",
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
  @FieldResolver(() => Group, { nullable: true, description: "The group as it is after the event; null once deleted or when the viewer was removed." })
  async group(@Root() event: GroupEvent, @Ctx() ctx: Context): Promise<Group | null> {
    // A sync entry comes with its group already read, for the page or the event (SyncService).
    if (event.group !== undefined) return event.group;
    return ctx.services.groups.viewAfter(event.source, await ctx.viewer(), event.groupId);
  }
}
