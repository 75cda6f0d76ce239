// Message rules: sending (who may write to whom, replies, mentions, idempotent msgIds), reading
// history and single messages, and rendering messages as one viewer sees them.
import { randomUUID } from "node:crypto";
import { type EntityManager, In } from "typeorm";
import type { Chat } from "./chat.entity.js";
import type { ChatService } from "./chat.service.js";
import type { Database } from "../db/database.js";
import { asId } from "../db/values.js";
import { badInput, conflict, forbidden, notFound } from "../graphql/errors.js";
import type { Viewer } from "../identity/identity.types.js";
import type { Jids } from "../identity/jid.js";
import type { UserDirectory } from "../identity/user-directory.js";
import type { ProfileService } from "../profiles/profile.service.js";
import { Addressing, type ChatRef, type GroupChat, groupIdOfKey } from "./addressing.js";
import { MessageState } from "./message-state.entity.js";
import { type MediaData, MessageRow, type MessageType } from "./message.entity.js";
import { type MessagePayload, type MessageStatus, type Progress, progressOf, receiptStatus, renderMessage, statusFor } from "./message-view.js";
import type { Draft, MessageWriter } from "./message-writer.js";
import { MAX_MENTIONS, type PagePosition } from "./message.types.js";
import { ReceiptRow } from "./receipt.entity.js";
import type { MessageStore } from "./store/message-store.js";
import type { VisibilityScope } from "./visibility.js";
import type { SendTextMessageInput } from "./send-message.input.js";

export const MAX_PAGE = 100;
/** getMediaMessages pages: the first is short, for a chat's header strip. */
const FIRST_MEDIA_PAGE = 3;
export const MEDIA_PAGE = 10;
/** forwardMessages takes at most this many targets and this many messages. */
export const MAX_FORWARD = 50;
const MSG_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const ROW_ID = /^\d{1,19}$/;

export interface Page {
  messages: MessagePayload[];
  hasMore: boolean;
}

export class MessageService {
  /** The announced-up-to mark being read for subscribers, shared while it is under way. */
  private markRead: Promise<string> | undefined;

  constructor(
    private readonly db: Database,
    private readonly store: MessageStore,
    private readonly addressing: Addressing,
    private readonly chats: ChatService,
    private readonly users: UserDirectory,
    private readonly profiles: ProfileService,
    private readonly writer: MessageWriter,
    private readonly jids: Jids,
    private readonly maxTextLength: number,
  ) {}

  async sendText(viewer: Viewer, input: SendTextMessageInput): Promise<MessagePayload> {
    const text = input.messageText;
    if (text.trim().length === 0) throw badInput("input.messageText", "must not be empty");
    const length = [...text].length;
    if (length > this.maxTextLength) {
      throw badInput("input.messageText", `must be at most ${this.maxTextLength} characters, got ${length}`);
    }
    const chat = await this.addressing.resolve(viewer, input.toJid, "input.toJid");
    return this.send(viewer, chat, input, { type: "TEXT", text, media: null, isForwarded: false });
  }

  /** A media message (IMAGE, AUDIO, VIDEO, FILE) whose content the media service validated. */
  async sendMedia(
    viewer: Viewer,
    input: { toJid: string; msgId?: string | null; replyMessageId?: string | null; mentionedUserJids?: string[] | null },
    type: Exclude<MessageType, "TEXT">,
    media: MediaData,
  ): Promise<MessagePayload> {
    const chat = await this.addressing.resolve(viewer, input.toJid, "input.toJid");
    return this.send(viewer, chat, input, { type, text: null, media, isForwarded: false });
  }

