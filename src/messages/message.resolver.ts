// Message operations: send, history, single message, receipts, typing, and their subscriptions.
import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from "graphql";
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import type { Context as RequestContext } from "../graphql/context.js";
import type { StageClock } from "../graphql/stage-clock.js";
import type { DeletionService } from "./deletion.service.js";
import type { FavouriteService } from "./favourite.service.js";
import type { MessageService } from "./message.service.js";
import type { PubSub } from "../realtime/pubsub.js";
import type { ReceiptService } from "./receipt.service.js";
import type { TypingService } from "./typing.service.js";
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

/** The services these resolvers call. */
type Context = RequestContext<{ deletions: DeletionService; favourites: FavouriteService; messages: MessageService; pubsub: PubSub; receipts: ReceiptService; stageClock: StageClock | undefined; typing: TypingService }>;

const ROW_ID = /^\d{1,19}$/;

@Resolver()
export class MessageResolver {
  @Mutation(() => Message, { description: "Sends a text message to a user or a group; also a reply (replyMessageId) and mentions." })
  async sendTextMessage(@Arg("input", () => SendTextMessageInput, { description: "What to send." }) input: SendTextMessageInput, @Ctx() ctx: Context): Promise<Message> {
    // STAGE_TIMINGS: only a client's msgId can be followed; the doors took receivedAt only when on.
    const clock = ctx.services.stageClock;
    if (clock && input.msgId != null && ctx.receivedAt !== undefined) {
      clock.start(input.msgId, ctx.receivedAt);
      clock.mark(input.msgId, "resolver");
    }
    return toMessage(await ctx.services.messages.sendText(await ctx.viewer(), input));
  }

  @Mutation(() => [Message], {
    description: "Forwards messages to users and groups, as new messages with isForwarded.",
    complexity: listOf((_bounds, args) => lengthOf("messageIds", MAX_FORWARD)(args) * lengthOf("toJids", MAX_FORWARD)(args)),
  })
  async forwardMessages(
    @Arg("toJids", () => [ID], { description: "Where to forward: users' and groups' jids, at most 50." }) toJids: string[],
    @Arg("messageIds", () => [ID], { description: "Ids of messages the caller can see, at most 50." }) messageIds: string[],
    @Ctx() ctx: Context,
  ): Promise<Message[]> {
    return (await ctx.services.messages.forward(await ctx.viewer(), toJids, messageIds)).map(toMessage);
  }

  @Mutation(() => Boolean, { description: "Marks one message as a favourite of the caller, or not." })
  async updateFavouriteStatus(
    @Arg("toJid", () => ID, { description: "The chat: the other user's jid (<username>@<XMPP_DOMAIN>) or the group's jid (<groupId>@mix.<XMPP_DOMAIN>)." }) toJid: string,
    @Arg("messageId", () => ID, { description: "The message's id (msgId), of this chat." }) messageId: string,
    @Arg("isFavourite", () => Boolean, { description: "True to add, false to remove." }) isFavourite: boolean,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    ctx.requireFeature("favouriteMessage");
    return ctx.services.favourites.set(await ctx.viewer(), toJid, messageId, isFavourite);
  }

  @Mutation(() => Boolean, { description: "Removes every favourite of the caller." })
  async removeAllFavouriteMessages(@Ctx() ctx: Context): Promise<boolean> {
    ctx.requireFeature("favouriteMessage");
    return ctx.services.favourites.removeAll(await ctx.viewer());
  }

  @Query(() => [Message], { description: "The caller's favourite messages, at most 1000.", complexity: listOf(() => MAX_FAVOURITES) })
  async favouriteMessages(@Ctx() ctx: Context): Promise<Message[]> {
    ctx.requireFeature("favouriteMessage");
    return (await ctx.services.favourites.list(await ctx.viewer())).map(toMessage);
  }

  @Mutation(() => Boolean, { description: "Hides these messages (at most 100, of one chat) from the caller only." })
  async deleteMessagesForMe(
    @Arg("toJid", () => ID, { description: "The chat: the other user's jid (<username>@<XMPP_DOMAIN>) or the group's jid (<groupId>@mix.<XMPP_DOMAIN>)." }) toJid: string,
    @Arg("messageIds", () => [ID], { description: "Ids (msgId) of messages of this chat, at most 100." }) messageIds: string[],
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    ctx.requireFeature("deleteMessage");
    return ctx.services.deletions.forMe(await ctx.viewer(), toJid, messageIds);
  }

