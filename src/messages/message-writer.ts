// Writes messages in batches under the database's sequencer (Database.sequenced): each batch
// commits, and is published, before the next takes row ids, so every subscriber hears of
// messages in rowId order and a rowId seen committed has no lower one still to come. That is
// what lets messageReceived switch from replay to live without a gap or a duplicate.
// Batching keeps the price of that ordering to one lock round per batch, not per message.
//
// No committed message is left unannounced: the sequencer keeps a durable "announced up to"
// mark, moved only after an announcement went out. Whoever holds the sequencer next and finds
// rows above it (their writer died between commit and announce, or the broker refused the
// announcement) first tells their audience to catch up from the database (CatchUpPayload), then
// announces its own batch; if that fails it stops there, order kept, and the mark stays. When
// nobody sends, every process's sweeper does the same after a short period. A late announcement
// is a catch-up rather than the rendered message: the stream reads it with the replay's query,
// rendered for its viewer by the one renderer, instead of the writer rebuilding every member's
// copy from the database.
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { Database } from "../db/database.js";
import type { Announced, Backlog } from "../db/sequencer.js";
import type { StageClock } from "../graphql/stage-clock.js";
import type { PubSub } from "../realtime/pubsub.js";
import { type MessageEvent, topics } from "../realtime/topics.js";
import type { Addressing, ChatRef, GroupChat } from "./addressing.js";
import { type MediaData, MessageRow, type MessageType } from "./message.entity.js";
import { type MessagePayload, renderMessage } from "./message-view.js";
import type { ChatDelta, GroupMessagesDelta, MessageStore, NewMessage } from "./store/message-store.js";

/** A validated message, ready to be written. */
export interface Draft {
  id: string;
  chat: ChatRef;
  type: MessageType;
  text: string | null;
  media: MediaData | null;
  replyToId: string | null;
  mentions: string[];
  isForwarded: boolean;
  createdAt: Date;
  /** The replied-to message as the sender and as the recipient see it. */
  replyPreview: { sender: MessagePayload | null; recipient: MessagePayload | null };
}

export type Outcome =
  /** Stored now; payload is the message as its sender sees it, rendered from what the write knew. */
  | { kind: "stored"; row: MessageRow; payload: MessagePayload }
  /** The same sender sent this msgId before: the stored message, nothing new published. */
  | { kind: "existing"; row: MessageRow }
  /** Another sender's message has this msgId. */
  | { kind: "conflict" };

/** Drafts written together or not at all (a forward to many chats is one unit). */
interface Unit {
  drafts: Draft[];
  resolve: (outcomes: Outcome[]) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 256;

/** Who hears of one message: the sender's connections first, then each recipient. */
type Audience = { userId: number; chatJid: string; isMuted: boolean }[];

/** Told how the batches go and how far announcements lag (the metrics). */
export interface AnnounceObserver {
  /** RowIds committed and not known to be announced, as this process last saw them (its last batch or sweep). */
  pending(rowIds: number): void;
  /** RowIds announced late, by a later batch or the sweeper. */
  swept(rowIds: number): void;
  /**
   * A batch of messages committed and announced: how many drafts it held, the seconds from its
   * start to its commit (the sequencer's lock, the statements, the COMMIT), and from the commit
   * to its publishes answered. Batches never overlap, so these bound the writer's throughput.
   */
  batch(drafts: number, writeSeconds: number, announceSeconds: number): void;
}

export interface WriterOptions {
  observer?: AnnounceObserver;
  /** STAGE_TIMINGS: marks the write, commit and announce stages of each message. */
  stageClock?: StageClock | undefined;
  /**
   * Tests only (PARLEY_TEST_EXIT_AFTER_COMMIT_TEXT, honoured with NODE_ENV=test): the process
   * kills itself between the commit of a batch holding a message with this text and its
   * announcement, as a crash there would.
   */
  exitAfterCommitText?: string | undefined;
}

const rowIdsBetween = (after: string, upTo: string): number => Number(BigInt(upTo) - BigInt(after));

export class MessageWriter {
  private queue: Unit[] = [];
  private draining = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    private readonly db: Database,
    private readonly store: MessageStore,
    private readonly addressing: Addressing,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
    private readonly options: WriterOptions = {},
  ) {}

