// Media messages: the send mutations for uploaded and external media, and a chat's media pages.
// Message operations (they return Message), so the message core's; media checks what they carry.
import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { listOf } from "../graphql/cost.js";
import type { Context as RequestContext } from "../graphql/context.js";
import type { MediaKind } from "../media/media.entity.js";
import { MediaMessageDataInput, SendFileMessageInput } from "../media/media.input.js";
import type { MediaMessageService } from "./media-message.service.js";
import { MEDIA_PAGE, type MessageService } from "./message.service.js";
import { Message, toMessage } from "./message.types.js";

/** The services these resolvers call. */
type Context = RequestContext<{ mediaMessages: MediaMessageService; messages: MessageService }>;

@Resolver()
export class MediaMessageResolver {
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
    return toMessage(await ctx.services.mediaMessages.sendData(await ctx.viewer(), input));
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

  private async sendFile(ctx: Context, kind: MediaKind, input: SendFileMessageInput): Promise<Message> {
    return toMessage(await ctx.services.mediaMessages.sendFile(await ctx.viewer(), kind, input));
  }
}
