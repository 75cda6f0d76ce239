// Media operations: the send mutations for uploaded and external media, media pages, downloads.
import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { Context as RequestContext } from "../graphql/context.js";
import type { MediaService } from "./media.service.js";
import type { MessageService } from "../messages/message.service.js";
import { listOf } from "../graphql/cost.js";
import { MEDIA_PAGE } from "../messages/message.service.js";
import { Message, toMessage } from "../messages/message.types.js";
import type { MediaKind } from "./media.entity.js";
import { MediaDownload, MediaMessageDataInput, SendFileMessageInput } from "./media.input.js";

/** The services these resolvers call. */
type Context = RequestContext<{ media: MediaService; messages: MessageService }>;

@Resolver()
export class MediaResolver {
  @Mutation(() => Message, { description: "Sends an uploaded image (fileToken from POST /media)." })
  sendImageMessage(@Arg("input", () => SendFileMessageInput, { description: "What to send." }) input: SendFileMessageInput, @Ctx() ctx: Context): Promise<Message> {
    return this.sendFile(ctx, "IMAGE", input);
  }

  @Mutation(() => Message, { description: "Sends an uploaded audio file (fileToken from POST /media)." })
  sendAudioMessage(@Arg("input", () => SendFileMessageInput, { description: "What to send." }) input: SendFileMessageInput, @Ctx() ctx: Context): Promise<Message> {
    return this.sendFile(ctx, "AUDIO", input);
  }

  @Mutation(() => Message, { description: "Sends an uploaded video (fileToken from POST /media)." })
  sendVideoMessage(@Arg("input", () => SendFileMessageInput, { description: "What to send." }) input: SendFileMessageInput, @Ctx() ctx: Context): Promise<Message> {
    return this.sendFile(ctx, "VIDEO", input);
  }

  @Mutation(() => Message, { description: "Sends an uploaded document of any other type (fileToken from POST /media); its message type is FILE." })
  sendDocumentMessage(@Arg("input", () => SendFileMessageInput, { description: "What to send." }) input: SendFileMessageInput, @Ctx() ctx: Context): Promise<Message> {
    return this.sendFile(ctx, "FILE", input);
  }

  @Mutation(() => Message, { description: "Sends a message about a file stored elsewhere: its URL and metadata, nothing uploaded." })
  async sendMediaMessageData(@Arg("input", () => MediaMessageDataInput, { description: "What to send." }) input: MediaMessageDataInput, @Ctx() ctx: Context): Promise<Message> {
    return toMessage(await ctx.services.media.sendData(await ctx.viewer(), input));
  }

  @Query(() => [Message], { description: "The chat's media messages, newest first: the 3 newest without lastMessageId, else the 10 older than it.", complexity: listOf(() => MEDIA_PAGE) })
  async mediaMessages(
    @Arg("jid", () => ID, { description: "The chat: the other user's jid or the group's jid." }) jid: string,
    @Arg("lastMessageId", () => ID, { nullable: true, description: "The id of the oldest media message the client has; the page holds the 10 older than it." }) lastMessageId: string | null,
    @Ctx() ctx: Context,
  ): Promise<Message[]> {
    ctx.requireFeature("mediaMessages");
    return (await ctx.services.messages.mediaPage(await ctx.viewer(), jid, lastMessageId ?? null)).map(toMessage);
  }

  @Query(() => MediaDownload, { description: "A short-lived URL for a file the caller may see (their own upload, a profile or group image, or the file of a message they can see); FORBIDDEN otherwise." })
  async downloadMedia(@Arg("fileToken", () => String, { description: "The fileToken of the file (MediaInfo.fileToken, or from POST /media)." }) fileToken: string, @Ctx() ctx: Context): Promise<MediaDownload> {
    return Object.assign(new MediaDownload(), await ctx.services.media.download(await ctx.viewer(), fileToken));
  }

  private async sendFile(ctx: Context, kind: MediaKind, input: SendFileMessageInput): Promise<Message> {
    return toMessage(await ctx.services.media.sendFile(await ctx.viewer(), kind, input));
  }
}
