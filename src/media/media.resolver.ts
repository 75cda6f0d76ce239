// Media operations: short-lived download URLs. Sending media messages and media pages are the
// message core's (messages/media-message.resolver.ts).
import { Arg, Ctx, Query, Resolver } from "type-graphql";
import type { Context as RequestContext } from "../graphql/context.js";
import { MediaDownload } from "./media.input.js";
import type { MediaService } from "./media.service.js";

/** The services these resolvers call. */
type Context = RequestContext<{ media: MediaService }>;

@Resolver()
export class MediaResolver {
  @Query(() => MediaDownload, { description: "A short-lived URL for a file the caller may see (their own upload, a profile or group image, or the file of a message they can see); FORBIDDEN otherwise." })
  async downloadMedia(@Arg("fileToken", () => String, { description: "The fileToken of the file (MediaInfo.fileToken, or from POST /media)." }) fileToken: string, @Ctx() ctx: Context): Promise<MediaDownload> {
    return Object.assign(new MediaDownload(), await ctx.services.media.download(await ctx.viewer(), fileToken));
  }
}
