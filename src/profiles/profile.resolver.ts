// Profile operations and the userProfileUpdated subscription.
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import type { Context as RequestContext } from "../graphql/context.js";
import type { ProfileService } from "./profile.service.js";
import type { PubSub } from "../realtime/pubsub.js";
import { lengthOf, limitArgument, listOf } from "../graphql/cost.js";
import { type ProfilePayload, topics } from "../realtime/topics.js";
import { ProfileInput } from "./profile.input.js";
import { MAX_CONTACTS_PAGE, MAX_PROFILE_BATCH } from "./profile.service.js";
import { ProfileSort, toUserProfile, UserProfile } from "./profile.types.js";

/** The services these resolvers call. */
type Context = RequestContext<{ profiles: ProfileService; pubsub: PubSub }>;

@Resolver()
export class ProfileResolver {
  @Query(() => UserProfile, { description: "The caller's own profile, with every field." })
  async myProfile(@Ctx() ctx: Context): Promise<UserProfile> {
    return ctx.services.profiles.myProfile(await ctx.viewer());
  }

  @Query(() => [UserProfile], { description: "Profiles of the given users, at most 100 jids.", complexity: listOf((_bounds, args) => lengthOf("jids", MAX_PROFILE_BATCH)(args)) })
  async userProfiles(@Arg("jids", () => [ID], { description: "Users' jids: <username>@<XMPP_DOMAIN>, at most 100." }) jids: string[], @Ctx() ctx: Context): Promise<UserProfile[]> {
    return ctx.services.profiles.userProfiles(await ctx.viewer(), jids);
  }

  @Query(() => [UserProfile], {
    description:
      "The viewer's contacts (users sharing a chat or a group).",
    complexity: listOf(limitArgument(MAX_CONTACTS_PAGE)),
  })
  async profiles(
    @Arg("sort", () => ProfileSort, { defaultValue: ProfileSort.NAME, nullable: true, description: "The order of the list." }) sort: ProfileSort | null,
    @Arg("limit", () => Int, { defaultValue: 100, nullable: true, description: "The most profiles to return, 1 to 1000." }) limit: number | null,
    @Ctx() ctx: Context,
  ): Promise<UserProfile[]> {
    return ctx.services.profiles.contactProfiles(await ctx.viewer(), sort ?? ProfileSort.NAME, limit ?? 100);
  }

  @Mutation(() => UserProfile, { description: "Changes the caller's profile (a patch) and returns it; contacts hear of it through userProfileUpdated." })
  async setUserProfile(@Arg("input", () => ProfileInput, { description: "The fields to change." }) input: ProfileInput, @Ctx() ctx: Context): Promise<UserProfile> {
    return ctx.services.profiles.update(await ctx.viewer(), input);
  }

  @Mutation(() => UserProfile, { description: "Removes the caller's profile image and returns the profile." })
  async deleteUserProfilePicture(@Ctx() ctx: Context): Promise<UserProfile> {
    return ctx.services.profiles.deleteImage(await ctx.viewer());
  }

  @Subscription(() => UserProfile, {
    description: "Changes of the viewer's own profile and their contacts' profiles.",
    subscribe: async ({ context }: { context: Context }) =>
      context.services.pubsub.subscribe(topics.profileUpdated((await context.viewer()).userId)),
  })
  userProfileUpdated(@Root() payload: ProfilePayload): UserProfile {
    return toUserProfile(payload);
  }
}