  /** The shared path of every send mutation, after its content was validated. */
  private async send(
    viewer: Viewer,
    chat: ChatRef,
    input: { msgId?: string | null; replyMessageId?: string | null; mentionedUserJids?: string[] | null },
    content: Pick<Draft, "type" | "text" | "media" | "isForwarded">,
  ): Promise<MessagePayload> {
    if (input.msgId != null && !MSG_ID.test(input.msgId)) throw badInput("input.msgId", "must be 1 to 64 of A-Z a-z 0-9 . _ : -");
    let checked;
    try {
      checked = await this.checkSend(viewer, chat, input);
    } catch (error) {
      // A msgId sent before gets its stored message back even when sending anew would now fail.
      // Looked up only here: otherwise the writer tells a repeat from a new message in its batch.
      const earlier = input.msgId != null ? await this.db.repository(MessageRow).findOneBy({ id: input.msgId }) : null;
      if (earlier) return this.resend(viewer, earlier);
      throw error;
    }
    const { reply, mentions, forSender, forRecipient } = checked;
    const outcome = await this.writer.write({
      id: input.msgId ?? randomUUID(),
      chat,
      ...content,
      replyToId: reply?.id ?? null,
      mentions,
      createdAt: new Date(),
      replyPreview: { sender: forSender, recipient: forRecipient },
    });
    if (outcome.kind === "conflict") throw conflict("input.msgId: another sender's message has this msgId");
    return outcome.kind === "stored" ? outcome.payload : this.renderOne(outcome.row, viewer.userId);
  }

  /** What a new message needs before it is written: the right to write, its reply and mentions. */
  private async checkSend(
    viewer: Viewer,
    chat: ChatRef,
    input: { replyMessageId?: string | null; mentionedUserJids?: string[] | null },
  ): Promise<{ reply: MessageRow | null; mentions: string[]; forSender: MessagePayload | null; forRecipient: MessagePayload | null }> {
    await this.checkMayWrite(chat);
    const reply = input.replyMessageId != null ? await this.replyTarget(viewer, chat, input.replyMessageId) : null;
    const mentions = await this.mentions(chat, input.mentionedUserJids ?? []);
    // In a group every recipient sees the same preview: rendered for no one in particular.
    const recipientId = chat.type === "CHAT" ? chat.peer.id : 0;
    const [forSender, forRecipient] = reply
      ? await Promise.all([this.renderOne(reply, chat.me.id), this.renderOne(reply, recipientId)])
      : [null, null];
    return { reply, mentions, forSender, forRecipient };
  }

  /** A msgId sent again: the same sender gets the stored message back; anyone else a conflict. */
  private async resend(viewer: Viewer, earlier: MessageRow): Promise<MessagePayload> {
    if (earlier.senderId !== viewer.userId) throw conflict("input.msgId: another sender's message has this msgId");
    return this.renderOne(earlier, viewer.userId);
  }

  /**
   * Groups: current participants only. One-to-one, DENY_ANY: the recipient takes first messages
   * only from users who already share a chat with them.
   */
  private async checkMayWrite(chat: ChatRef): Promise<void> {
    Addressing.requireMember(chat);
    if (chat.type === "GROUPCHAT" || chat.peer.id === chat.me.id) return;
    if ((await this.profiles.allowTypeOf(chat.peer.id)) !== "DENY_ANY") return;
    if (await this.chats.hasChatWith(chat.peer.id, chat.me.id)) return;
    throw forbidden(`${chat.peer.jid} accepts messages only from users who share a chat with them`);
  }

  private async replyTarget(viewer: Viewer, chat: ChatRef, id: string): Promise<MessageRow> {
    const rows = await this.db.repository(MessageRow).findBy({ id, chatKey: chat.key });
    const [row] = await this.filterVisible(viewer.userId, rows);
    if (!row) throw badInput("input.replyMessageId", "no message with this id in this chat");
    return row;
  }

  /** Mentions name current members of the chat; repeated ones count once. */
  private async mentions(chat: ChatRef, jids: string[]): Promise<string[]> {
    if (jids.length === 0) return [];
    if (jids.length > MAX_MENTIONS) throw badInput("input.mentionedUserJids", `at most ${MAX_MENTIONS} jids`);
    const audience = await this.addressing.audience(chat);
    const members = new Set([...(await this.users.byIds(audience.map((a) => a.userId))).values()].map((u) => u.jid));
    const result: string[] = [];
    for (const jid of jids) {
      const canonical = jid.toLowerCase();
      if (!members.has(canonical)) throw badInput("input.mentionedUserJids", `${jid} is not a member of this chat`);
      if (!result.includes(canonical)) result.push(canonical);
    }
    return result;
  }

