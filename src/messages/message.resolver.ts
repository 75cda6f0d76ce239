// Message operations: send, history, single message, receipts, typing, and their subscriptions.
import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from "graphql";
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import type { Context } from "../graphql/context.js";
import { lengthOf, limitArgument, listOf } from "../graphql/cost.js";
import { badInput } from "../graphql/errors.js";
import { type MessagesDeletedPayload, type ReceiptPayload, type TypingPayload, topics } from "../realtime/topics.js";
import { MAX_FAVOURITES } from "./favourite.service.js";
import { MAX_FORWARD, MAX_PAGE } from "./message.service.js";
import { messageStream } from "./message-stream.js";
import type { MessagePayload } from "./message-view.js";
import {
  Message,
  MessagePage,
  MessagesDeleted,
  PagePosition,
  Receipt,
  toMessage,
  toMessagesDeleted,
  toReceipt,
  toTypingEvent,
  TypingEvent,
} from "./message.types.js";
import { SendTextMessageInput } from "./send-message.input.js";

const ROW_ID = /^\d{1,19}$/;

@Resolver()
export class MessageResolver {
  @Mutation(() => Message, { description: "sendTextMessage; also a reply (replyMessageId) and mentions." })
  async sendTextMessage(@Arg("input", () => SendTextMessageInput) input: SendTextMessageInput, @Ctx() ctx: Context): Promise<Message> {
    return toMessage(await ctx.services.messages.sendText(await ctx.viewer(), input));
  }

  @Mutation(() => [Message], {
    description: "Forward single or multiple messages to one or many users and groups.",
    complexity: listOf((_bounds, args) => lengthOf("messageIds", MAX_FORWARD)(args) * lengthOf("toJids", MAX_FORWARD)(args)),
  })
  async forwardMessages(
    @Arg("toJids", () => [ID]) toJids: string[],
    @Arg("messageIds", () => [ID]) messageIds: string[],
    @Ctx() ctx: Context,
  ): Promise<Message[]> {
    return (await ctx.services.messages.forward(await ctx.viewer(), toJids, messageIds)).map(toMessage);
  }

  @Mutation(() => Boolean, { description: "Add or remove a favourite." })
  async updateFavouriteStatus(
    @Arg("toJid", () => ID) toJid: string,
    @Arg("messageId", () => ID) messageId: string,
    @Arg("isFavourite", () => Boolean) isFavourite: boolean,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    ctx.requireFeature("favouriteMessage");
    return ctx.services.favourites.set(await ctx.viewer(), toJid, messageId, isFavourite);
  }

  @Mutation(() => Boolean)
  async removeAllFavouriteMessages(@Ctx() ctx: Context): Promise<boolean> {
    ctx.requireFeature("favouriteMessage");
    return ctx.services.favourites.removeAll(await ctx.viewer());
  }

  @Query(() => [Message], { description: "getAllFavouriteMessages", complexity: listOf(() => MAX_FAVOURITES) })
  async favouriteMessages(@Ctx() ctx: Context): Promise<Message[]> {
    ctx.requireFeature("favouriteMessage");
    return (await ctx.services.favourites.list(await ctx.viewer())).map(toMessage);
  }

  @Mutation(() => Boolean)
  async deleteMessagesForMe(
    @Arg("toJid", () => ID) toJid: string,
    @Arg("messageIds", () => [ID]) messageIds: string[],
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    ctx.requireFeature("deleteMessage");
    return ctx.services.deletions.forMe(await ctx.viewer(), toJid, messageIds);
  }

  @Mutation(() => Boolean, { description: "Only the sender's own messages; recipients see them as deleted." })
  async deleteMessagesForEveryone(
    @Arg("toJid", () => ID) toJid: string,
    @Arg("messageIds", () => [ID]) messageIds: string[],
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    ctx.requireFeature("deleteMessage");
    return ctx.services.deletions.forEveryone(await ctx.viewer(), toJid, messageIds);
  }

  @Subscription(() => MessagesDeleted, {
    description: "Messages deleted for everyone in the viewer's chats.",
    subscribe: async ({ context }: { context: Context }) =>
      context.services.pubsub.subscribe(topics.messagesDeleted((await context.viewer()).userId)),
  })
  messagesDeleted(@Root() payload: MessagesDeletedPayload): MessagesDeleted {
    return toMessagesDeleted(payload);
  }

  @Query(() => MessagePage, {
    description: "getChatMessages: without lastRowId, the newest page.",
    // The page's messages are its list; hasMore counted with each of them is a rounding error.
    complexity: listOf(limitArgument(MAX_PAGE)),
  })
  async chatMessages(
    @Arg("jid", () => ID) jid: string,
    @Arg("position", () => PagePosition, { defaultValue: PagePosition.UP, nullable: true }) position: PagePosition | null,
    @Arg("lastRowId", () => ID, { nullable: true }) lastRowId: string | null,
    @Arg("limit", () => Int, { defaultValue: 50, nullable: true }) limit: number | null,
    @Ctx() ctx: Context,
  ): Promise<MessagePage> {
    const page = await ctx.services.messages.page(await ctx.viewer(), jid, position ?? PagePosition.UP, lastRowId ?? null, limit ?? 50);
    return Object.assign(new MessagePage(), { messages: page.messages.map(toMessage), hasMore: page.hasMore });
  }

