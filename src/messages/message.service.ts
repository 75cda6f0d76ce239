// Message rules: sending (who may write to whom, replies, mentions, idempotent msgIds), reading
// history and single messages, and rendering messages as one viewer sees them.
import { randomUUID } from "node:crypto";
import { In } from "typeorm";
import type { ChatService, DirectChat } from "../chats/chat.service.js";
import type { Database } from "../db/database.js";
import { asId } from "../db/values.js";
import { badInput, conflict, forbidden, notFound } from "../graphql/errors.js";
import type { Viewer } from "../identity/identity.types.js";
import type { UserDirectory, UserRef } from "../identity/user-directory.js";
import type { ProfileService } from "../profiles/profile.service.js";
import type { MessagePayload } from "../realtime/topics.js";
import { MessageRow } from "./message.entity.js";
import type { Draft, MessageWriter } from "./message-writer.js";
import type { PagePosition } from "./message.types.js";
import { ReceiptRow } from "./receipt.entity.js";
import type { SendTextMessageInput } from "./send-message.input.js";

export const MAX_PAGE = 100;
const MAX_MENTIONS = 50;
const MSG_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const ROW_ID = /^\d{1,19}$/;

export interface Page {
  messages: MessagePayload[];
  hasMore: boolean;
}

export class MessageService {
  constructor(
    private readonly db: Database,
    private readonly chats: ChatService,
    private readonly users: UserDirectory,
    private readonly profiles: ProfileService,
    private readonly writer: MessageWriter,
    private readonly maxTextLength: number,
  ) {}

  async sendText(viewer: Viewer, input: SendTextMessageInput): Promise<MessagePayload> {
    const text = input.messageText;
    if (text.trim().length === 0) throw badInput("input.messageText", "must not be empty");
    const length = [...text].length;
    if (length > this.maxTextLength) {
      throw badInput("input.messageText", `must be at most ${this.maxTextLength} characters, got ${length}`);
    }
    const chat = await this.chats.direct(viewer, input.toJid, "input.toJid");
    return this.send(viewer, chat, input, { type: "TEXT", text, media: null, isForwarded: false });
  }

  /** The shared path of every send mutation, after its content was validated. */
  private async send(
    viewer: Viewer,
    chat: DirectChat,
    input: { msgId?: string | null; replyMessageId?: string | null; mentionedUserJids?: string[] | null },
    content: Pick<Draft, "type" | "text" | "media" | "isForwarded">,
  ): Promise<MessagePayload> {
    if (input.msgId != null) {
      if (!MSG_ID.test(input.msgId)) throw badInput("input.msgId", "must be 1 to 64 of A-Z a-z 0-9 . _ : -");
      const earlier = await this.db.repository(MessageRow).findOneBy({ id: input.msgId });
      if (earlier) return this.resend(viewer, earlier);
    }
    await this.checkMayWrite(chat);
    const reply = input.replyMessageId != null ? await this.replyTarget(viewer, chat, input.replyMessageId) : null;
    const mentions = this.mentions(chat, input.mentionedUserJids ?? []);
    const [forSender, forRecipient] = reply
      ? await Promise.all([this.renderOne(reply, chat.me.id), this.renderOne(reply, chat.peer.id)])
      : [null, null];
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
    return this.renderOne(outcome.row, viewer.userId);
  }

  /** A msgId sent again: the same sender gets the stored message back; anyone else a conflict. */
  private async resend(viewer: Viewer, earlier: MessageRow): Promise<MessagePayload> {
    if (earlier.senderId !== viewer.userId) throw conflict("input.msgId: another sender's message has this msgId");
    return this.renderOne(earlier, viewer.userId);
  }

  /** DENY_ANY: the recipient takes first messages only from users who already share a chat with them. */
  private async checkMayWrite(chat: DirectChat): Promise<void> {
    if (chat.peer.id === chat.me.id) return;
    if ((await this.profiles.allowTypeOf(chat.peer.id)) !== "DENY_ANY") return;
    if (await this.chats.hasChatWith(chat.peer.id, chat.me.id)) return;
    throw forbidden(`${chat.peer.jid} accepts messages only from users who share a chat with them`);
  }

  private async replyTarget(viewer: Viewer, chat: DirectChat, id: string): Promise<MessageRow> {
    const row = await this.db.repository(MessageRow).findOneBy({ id });
    if (!row || row.chatKey !== chat.key || !(await this.visible(row, viewer.userId))) {
      throw badInput("input.replyMessageId", "no message with this id in this chat");
    }
    return row;
  }

  private mentions(chat: DirectChat, jids: string[]): string[] {
    if (jids.length > MAX_MENTIONS) throw badInput("input.mentionedUserJids", `at most ${MAX_MENTIONS} jids`);
    const members = new Map<string, UserRef>([
      [chat.me.jid, chat.me],
      [chat.peer.jid, chat.peer],
    ]);
    const result: string[] = [];
    for (const jid of jids) {
      const member = [...members.values()].find((m) => m.jid === jid.toLowerCase());
      if (!member) throw badInput("input.mentionedUserJids", `${jid} is not a member of this chat`);
      if (!result.includes(member.jid)) result.push(member.jid);
    }
    return result;
  }