  /**
   * forwardMessages: copies of messages the viewer may see, to each target chat, in their
   * original order; the copies keep content and media and get new ids and rowIds.
   */
  async forward(viewer: Viewer, toJids: readonly string[], messageIds: readonly string[]): Promise<MessagePayload[]> {
    for (const [field, list] of [["toJids", toJids], ["messageIds", messageIds]] as const) {
      if (list.length === 0 || list.length > MAX_FORWARD) throw badInput(field, `must name 1 to ${MAX_FORWARD}, got ${list.length}`);
    }
    const originals = await this.visibleByIds(viewer, [...new Set(messageIds)], "messageIds");
    const tombstone = originals.find((m) => m.deletedForEveryoneAt !== null);
    if (tombstone) throw badInput("messageIds", `${tombstone.id} was deleted for everyone`);
    const targets = new Map<string, ChatRef>();
    for (const jid of toJids) {
      const chat = await this.addressing.resolve(viewer, jid, "toJids");
      targets.set(chat.key, chat);
    }
    for (const chat of targets.values()) await this.checkMayWrite(chat);
    const createdAt = new Date();
    const outcomes = await this.writer.writeAll(
      [...targets.values()].flatMap((chat) =>
        originals.map((m) => ({
          id: randomUUID(),
          chat,
          type: m.type,
          text: m.text,
          media: m.media,
          replyToId: null,
          mentions: [],
          isForwarded: true,
          createdAt,
          replyPreview: { sender: null, recipient: null },
        })),
      ),
    );
    return this.render(
      outcomes.map((o) => {
        if (o.kind === "conflict") throw new Error("a fresh msgId conflicted");
        return o.row;
      }),
      viewer.userId,
    );
  }