  @Query(() => Message, { description: "getReplyMessage" })
  async message(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<Message> {
    return toMessage(await ctx.services.messages.byId(await ctx.viewer(), id));
  }

  @Mutation(() => Boolean, { description: "sendSeenStatus: marks this message and every earlier one in the chat as seen." })
  async sendSeenStatus(@Arg("toJid", () => ID) toJid: string, @Arg("messageId", () => ID) messageId: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.receipts.markSeen(await ctx.viewer(), toJid, messageId);
  }

  @Mutation(() => Boolean)
  async sendTypingStatus(@Arg("toJid", () => ID) toJid: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.typing.send(await ctx.viewer(), toJid, "COMPOSING");
  }

  @Mutation(() => Boolean)
  async sendTypingGoneStatus(@Arg("toJid", () => ID) toJid: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.typing.send(await ctx.viewer(), toJid, "GONE");
  }

  @Subscription(() => Message, {
    description:
      "messageListener: every new message in the viewer's chats, one-to-one and group,\nincluding the viewer's own sent from another connection. With afterRowId it first\nreplays, in order, every message after that row that the viewer may see, then goes\nlive with no gap and no duplicate.",
    subscribe: async ({ args, context }: { args: { afterRowId?: string | null }; context: Context }) => {
      const afterRowId = args.afterRowId ?? null;
      if (afterRowId !== null && !ROW_ID.test(afterRowId)) throw badInput("afterRowId", "must be a rowId");
      const { pubsub, messages, receipts } = context.services;
      return messageStream({ pubsub, messages, receipts }, await context.viewer(), afterRowId);
    },
  })
  messageReceived(
    @Root() payload: MessagePayload,
    @Arg("afterRowId", () => ID, { nullable: true }) _afterRowId: string | null,
  ): Message {
    return toMessage(payload);
  }

  @Subscription(() => Receipt, {
    description:
      "Delivery and seen receipts for messages the viewer sent: each one-to-one receipt, and a group message's once every recipient has reached the status. Select message { id status } to update a cached message.",
    subscribe: async ({ context }: { context: Context }) =>
      context.services.pubsub.subscribe(topics.messageStatus((await context.viewer()).userId)),
  })
  messageStatusUpdated(@Root() payload: ReceiptPayload): Receipt {
    return toReceipt(payload);
  }

  @Subscription(() => TypingEvent, {
    description: "Typing in the viewer's chats; only for chat jid when given.",
    subscribe: async ({ args, context }: { args: { jid?: string | null }; context: Context }) =>
      context.services.typing.events(await context.viewer(), args.jid ?? null),
  })
  typingStatus(@Root() payload: TypingPayload, @Arg("jid", () => ID, { nullable: true }) _jid: string | null): TypingEvent {
    return toTypingEvent(payload);
  }
}

/** Message fields a receipt announced to the sender knows without reading the message. */
const KNOWN_FROM_RECEIPT = new Set(["id", "status", "__typename"]);

/** Whether the selection asks for nothing but fields in known (fragments included). */
function selectsOnly(selectionSet: SelectionSetNode | undefined, info: GraphQLResolveInfo, known: ReadonlySet<string>): boolean {
  return (selectionSet?.selections ?? []).every((selection) => {
    if (selection.kind === Kind.FIELD) return known.has(selection.name.value);
    const set = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : info.fragments[selection.name.value]?.selectionSet;
    return selectsOnly(set, info, known);
  });
}

/** Messages read for groupMessageInfo's receipts, per query's context. */
const messagesRead = new WeakMap<Context, Map<string, Promise<MessagePayload>>>();

@Resolver(() => Receipt)
export class ReceiptResolver {
  /**
   * A receipt announced to the sender carries the message's new status, so { id status } costs no
   * read (a subscription event must not cost a query per subscriber); anything more, or a
   * receipt listed by groupMessageInfo (whose status is one recipient's), reads the message as
   * the viewer sees it.
   */
  @FieldResolver(() => Message, {
    description: "The message this receipt is about, with its status as the viewer now sees it; its id and status update a cached copy.",
  })
  async message(@Root() receipt: Receipt, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<Message> {
    const wanted = info.fieldNodes.map((node: FieldNode) => node.selectionSet);
    if (receipt.messageStatus && wanted.every((set) => selectsOnly(set, info, KNOWN_FROM_RECEIPT))) {
      return Object.assign(new Message(), { id: receipt.messageId, status: receipt.messageStatus });
    }
    if (receipt.messageStatus) return toMessage(await ctx.services.messages.byId(await ctx.viewer(), receipt.messageId));
    // groupMessageInfo lists every recipient's receipt of one message: it is read once per query.
    let byId = messagesRead.get(ctx);
    if (!byId) messagesRead.set(ctx, (byId = new Map()));
    let read = byId.get(receipt.messageId);
    if (!read) byId.set(receipt.messageId, (read = ctx.viewer().then((viewer) => ctx.services.messages.byId(viewer, receipt.messageId))));
    return toMessage(await read);
  }
}