  @Mutation(() => Boolean, { description: "Only the sender's own messages; recipients see them as deleted." })
  async deleteMessagesForEveryone(
    @Arg("toJid", () => ID, { description: "The chat: the other user's jid (<username>@<XMPP_DOMAIN>) or the group's jid (<groupId>@mix.<XMPP_DOMAIN>)." }) toJid: string,
    @Arg("messageIds", () => [ID], { description: "Ids (msgId) of messages of this chat, at most 100." }) messageIds: string[],
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
    description: "A page of a chat's history, oldest first within the page; without lastRowId, the newest page.",
    // The page's messages are its list; hasMore counted with each of them is a rounding error.
    complexity: listOf(limitArgument(MAX_PAGE)),
  })
  async chatMessages(
    @Arg("jid", () => ID, { description: "The chat: the other user's jid or the group's jid." }) jid: string,
    @Arg("position", () => PagePosition, { defaultValue: PagePosition.UP, nullable: true, description: "UP for older messages than lastRowId, DOWN for newer." }) position: PagePosition | null,
    @Arg("lastRowId", () => ID, { nullable: true, description: "The rowId of the page's edge: the page holds messages older (UP) or newer (DOWN) than it. Take it from Message.rowId." }) lastRowId: string | null,
    @Arg("limit", () => Int, { defaultValue: 50, nullable: true, description: "The most messages in the page, 1 to 100." }) limit: number | null,
    @Ctx() ctx: Context,
  ): Promise<MessagePage> {
    const page = await ctx.services.messages.page(await ctx.viewer(), jid, position ?? PagePosition.UP, lastRowId ?? null, limit ?? 50);
    return Object.assign(new MessagePage(), { messages: page.messages.map(toMessage), hasMore: page.hasMore });
  }

  @Query(() => Message, { description: "One message the viewer can see, by its id; NOT_FOUND otherwise." })
  async message(@Arg("id", () => ID, { description: "The message's id (msgId)." }) id: string, @Ctx() ctx: Context): Promise<Message> {
    return toMessage(await ctx.services.messages.byId(await ctx.viewer(), id));
  }

  @Mutation(() => Boolean, { description: "Marks this message and every earlier one in the chat as seen." })
  async sendSeenStatus(@Arg("toJid", () => ID, { description: "The chat: the other user's jid (<username>@<XMPP_DOMAIN>) or the group's jid (<groupId>@mix.<XMPP_DOMAIN>)." }) toJid: string, @Arg("messageId", () => ID, { description: "The newest message the caller has seen (a msgId of the chat)." }) messageId: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.receipts.markSeen(await ctx.viewer(), toJid, messageId);
  }

  @Mutation(() => Boolean, { description: "Tells the chat the caller is typing (COMPOSING); without a repeat within a few seconds it turns into GONE." })
  async sendTypingStatus(@Arg("toJid", () => ID, { description: "The chat: the other user's jid (<username>@<XMPP_DOMAIN>) or the group's jid (<groupId>@mix.<XMPP_DOMAIN>)." }) toJid: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.typing.send(await ctx.viewer(), toJid, "COMPOSING");
  }

  @Mutation(() => Boolean, { description: "Tells the chat the caller stopped typing (GONE)." })
  async sendTypingGoneStatus(@Arg("toJid", () => ID, { description: "The chat: the other user's jid (<username>@<XMPP_DOMAIN>) or the group's jid (<groupId>@mix.<XMPP_DOMAIN>)." }) toJid: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.typing.send(await ctx.viewer(), toJid, "GONE");
  }

  @Subscription(() => Message, {
    description:
      "Every new message in the viewer's chats, one-to-one and group,\nincluding the viewer's own sent from another connection. With afterRowId it first\nreplays, in order, every message after that row that the viewer may see, then goes\nlive with no gap and no duplicate.",
    subscribe: async ({ args, context }: { args: { afterRowId?: string | null }; context: Context }) => {
      const afterRowId = args.afterRowId ?? null;
      if (afterRowId !== null && !ROW_ID.test(afterRowId)) throw badInput("afterRowId", "must be a rowId");
      return messageStream(context.services, await context.viewer(), afterRowId, context.delivery);
    },
  })
  messageReceived(
    @Root() payload: MessagePayload,
    @Arg("afterRowId", () => ID, { nullable: true, description: "Replay every message after this rowId first (the last Message.rowId the client stored), then go live. A safe resume point: a subscription never delivers a message before every lower-rowId message addressed to the viewer, so resuming after the last rowId received misses nothing, also after a message announced late." }) _afterRowId: string | null,
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
  typingStatus(@Root() payload: TypingPayload, @Arg("jid", () => ID, { nullable: true, description: "Only this chat: a user's jid or a group's jid; every chat of the viewer when omitted." }) _jid: string | null): TypingEvent {
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