  /** A page of the chat's history, oldest first; without lastRowId the newest page. */
  async page(viewer: Viewer, jid: string, position: PagePosition, lastRowId: string | null, limit: number): Promise<Page> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw badInput("limit", `must be between 1 and ${MAX_PAGE}`);
    if (lastRowId !== null && !ROW_ID.test(lastRowId)) throw badInput("lastRowId", "must be a rowId");
    const chat = await this.addressing.resolve(viewer, jid, "jid");
    const newer = lastRowId !== null && position === "DOWN";
    const rows = await this.store.historyPage(await this.scopeIn(viewer, chat), chat.key, newer ? { after: lastRowId } : { before: lastRowId }, limit + 1);
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    if (!newer) page.reverse();
    return { messages: await this.render(page, viewer.userId), hasMore };
  }

  /**
   * getMediaMessages: the chat's media messages the viewer sees, newest first — the 3 newest
   * without lastMessageId, else the 10 older than that message.
   */
  async mediaPage(viewer: Viewer, jid: string, lastMessageId: string | null): Promise<MessagePayload[]> {
    const chat = await this.addressing.resolve(viewer, jid, "jid");
    const scope = await this.scopeIn(viewer, chat);
    let before: string | null = null;
    if (lastMessageId !== null) {
      const [last] = await this.visibleByIds(viewer, [lastMessageId], "lastMessageId", chat);
      before = asId(last!.rowId);
    }
    const rows = await this.store.mediaPage(scope, chat.key, before, lastMessageId === null ? FIRST_MEDIA_PAGE : MEDIA_PAGE);
    return this.render(rows, viewer.userId);
  }

  /** What the viewer sees of one chat (visibility.ts), its state read once for the whole query. */
  private async scopeIn(viewer: Viewer, chat: ChatRef): Promise<VisibilityScope> {
    const state = await this.chats.stateOf(viewer.userId, chat.key);
    return { viewerId: viewer.userId, groupChat: this.addressing.groupChatEnabled, clearedUpTo: asId(state?.clearedUpToRowId ?? 0) };
  }

  /**
   * Whether the viewer sees some message that carries this uploaded file (not deleted for
   * everyone): who may download a file shared in a chat.
   */
  async seesMessageWithMedia(viewerId: number, mediaToken: string): Promise<boolean> {
    const sees = (groupChat: boolean): Promise<boolean> => this.store.seesMessageWithMedia({ viewerId, groupChat }, mediaToken);
    if (await sees(this.addressing.groupChatEnabled)) return true;
    // Only group messages carry it for the viewer: refused as a group operation when groupChat is off.
    if (!this.addressing.groupChatEnabled && (await sees(true))) this.addressing.requireGroupChat();
    return false;
  }

  /** getReplyMessage: one message the viewer may see. */
  async byId(viewer: Viewer, id: string): Promise<MessagePayload> {
    const [row] = await this.visibleByIds(viewer, [id], "id");
    return this.renderOne(row!, viewer.userId);
  }

  /**
   * The viewer's messages of these ids, in rowId order, optionally only those of one chat;
   * NOT_FOUND names the first the viewer may not see (existence is information too); a group
   * message among them is FEATURE_UNAVAILABLE when the plan has no groupChat.
   */
  async visibleByIds(viewer: Viewer, ids: readonly string[], field: string, chat?: ChatRef): Promise<MessageRow[]> {
    const rows = ids.length ? await this.db.repository(MessageRow).find({ where: { id: In([...ids]) }, order: { rowId: "ASC" } }) : [];
    const visible = await this.filterVisible(viewer.userId, chat ? rows.filter((r) => r.chatKey === chat.key) : rows, true);
    if (visible.some((r) => r.chatType === "GROUPCHAT")) this.addressing.requireGroupChat();
    const found = new Set(visible.map((r) => r.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) {
      const error = notFound(`message ${missing}${chat ? ` in chat ${chat.jid}` : ""}`);
      error.extensions.field = field;
      throw error;
    }
    return visible;
  }

  /**
   * groupMessageInfo: a group message the viewer sees, how far it got, and each recipient's
   * receipt with the status it reached.
   */
  async receiptsOf(
    viewer: Viewer,
    chat: GroupChat,
    messageId: string,
  ): Promise<{ progress: Progress; receipts: { userJid: string; status: MessageStatus; at: Date }[] }> {
    const [message] = await this.visibleByIds(viewer, [messageId], "messageId", chat);
    const receipts = await this.db.repository(ReceiptRow).find({ where: { messageRowId: asId(message!.rowId) }, order: { userId: "ASC" } });
    const users = await this.users.byIds(receipts.map((r) => r.userId));
    return {
      progress: progressOf(receipts),
      receipts: receipts.map((r) => ({ userJid: users.get(r.userId)!.jid, status: receiptStatus(r), at: r.seenAt ?? r.deliveredAt ?? message!.createdAt })),
    };
  }

  /**
   * Messages after rowId that the viewer may see, in rowId order. Scans at most limit candidates
   * (sent or received by the viewer); next is where to go on from, or null when there are no more.
   */
  async visibleAfter(viewerId: number, afterRowId: string, limit: number): Promise<{ messages: MessagePayload[]; next: string | null }> {
    const ids = await this.store.replayCandidates(viewerId, afterRowId, limit);
    if (ids.length === 0) return { messages: [], next: null };
    const rows = await this.db.repository(MessageRow).find({ where: { rowId: In(ids) }, order: { rowId: "ASC" } });
    const messages = await this.render(await this.filterVisible(viewerId, rows), viewerId);
    return { messages, next: ids.length < limit ? null : ids.at(-1)! };
  }

  /**
   * The rowId up to which every stored message has been announced (see db/sequencer.ts). Every
   * live messageReceived reads it as it subscribes: those that subscribe at once (sockets coming
   * back after a restart) share one read. A read begun before a subscriber listens is a mark from
   * before it listens, which is all message-stream.ts needs (an older mark only catches up more).
   */
  announcedUpTo(): Promise<string> {
    this.markRead ??= this.db
      .announceState()
      .then((state) => state.announcedUpTo)
      .finally(() => {
        this.markRead = undefined;
      });
    return this.markRead;
  }

  /** Messages by rowId as the viewer sees them (for recent chats' last messages). */
  async byRowIds(viewerId: number, rowIds: readonly string[]): Promise<Map<string, MessagePayload>> {
    if (rowIds.length === 0) return new Map();
    const rows = await this.db.repository(MessageRow).find({ where: { rowId: In([...rowIds]) } });
    const rendered = await this.render(rows, viewerId);
    return new Map(rendered.map((m) => [m.rowId, m]));
  }

  /** The newest message of the chat the owner still sees, or null. */
  lastVisibleRowId(em: EntityManager, ownerId: number, key: string, clearedUpTo: string): Promise<string | null> {
    return this.store.lastVisibleRowId(em, { viewerId: ownerId, groupChat: this.addressing.groupChatEnabled, clearedUpTo }, key);
  }

  /**
   * Those of the rows the viewer sees (visibleTo), in their order. groupChat: whether group
   * messages count; lists follow the plan, an operation naming messages by id asks with true
   * and refuses group messages itself (visibleByIds).
   */
  async filterVisible(viewerId: number, rows: MessageRow[], groupChat = this.addressing.groupChatEnabled): Promise<MessageRow[]> {
    if (rows.length === 0) return [];
    const ids = await this.store.visibleRowIds({ viewerId, groupChat }, rows.map((r) => asId(r.rowId)));
    return rows.filter((r) => ids.has(asId(r.rowId)));
  }

  /** What the viewer's own rows say about these messages: chat state, message state, receipts. */
  private async viewOf(viewerId: number, rows: MessageRow[]): Promise<View> {
    const rowIds = rows.map((r) => asId(r.rowId));
    const [chatStates, states, own] = await Promise.all([
      this.chats.statesOf(viewerId, rows.map((r) => r.chatKey)),
      this.db.repository(MessageState).find({ where: { userId: viewerId, messageRowId: In(rowIds) } }),
      this.db.repository(ReceiptRow).find({ where: { userId: viewerId, messageRowId: In(rowIds) } }),
    ]);
    return {
      chatStates,
      states: new Map(states.map((s) => [asId(s.messageRowId), s])),
      own: new Map(own.map((r) => [asId(r.messageRowId), r])),
    };
  }

  /** Per message the viewer sent: how many recipients it has, and how many got and saw it. */
  private progressOf(rowIds: string[]): Promise<Map<string, Progress>> {
    return this.store.receiptProgress(rowIds);
  }

  private async renderOne(row: MessageRow, viewerId: number): Promise<MessagePayload> {
    const [message] = await this.render([row], viewerId);
    return message!;
  }

  /** Renders rows for one viewer with a fixed number of queries, whatever their count. */
  async render(rows: MessageRow[], viewerId: number): Promise<MessagePayload[]> {
    if (rows.length === 0) return [];
    const replyIds = [...new Set(rows.map((r) => r.replyToId).filter((id): id is string => id !== null))];
    const replies = replyIds.length ? await this.db.repository(MessageRow).find({ where: { id: In(replyIds) } }) : [];
    const all = [...rows, ...replies];
    const [users, progress, view] = await Promise.all([
      this.users.byIds(all.flatMap((r) => (r.recipientId === null ? [r.senderId] : [r.senderId, r.recipientId]))),
      this.progressOf(all.filter((r) => r.senderId === viewerId).map((r) => asId(r.rowId))),
      this.viewOf(viewerId, all),
    ]);
    const repliesById = new Map(replies.map((r) => [r.id, r]));
    const one = (row: MessageRow): MessagePayload => {
      const rowId = asId(row.rowId);
      const from = users.get(row.senderId)!;
      const groupId = groupIdOfKey(row.chatKey);
      const toJid = groupId !== null ? this.jids.group(groupId) : users.get(row.recipientId ?? row.senderId)!.jid;
      return renderMessage(row, {
        chatJid: groupId !== null || viewerId === from.id ? toJid : from.jid,
        fromJid: from.jid,
        toJid,
        isFavourite: view.states.get(rowId)?.isFavourite === true,
        isMuted: view.chatStates.get(row.chatKey)?.isMuted === true,
        status: statusFor(row, viewerId, view.own.get(rowId), progress.get(rowId)),
        replyTo: null,
      });
    };
    return rows.map((row) => {
      const reply = row.replyToId ? repliesById.get(row.replyToId) : undefined;
      return { ...one(row), replyTo: reply ? one(reply) : null };
    });
  }
}

interface View {
  chatStates: Map<string, Chat>;
  states: Map<string, MessageState>;
  own: Map<string, ReceiptRow>;
}
