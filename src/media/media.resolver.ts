// Media operations: the send mutations for uploaded and external media, media pages, downloads.
import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../graphql/context.js";
import { listOf } from "../graphql/cost.js";
import { MEDIA_PAGE } from "../messages/message.service.js";
import { Message, toMessage } from "../messages/message.types.js";
import type { MediaKind } from "./media.entity.js";
import { MediaDownload, MediaMessageDataInput, SendFileMessageInput } from "./media.input.js";

@Resolver()
export class MediaResolver {
  @Mutation(() => Message)
  sendImageMessage(@Arg("input", () => SendFileMessageInput) input: SendFileMessageInput, @Ctx() ctx: Context): Promise<Message> {
    return this.sendFile(ctx, "IMAGE", input);
  }

  @Mutation(() => Message)
  sendAudioMessage(@Arg("input", () => SendFileMessageInput) input: SendFileMessageInput, @Ctx() ctx: Context): Promise<Message> {
    return this.sendFile(ctx, "AUDIO", input);
  }

  @Mutation(() => Message)
  sendVideoMessage(@Arg("input", () => SendFileMessageInput) input: SendFileMessageInput, @Ctx() ctx: Context): Promise<Message> {
    return this.sendFile(ctx, "VIDEO", input);
  }

  @Mutation(() => Message)
  sendDocumentMessage(@Arg("input", () => SendFileMessageInput) input: SendFileMessageInput, @Ctx() ctx: Context): Promise<Message> {
    return this.sendFile(ctx, "FILE", input);
  }

  @Mutation(() => Message, { description: "sendMediaMessageData: media uploaded elsewhere, sent as metadata." })
  async sendMediaMessageData(@Arg("input", () => MediaMessageDataInput) input: MediaMessageDataInput, @Ctx() ctx: Context): Promise<Message> {
    return toMessage(await ctx.services.media.sendData(await ctx.viewer(), input));
  }

  @Query(() => [Message], { description: "getMediaMessages: 3 newest media without lastMessageId, then 10 older than it.", complexity: listOf(() => MEDIA_PAGE) })
  async mediaMessages(
    @Arg("jid", () => ID) jid: string,
    @Arg("lastMessageId", () => ID, { nullable: true }) lastMessageId: string | null,
    @Ctx() ctx: Context,
  ): Promise<Message[]> {
    ctx.requireFeature("mediaMessages");
    return (await ctx.services.messages.mediaPage(await ctx.viewer(), jid, lastMessageId ?? null)).map(toMessage);
  }

  @Query(() => MediaDownload, { description: "downloadMedia" })
  async downloadMedia(@Arg("fileToken", () => String) fileToken: string, @Ctx() ctx: Context): Promise<MediaDownload> {
    return Object.assign(new MediaDownload(), await ctx.services.media.download(await ctx.viewer(), fileToken));
  }

  private async sendFile(ctx: Context, kind: MediaKind, input: SendFileMessageInput): Promise<Message> {
    return toMessage(await ctx.services.media.sendFile(await ctx.viewer(), kind, input));
  }
}