  /**
   * Every periodMs, announces what committed batches left unannounced while nobody sends: a cheap
   * read of the mark without the lock first, then, only when rows lie above it, an empty batch
   * under the sequencer, whose turn announces them (claimed once: the lock orders the sweepers).
   */
  startSweeping(periodMs: number): void {
    this.sweepTimer = setInterval(() => void this.sweep(), periodMs);
    this.sweepTimer.unref();
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.draining) return;
    this.sweeping = true;
    try {
      const { backlog } = await this.db.announceState();
      this.options.observer?.pending(backlog ? rowIdsBetween(backlog.after, backlog.upTo) : 0);
      if (backlog) await this.writeAll([]);
    } catch (err) {
      this.log.warn({ err }, "sweeping unannounced messages failed");
    } finally {
      this.sweeping = false;
    }
  }

  stopSweeping(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  async write(draft: Draft): Promise<Outcome> {
    const [outcome] = await this.writeAll([draft]);
    return outcome!;
  }

  /** Writes the drafts in one transaction: all are stored, or none. */
  writeAll(drafts: Draft[]): Promise<Outcome[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ drafts, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch: Unit[] = [this.queue.shift()!];
        let size = batch[0]!.drafts.length;
        while (this.queue.length > 0 && size + this.queue[0]!.drafts.length <= MAX_BATCH) {
          const unit = this.queue.shift()!;
          size += unit.drafts.length;
          batch.push(unit);
        }
        try {
          await this.writeBatch(batch);
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          // One bad unit must not take its batch down: write each on its own.
          for (const unit of batch) {
            await this.writeBatch([unit]).catch((e: unknown) => unit.reject(e));
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async writeBatch(batch: Unit[]): Promise<void> {
    const drafts = batch.flatMap((u) => u.drafts);
    const clock = this.options.stageClock;
    if (clock) for (const draft of drafts) clock.mark(draft.id, "write");
    const startedAt = performance.now();
    const outcomes = await this.db.sequenced(
      async (em) => {
        const unique = new Map<string, Draft>();
        for (const draft of drafts) if (!unique.has(draft.id)) unique.set(draft.id, draft);
        if (unique.size === 0) return { before: new Map<string, MessageRow>(), stored: new Map<string, MessageRow>(), fresh: new Map<string, Draft>(), audiences: new Map<string, Audience>() };
        // Statements that do not wait for each other's answers are sent together: the connection
        // pipelines, so each group of them costs one round trip (SQLite runs them one by one).
        // Group members are read here, under the sequencer: they are the recipients of record.
        const groups = new Map<string, GroupChat>();
        for (const { chat } of unique.values()) if (chat.type === "GROUPCHAT") groups.set(chat.group.id, chat);
        // One-to-one messages only: the INSERT is the turn's one statement, and takes the COMMIT along.
        const [{ before, rows, muted }, members] = await Promise.all([
          this.store.insertMessages(em, [...unique.values()].map(newMessage), [...unique.values()].flatMap(chatDeltas), groups.size === 0),
          Promise.all([...groups].map(async ([id, chat]) => [id, await this.addressing.memberIds(chat, em)] as const)).then((read) => new Map(read)),
        ]);
        const fresh = new Map([...unique].filter(([id]) => !before.has(id)));
        const audiences = new Map<string, Audience>();
        if (fresh.size === 0) return { before, stored: new Map<string, MessageRow>(), fresh, audiences };

        const stored = new Map(rows.map((r) => [r.id, r]));
        const recipientsOf = (row: MessageRow, chat: ChatRef): number[] =>
          chat.type === "CHAT"
            ? chat.peer.id === row.senderId ? [] : [chat.peer.id]
            : (members.get(chat.group.id) ?? []).filter((id) => id !== row.senderId);

        // One statement per group and sender, however many of their messages the batch holds.
        const groupWrites = new Map<string, GroupMessagesDelta>();
        for (const row of rows) {
          const { chat } = fresh.get(row.id)!;
          if (chat.type !== "GROUPCHAT") continue;
          const key = `${chat.group.id} ${row.senderId}`;
          const seen = groupWrites.get(key);
          // rows are in rowId order: the last one seen is the newest.
          if (seen) groupWrites.set(key, { ...seen, count: seen.count + 1, lastRowId: row.rowId, at: row.createdAt > seen.at ? row.createdAt : seen.at });
          else groupWrites.set(key, { groupId: chat.group.id, chatKey: row.chatKey, senderId: row.senderId, count: 1, lastRowId: row.rowId, at: row.createdAt });
        }
        const [, ...mutedInGroups] = await Promise.all([
          // A thousand-member group is a thousand receipts per message.
          this.store.insertReceipts(
            em,
            rows.flatMap((r) => recipientsOf(r, fresh.get(r.id)!.chat).map((userId) => ({ rowId: r.rowId, userId, chatKey: r.chatKey, chatType: r.chatType }))),
          ),
          ...[...groupWrites.values()].map((w) => this.store.applyGroupMessages(em, w)),
        ]);
        // Who muted the group: the sender's own row came back with insertMessages, the others' with their chat rows.
        [...groupWrites.values()].forEach((w, i) => {
          for (const owner of mutedInGroups[i]!) muted.add(`${owner} ${w.chatKey}`);
        });
        for (const row of rows) {
          const { chat } = fresh.get(row.id)!;
          const others = recipientsOf(row, chat).map((userId) => ({
            userId,
            chatJid: chat.type === "CHAT" ? chat.me.jid : chat.jid,
            isMuted: muted.has(`${userId} ${row.chatKey}`),
          }));
          audiences.set(row.id, [{ userId: row.senderId, chatJid: chat.jid, isMuted: muted.has(`${row.senderId} ${row.chatKey}`) }, ...others]);
        }
        return { before, stored, fresh, audiences };
      },
      async ({ stored, fresh, audiences }, backlog) => {
        const committedAt = performance.now();
        if (clock) for (const id of fresh.keys()) clock.mark(id, "commit");
        if (this.options.exitAfterCommitText !== undefined && [...fresh.values()].some((d) => d.text === this.options.exitAfterCommitText)) {
          process.kill(process.pid, "SIGKILL");
        }
        try {
          return await this.announce(stored, fresh, audiences, backlog);
        } finally {
          if (drafts.length > 0) this.options.observer?.batch(drafts.length, (committedAt - startedAt) / 1000, (performance.now() - committedAt) / 1000);
        }
      },
    );
    const claimed = new Set<string>();
    for (const unit of batch) {
      unit.resolve(
        unit.drafts.map((draft): Outcome => {
          const earlier = outcomes.before.get(draft.id);
          const row = earlier ?? outcomes.stored.get(draft.id)!;
          const first = !claimed.has(draft.id);
          claimed.add(draft.id);
          if (row.senderId !== draft.chat.me.id) return { kind: "conflict" };
          if (earlier || !first) return { kind: "existing", row };
          return { kind: "stored", row, payload: this.senderCopy(row, draft, outcomes.audiences.get(row.id)!) };
        }),
      );
    }
  }

  /**
   * The backlog first, then the batch, in rowId order; the rowId now announced up to, or null
   * when the broker refused an announcement: the mark stays, and a later batch or the sweeper
   * announces from there. Either way the senders have their answer: the messages are stored.
   */
  private async announce(stored: Map<string, MessageRow>, fresh: Map<string, Draft>, audiences: Map<string, Audience>, backlog: Backlog | null): Promise<Announced> {
    const newest = [...stored.values()].at(-1)?.rowId;
    const upTo = newest !== undefined ? String(newest) : (backlog?.upTo ?? null);
    try {
      if (backlog) {
        await this.announceLate(backlog);
        this.options.observer?.swept(rowIdsBetween(backlog.after, backlog.upTo));
      }
      // Bounded: a publish fails at once while the broker is unreachable (see pubsub.ts).
      await Promise.all([...stored.values()].flatMap((row) => this.announcements(row, fresh.get(row.id)!, audiences.get(row.id)!)));
      const clock = this.options.stageClock;
      if (clock) for (const id of stored.keys()) clock.mark(id, "announce");
      this.options.observer?.pending(0);
      return upTo;
    } catch (err) {
      // Stored and acknowledged; announced later, in order, by the next batch or the sweeper.
      this.log.warn({ err }, "publishing new messages failed");
      if (upTo !== null) this.options.observer?.pending(rowIdsBetween(backlog?.after ?? String(BigInt([...stored.values()][0]!.rowId) - 1n), upTo));
      return null;
    }
  }

  /** Tells everyone who hears of the backlog's messages to read them from the database: one broker message. */
  private async announceLate(backlog: Backlog): Promise<void> {
    const users = await this.store.audienceOf(backlog.after, backlog.upTo);
    this.log.info({ after: backlog.after, upTo: backlog.upTo, users: users.length }, "announcing stored messages late");
    await this.pubsub.publishToMany<MessageEvent>({ catchUpAfter: backlog.after, upTo: backlog.upTo }, users.map((userId) => ({ topic: topics.messageReceived(userId) })));
  }

  /**
   * Each member hears of the message with the chat as they see it, the sender first. A group
   * message is one publish that every process fans out to its own subscribers (a thousand
   * members cost one broker message, not a thousand); one-to-one, one publish per member.
   */
  private announcements(row: MessageRow, draft: Draft, audience: Audience): Promise<void>[] {
    const base = this.payload(row, draft);
    if (draft.chat.type === "GROUPCHAT") {
      const forMembers: MessagePayload = { ...base, replyTo: draft.replyPreview.recipient };
      return [
        this.pubsub.publishToMany(
          forMembers,
          audience.map(({ userId, isMuted }) => ({
            topic: topics.messageReceived(userId),
            patch: userId === draft.chat.me.id ? { isMuted, replyTo: draft.replyPreview.sender } : isMuted ? { isMuted } : undefined,
          })),
        ),
      ];
    }
    return audience.map(({ userId, chatJid, isMuted }) =>
      this.pubsub.publish(
        topics.messageReceived(userId),
        userId === draft.chat.me.id ? { ...base, isMuted } : { ...base, chatJid, isMuted, replyTo: draft.replyPreview.recipient },
      ),
    );
  }

  /**
   * The new message as its sender sees it, without reading it back: nobody can have favourited
   * it yet, its status is SENT, and whether the sender muted the chat came with the write. The
   * replied-to message is one level deep, as everywhere.
   */
  private senderCopy(row: MessageRow, draft: Draft, audience: Audience): MessagePayload {
    const preview = draft.replyPreview.sender;
    return { ...this.payload(row, draft), isMuted: audience[0]!.isMuted, replyTo: preview ? { ...preview, replyTo: null } : null };
  }

  /** The message as its sender sees it, before per-member fields (isMuted, chatJid, replyTo). */
  private payload(row: MessageRow, draft: Draft): MessagePayload {
    const { chat } = draft;
    return renderMessage(row, {
      chatJid: chat.jid,
      fromJid: chat.me.jid,
      toJid: chat.jid,
      isFavourite: false,
      isMuted: false,
      status: "SENT",
      replyTo: draft.replyPreview.sender,
    });
  }
}

/** The sender's own chat row, and for one-to-one chats the recipient's (groups: applyGroupMessages). */
function chatDeltas(draft: Draft): ChatDelta[] {
  const { chat } = draft;
  const mine: ChatDelta = {
    messageId: draft.id,
    ownerId: chat.me.id,
    jid: chat.jid,
    type: chat.type,
    peerUserId: chat.type === "CHAT" ? chat.peer.id : null,
    unreadIncrement: 0,
  };
  if (chat.type === "GROUPCHAT" || chat.peer.id === chat.me.id) return [mine];
  return [mine, { ...mine, ownerId: chat.peer.id, jid: chat.me.jid, peerUserId: chat.me.id, unreadIncrement: 1 }];
}

/** The row of a draft, as the store writes it. */
function newMessage(d: Draft): NewMessage {
  return {
    id: d.id,
    chatKey: d.chat.key,
    chatType: d.chat.type,
    senderId: d.chat.me.id,
    recipientId: d.chat.type === "CHAT" ? d.chat.peer.id : null,
    type: d.type,
    text: d.text,
    media: d.media,
    mediaToken: d.media?.fileToken ?? null,
    replyToId: d.replyToId,
    mentions: d.mentions,
    isForwarded: d.isForwarded,
    deletedForEveryoneAt: null,
    createdAt: d.createdAt,
  };
}