  /** A page of the chat's history, oldest first; without lastRowId the newest page. */
  async page(viewer: Viewer, jid: string, position: PagePosition, lastRowId: string | null, limit: number): Promise<Page> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw badInput("limit", `must be between 1 and ${MAX_PAGE}`);
    if (lastRowId !== null && !ROW_ID.test(lastRowId)) throw badInput("lastRowId", "must be a rowId");
    const chat = await this.chats.direct(viewer, jid, "jid");
    const state = await this.chats.stateOf(viewer.userId, chat.key);
    const query = this.db
      .repository(MessageRow)
      .createQueryBuilder("m")
      .where("m.chat_key = :key AND m.row_id > :cleared", { key: chat.key, cleared: asId(state?.clearedUpToRowId ?? 0) })
      .limit(limit + 1);
    const newer = lastRowId !== null && position === "DOWN";
    if (lastRowId !== null) query.andWhere(newer ? "m.row_id > :last" : "m.row_id < :last", { last: lastRowId });
    query.orderBy("m.row_id", newer ? "ASC" : "DESC");
    const rows = await query.getMany();
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    if (!newer) page.reverse();
    return { messages: await this.render(page, viewer.userId), hasMore };
  }

  /** getReplyMessage: one message the viewer may see. */
  async byId(viewer: Viewer, id: string): Promise<MessagePayload> {
    const row = await this.db.repository(MessageRow).findOneBy({ id });
    if (!row || !(await this.visible(row, viewer.userId))) throw notFound(`message ${id}`);
    return this.renderOne(row, viewer.userId);
  }

  /**
   * Messages after rowId that the viewer may see, in rowId order. Scans at most limit candidates
   * (sent or received by the viewer); next is where to go on from, or null when there are no more.
   */
  async visibleAfter(viewerId: number, afterRowId: string, limit: number): Promise<{ messages: MessagePayload[]; next: string | null }> {
    const candidates = await this.db.rows<{ row_id: unknown }>(
      undefined,
      `SELECT row_id FROM (SELECT row_id FROM messages WHERE sender_id = ? AND row_id > ? ORDER BY row_id LIMIT ?) mine
       UNION
       SELECT message_row_id FROM (
         SELECT message_row_id FROM receipts WHERE user_id = ? AND message_row_id > ? ORDER BY message_row_id LIMIT ?
       ) theirs
       ORDER BY 1 LIMIT ?`,
      [viewerId, afterRowId, limit, viewerId, afterRowId, limit, limit],
    );
    if (candidates.length === 0) return { messages: [], next: null };
    const ids = candidates.map((r) => asId(r.row_id));
    const rows = await this.db.repository(MessageRow).find({ where: { rowId: In(ids) }, order: { rowId: "ASC" } });
    const states = await this.chats.statesOf(viewerId, rows.map((r) => r.chatKey));
    const visible = rows.filter((r) => BigInt(asId(r.rowId)) > BigInt(asId(states.get(r.chatKey)?.clearedUpToRowId ?? 0)));
    return { messages: await this.render(visible, viewerId), next: ids.length < limit ? null : ids.at(-1)! };
  }

  /** Messages by rowId as the viewer sees them (for recent chats' last messages). */
  async byRowIds(viewerId: number, rowIds: readonly string[]): Promise<Map<string, MessagePayload>> {
    if (rowIds.length === 0) return new Map();
    const rows = await this.db.repository(MessageRow).find({ where: { rowId: In([...rowIds]) } });
    const rendered = await this.render(rows, viewerId);
    return new Map(rendered.map((m) => [m.rowId, m]));
  }

  private async visible(row: MessageRow, viewerId: number): Promise<boolean> {
    if (row.senderId !== viewerId && row.recipientId !== viewerId) return false;
    const state = await this.chats.stateOf(viewerId, row.chatKey);
    return BigInt(asId(row.rowId)) > BigInt(asId(state?.clearedUpToRowId ?? 0));
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
    const [users, receipts] = await Promise.all([
      this.users.byIds(all.flatMap((r) => (r.recipientId === null ? [r.senderId] : [r.senderId, r.recipientId]))),
      this.db.repository(ReceiptRow).find({ where: { messageRowId: In(all.map((r) => asId(r.rowId))) } }),
    ]);
    const receiptsOf = new Map<string, ReceiptRow[]>();
    for (const r of receipts) {
      const key = asId(r.messageRowId);
      receiptsOf.set(key, [...(receiptsOf.get(key) ?? []), r]);
    }
    const repliesById = new Map(replies.map((r) => [r.id, r]));
    const one = (row: MessageRow): MessagePayload => {
      const rowId = asId(row.rowId);
      const from = users.get(row.senderId)!;
      const to = users.get(row.recipientId ?? row.senderId)!;
      const deleted = row.deletedForEveryoneAt !== null;
      return {
        rowId,
        id: row.id,
        chatType: row.chatType,
        chatJid: viewerId === from.id ? to.jid : from.jid,
        fromJid: from.jid,
        toJid: to.jid,
        senderId: from.id,
        type: row.type,
        text: deleted ? null : row.text,
        media: deleted ? null : row.media,
        replyTo: null,
        mentionedUserJids: deleted ? [] : row.mentions,
        isForwarded: row.isForwarded,
        isDeletedForEveryone: deleted,
        isFavourite: false,
        status: statusFor(row, viewerId, receiptsOf.get(rowId) ?? []),
        createdAt: row.createdAt.toISOString(),
      };
    };
    return rows.map((row) => {
      const reply = row.replyToId ? repliesById.get(row.replyToId) : undefined;
      return { ...one(row), replyTo: reply ? one(reply) : null };
    });
  }
}

/** For the sender: the furthest status every recipient reached; for a recipient: their own. */
export function statusFor(row: Pick<MessageRow, "senderId">, viewerId: number, receipts: Pick<ReceiptRow, "userId" | "deliveredAt" | "seenAt">[]): MessagePayload["status"] {
  const relevant = viewerId === row.senderId ? receipts : receipts.filter((r) => r.userId === viewerId);
  if (relevant.length === 0) return "SENT";
  if (relevant.every((r) => r.seenAt !== null)) return "SEEN";
  if (relevant.every((r) => r.deliveredAt !== null || r.seenAt !== null)) return "DELIVERED";
  return "SENT";
}
