// The message store's statements (and the group store's), straight against both databases: the same cases for the SQLite and the PostgreSQL implementation.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Chat } from "../src/messages/chat.entity.js";
import type { Database } from "../src/db/database.js";
import { asId } from "../src/db/values.js";
import { GroupParticipantRow, GroupRow } from "../src/groups/group.entity.js";
import { User } from "../src/identity/user.entity.js";
import { MessageState } from "../src/messages/message-state.entity.js";
import { Profile } from "../src/profiles/profile.entity.js";
import { MessageRow } from "../src/messages/message.entity.js";
import { ReceiptRow } from "../src/messages/receipt.entity.js";
import type { ChatDelta, MessageStore, NewMessage } from "../src/messages/store/message-store.js";
import { PostgresMessageStore } from "../src/messages/store/postgres-message-store.js";
import { SqliteMessageStore } from "../src/messages/store/sqlite-message-store.js";
import { type GroupStore, PostgresGroupStore, SqliteGroupStore } from "../src/groups/group-store.js";
import { createPostgres, openPostgres, openSqlite, postgresUrl } from "./support/databases.js";

interface Backend {
  db: Database;
  store: MessageStore;
  groups: GroupStore;
}

const implementations: [string, () => Promise<Backend>][] = [
  ["SQLite", async () => {
    const db = await openSqlite();
    return { db, store: new SqliteMessageStore(db), groups: new SqliteGroupStore() };
  }],
  ["PostgreSQL", async () => {
    const db = await openPostgres(await createPostgres());
    return { db, store: new PostgresMessageStore(db), groups: new PostgresGroupStore() };
  }],
];

const directKey = (a: number, b: number) => `d:${Math.min(a, b)}:${Math.max(a, b)}`;

/** Users of the test's own, by id. */
async function users(db: Database, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const result = await db.manager.insert(User, { username: `u${randomUUID().slice(0, 8)}`, passwordHash: "-" });
    ids.push(Number(result.identifiers[0]!.id));
  }
  return ids;
}

/** A group of these members (the first its admin); left: members who took part and left. */
async function group(db: Database, members: number[], left: number[] = []): Promise<{ id: string; key: string }> {
  const id = randomUUID().replace(/-/g, "");
  const at = new Date();
  await db.manager.insert(GroupRow, { id, name: "g", imageUrl: null, imageFileToken: null, createdBy: members[0]!, createdAt: at, deletedAt: null });
  await db.manager.insert(GroupParticipantRow, [
    ...members.map((userId, i) => ({ groupId: id, userId, role: i === 0 ? ("ADMIN" as const) : ("MEMBER" as const), joinedAt: at, leftAt: null })),
    ...left.map((userId) => ({ groupId: id, userId, role: "MEMBER" as const, joinedAt: at, leftAt: at })),
  ]);
  return { id, key: `g:${id}` };
}

let clock = Date.UTC(2026, 0, 1);

function direct(from: number, to: number, text = "hi", extra: Partial<NewMessage> = {}): NewMessage {
  return {
    id: randomUUID(),
    chatKey: directKey(from, to),
    chatType: "CHAT",
    senderId: from,
    recipientId: to,
    type: "TEXT",
    text,
    media: null,
    mediaToken: null,
    replyToId: null,
    mentions: [],
    isForwarded: false,
    deletedForEveryoneAt: null,
    createdAt: new Date((clock += 1000)),
    ...extra,
  };
}

function inGroup(from: number, key: string, text = "hi"): NewMessage {
  return { ...direct(from, from, text), chatKey: key, chatType: "GROUPCHAT", recipientId: null };
}

/** Stores the messages as the writer does, with every recipient's receipt; returns the new rows. */
async function send(b: Backend, messages: NewMessage[], members: Map<string, number[]> = new Map()): Promise<MessageRow[]> {
  return b.db.transaction(async (em) => {
    const { rows } = await b.store.insertMessages(em, messages, []);
    await b.store.insertReceipts(
      em,
      rows.flatMap((r) => {
        const recipients = r.chatType === "CHAT" ? (r.recipientId === r.senderId ? [] : [r.recipientId!]) : (members.get(r.chatKey) ?? []).filter((u) => u !== r.senderId);
        return recipients.map((userId) => ({ rowId: r.rowId, userId, chatKey: r.chatKey, chatType: r.chatType }));
      }),
    );
    return rows;
  });
}

async function receipts(db: Database, rowIds: string[]): Promise<{ rowId: string; userId: number; delivered: boolean; seen: boolean }[]> {
  const rows = await db.repository(ReceiptRow).find({ order: { messageRowId: "ASC", userId: "ASC" } });
  return rows
    .filter((r) => rowIds.includes(asId(r.messageRowId)))
    .map((r) => ({ rowId: asId(r.messageRowId), userId: r.userId, delivered: r.deliveredAt !== null, seen: r.seenAt !== null }));
}

async function state(db: Database, userId: number, row: MessageRow, change: { isDeleted?: boolean; isFavourite?: boolean }): Promise<void> {
  await db.manager.insert(MessageState, { userId, messageRowId: row.rowId, chatKey: row.chatKey, isDeleted: false, isFavourite: false, favouritedAt: null, ...change });
}

/** What deleting a message for everyone leaves: a tombstone. */
const ids = (rows: MessageRow[]) => rows.map((r) => asId(r.rowId));

describe.each(implementations)("the message store on %s", (name, open) => {
  const skip = name === "PostgreSQL" && !postgresUrl;
  if (skip) it.skip("needs DATABASE_URL: the PostgreSQL half is skipped", () => undefined);
  const test = it.skipIf(skip);

  test("insertMessages stores new messages in rowId order, returns earlier ones by id, and with insertReceipts gives each recipient one receipt", async () => {
    const b = await open();
    const [alice, bob, carol] = await users(b.db, 3);
    const g = await group(b.db, [alice!, bob!, carol!]);
    const media = { fileToken: "tok", url: null, fileName: "a.png", fileSize: 3, mimeType: "image/png", caption: null, duration: null, thumbImage: null, width: 1, height: 1 };
    const first = [
      direct(alice!, bob!, "one", { mentions: [`x@localhost`], isForwarded: true }),
      direct(alice!, alice!, "note to self"),
      { ...inGroup(bob!, g.key, "to the group"), type: "IMAGE" as const, text: null, media, mediaToken: "tok" },
    ];
    const rows = await send(b, first, new Map([[g.key, [alice!, bob!, carol!]]]));
    expect(rows.map((r) => r.id)).toEqual(first.map((m) => m.id));
    expect(ids(rows).map(BigInt)).toEqual([...ids(rows).map(BigInt)].sort((x, y) => (x < y ? -1 : 1)));

    const stored = await b.db.repository(MessageRow).find({ where: first.map((m) => ({ id: m.id })), order: { rowId: "ASC" } });
    expect(stored.map((r) => ({ ...r, rowId: asId(r.rowId) }))).toEqual(rows.map((r) => ({ ...r })));
    expect(await receipts(b.db, ids(rows))).toEqual([
      { rowId: ids(rows)[0], userId: bob, delivered: false, seen: false },
      { rowId: ids(rows)[2], userId: alice, delivered: false, seen: false },
      { rowId: ids(rows)[2], userId: carol, delivered: false, seen: false },
    ]);

    const again = direct(bob!, alice!, "new");
    const result = await b.db.transaction((em) => b.store.insertMessages(em, [{ ...first[0]!, text: "changed" }, again], []));
    expect([...result.before.keys()]).toEqual([first[0]!.id]);
    expect(result.before.get(first[0]!.id)).toMatchObject({ text: "one", senderId: alice, mentions: ["x@localhost"], isForwarded: true });
    expect(result.rows.map((r) => r.id)).toEqual([again.id]);
  });

  test("replayCandidates: what the viewer sent or has a receipt of, after the cursor, in order, at most limit", async () => {
    const b = await open();
    const [alice, bob, carol] = await users(b.db, 3);
    const rows = await send(b, [direct(alice!, bob!), direct(bob!, alice!), direct(bob!, carol!), direct(carol!, alice!), direct(alice!, carol!)]);
    const [r1, r2, , r4, r5] = ids(rows);
    expect(await b.store.replayCandidates(alice!, "0", 10)).toEqual([r1, r2, r4, r5]);
    expect(await b.store.replayCandidates(alice!, r1!, 10)).toEqual([r2, r4, r5]);
    expect(await b.store.replayCandidates(alice!, "0", 2)).toEqual([r1, r2]);
    expect(await b.store.replayCandidates(alice!, r5!, 10)).toEqual([]);
  });

  test("markDelivered and markSeenUpTo return only the receipts they changed; receiptProgress counts them", async () => {
    const b = await open();
    const [alice, bob, carol] = await users(b.db, 3);
    const g = await group(b.db, [alice!, bob!, carol!]);
    const rows = await send(b, [inGroup(alice!, g.key, "1"), inGroup(alice!, g.key, "2"), inGroup(alice!, g.key, "3")], new Map([[g.key, [alice!, bob!, carol!]]]));
    const [r1, r2, r3] = ids(rows);
    const at = new Date();
    const delivered = await b.store.markDelivered(new Map([[r1!, [bob!, carol!]], [r2!, [bob!]]]), at);
    expect(delivered.sort((x, y) => x.rowId.localeCompare(y.rowId) || x.userId - y.userId)).toEqual(
      [{ rowId: r1, userId: bob }, { rowId: r1, userId: carol }, { rowId: r2, userId: bob }].sort((x, y) => x.rowId!.localeCompare(y.rowId!) || x.userId! - y.userId!),
    );
    expect(await b.store.markDelivered(new Map([[r1!, [bob!]], [r2!, [bob!, carol!]]]), at)).toEqual([{ rowId: r2, userId: carol }]);

    const seen = await b.db.transaction((em) => b.store.markSeenUpTo(em, bob!, g.key, r2!, at));
    expect(seen.sort()).toEqual([r1, r2].sort());
    expect(await b.db.transaction((em) => b.store.markSeenUpTo(em, bob!, g.key, r3!, at))).toEqual([r3]);
    expect(await b.db.transaction((em) => b.store.markSeenUpTo(em, bob!, g.key, r3!, at))).toEqual([]);
    expect(await receipts(b.db, [r3!])).toEqual([
      { rowId: r3, userId: bob, delivered: true, seen: true },
      { rowId: r3, userId: carol, delivered: false, seen: false },
    ]);
    const progress = await b.store.receiptProgress([r1!, r2!, r3!]);
    expect(Object.fromEntries(progress)).toEqual({
      [r1!]: { total: 2, delivered: 2, seen: 1 },
      [r2!]: { total: 2, delivered: 2, seen: 1 },
      [r3!]: { total: 2, delivered: 1, seen: 1 },
    });
  });

  test("claimComplete claims a message only once every recipient reached the status, and once only when two calls race", async () => {
    const b = await open();
    const [alice, bob, carol] = await users(b.db, 3);
    const g = await group(b.db, [alice!, bob!, carol!]);
    const rows = await send(b, [inGroup(alice!, g.key, "1"), inGroup(alice!, g.key, "2")], new Map([[g.key, [alice!, bob!, carol!]]]));
    const [r1, r2] = ids(rows);
    const at = new Date();
    await b.store.markDelivered(new Map([[r1!, [bob!, carol!]], [r2!, [bob!]]]), at);
    expect(await b.store.claimComplete([r1!, r2!], "SEEN", at)).toEqual([]);
    const raced = await Promise.all([b.store.claimComplete([r1!, r2!], "DELIVERED", at), b.store.claimComplete([r2!, r1!], "DELIVERED", at)]);
    expect(raced.flat()).toEqual([r1]);
    expect(await b.store.claimComplete([r1!], "DELIVERED", at)).toEqual([]);
    await b.store.markDelivered(new Map([[r2!, [carol!]]]), at);
    expect(await b.store.claimComplete([r1!, r2!], "DELIVERED", at)).toEqual([r2]);
  });

  test("chat rows: insertMessages applies the new messages' chat deltas (rows created, deltas of one row merged, none for a repeated id) and returns who muted; applyGroupMessages reaches only other current participants and returns who muted; recountUnread recounts", async () => {
    const b = await open();
    const [alice, bob, carol, dave] = await users(b.db, 4);
    const key = directKey(alice!, bob!);
    const at = new Date(Date.UTC(2026, 1, 1));
    const jidOf = (userId: number) => (userId === alice ? "alice@localhost" : "bob@localhost");
    /** The sender's row and the recipient's, as the writer makes them. */
    const deltas = (m: NewMessage): ChatDelta[] => [
      { messageId: m.id, ownerId: m.senderId, jid: jidOf(m.recipientId!), type: "CHAT", peerUserId: m.recipientId, unreadIncrement: 0 },
      { messageId: m.id, ownerId: m.recipientId!, jid: jidOf(m.senderId), type: "CHAT", peerUserId: m.senderId, unreadIncrement: 1 },
    ];
    const insert = (messages: NewMessage[]) => b.db.transaction((em) => b.store.insertMessages(em, messages, messages.flatMap(deltas)));
    const first = [direct(alice!, bob!, "1", { createdAt: at }), direct(alice!, bob!, "2", { createdAt: new Date(at.getTime() + 1000) }), direct(alice!, bob!, "3", { createdAt: at })];
    const inserted = await insert(first);
    expect(inserted.muted).toEqual(new Set());
    const chat = (ownerId: number) => b.db.repository(Chat).findOneByOrFail({ ownerId, chatKey: key });
    expect(await chat(bob!)).toMatchObject({ unreadCount: 3, isHidden: false, jid: "alice@localhost", peerUserId: alice, chatType: "CHAT" });
    expect(asId((await chat(bob!)).lastMessageRowId)).toBe(asId(inserted.rows.at(-1)!.rowId));
    expect((await chat(bob!)).updatedAt.getTime()).toBe(at.getTime() + 1000);
    expect(await chat(alice!)).toMatchObject({ unreadCount: 0, jid: "bob@localhost", peerUserId: bob });

    await b.db.manager.update(Chat, { ownerId: bob!, jid: "alice@localhost" }, { isMuted: true, isHidden: true });
    // A repeated id changes no row.
    expect((await insert([first[0]!])).muted).toEqual(new Set());
    expect(await chat(bob!)).toMatchObject({ unreadCount: 3, isHidden: true });
    const again = await insert([direct(alice!, bob!, "4", { createdAt: at })]);
    expect(again.muted).toEqual(new Set([`${bob} ${key}`]));
    expect(await chat(bob!)).toMatchObject({ unreadCount: 4, isHidden: false });
    expect(asId((await chat(bob!)).lastMessageRowId)).toBe(asId(again.rows[0]!.rowId));
    expect((await chat(bob!)).updatedAt.getTime()).toBe(at.getTime() + 1000);

    const g = await group(b.db, [alice!, bob!, carol!], [dave!]);
    const groupRows = [alice!, bob!, carol!, dave!].map((ownerId) => ({ ownerId, jid: `${g.id}@mix.localhost`, chatType: "GROUPCHAT" as const, chatKey: g.key, peerUserId: null, updatedAt: at }));
    await b.db.manager.insert(Chat, groupRows);
    await b.db.manager.update(Chat, { ownerId: carol!, chatKey: g.key }, { isMuted: true });
    await b.db.manager.update(Chat, { ownerId: dave!, chatKey: g.key }, { isMuted: true });
    expect(
      await b.db.transaction((em) => b.store.applyGroupMessages(em, { groupId: g.id, chatKey: g.key, senderId: alice!, count: 2, lastRowId: "12", at: new Date(at.getTime() + 5000) })),
    ).toEqual([carol]);
    const unread = async (ownerId: number) => {
      const row = await b.db.repository(Chat).findOneByOrFail({ ownerId, chatKey: g.key });
      return [row.unreadCount, row.lastMessageRowId === null ? null : asId(row.lastMessageRowId)];
    };
    expect(await Promise.all([alice!, bob!, carol!, dave!].map(unread))).toEqual([[0, null], [2, "12"], [2, "12"], [0, null]]);

    const sent = await send(b, [inGroup(alice!, g.key, "1"), inGroup(alice!, g.key, "2"), inGroup(alice!, g.key, "3")], new Map([[g.key, [alice!, bob!, carol!]]]));
    await state(b.db, bob!, sent[2]!, { isDeleted: true });
    await b.db.transaction((em) => b.store.markSeenUpTo(em, carol!, g.key, asId(sent[0]!.rowId), new Date()));
    await b.db.transaction(async (em) => {
      for (const owner of [bob!, carol!]) await b.store.recountUnread(em, owner, g.key);
    });
    expect((await Promise.all([bob!, carol!].map(unread))).map(([count]) => count)).toEqual([2, 2]);
  });

  test("message states: setMessageStates creates and updates a user's rows; unfavourite by user, by chat up to a rowId, by message; newestRowId", async () => {
    const b = await open();
    const [alice, bob, carol] = await users(b.db, 3);
    const key = directKey(alice!, bob!);
    expect(await b.db.transaction((em) => b.store.newestRowId(em, key))).toBeNull();
    const rows = await send(b, [direct(alice!, bob!, "1"), direct(bob!, alice!, "2"), direct(alice!, bob!, "3"), direct(alice!, carol!, "other chat")]);
    const [r1, r2, r3, r4] = ids(rows);
    expect(await b.db.transaction((em) => b.store.newestRowId(em, key))).toBe(r3);
    const at = new Date(Date.UTC(2026, 2, 1));
    const favourites = async (userId: number) =>
      (await b.db.repository(MessageState).find({ where: { userId, isFavourite: true }, order: { messageRowId: "ASC" } })).map((s) => [asId(s.messageRowId), s.favouritedAt?.getTime() ?? null]);
    await b.db.transaction((em) => b.store.setMessageStates(em, bob!, rows.slice(0, 3), { isFavourite: true, favouritedAt: at }));
    await b.db.transaction((em) => b.store.setMessageStates(em, alice!, rows, { isFavourite: true, favouritedAt: at }));
    expect(await favourites(bob!)).toEqual([r1, r2, r3].map((r) => [r, at.getTime()]));
    await b.db.transaction((em) => b.store.setMessageStates(em, bob!, [rows[0]!], { isDeleted: true, isFavourite: false, favouritedAt: null }));
    const first = await b.db.repository(MessageState).findOneByOrFail({ userId: bob!, messageRowId: r1! });
    expect(first).toMatchObject({ isDeleted: true, isFavourite: false, favouritedAt: null });
    expect(await favourites(bob!)).toEqual([r2, r3].map((r) => [r, at.getTime()]));

    await b.db.transaction((em) => b.store.unfavouriteUpTo(em, alice!, key, r2!));
    expect((await favourites(alice!)).map(([r]) => r)).toEqual([r3, r4]);
    await b.db.transaction((em) => b.store.unfavouriteMessages(em, [r3!]));
    expect((await favourites(alice!)).map(([r]) => r)).toEqual([r4]);
    expect((await favourites(bob!)).map(([r]) => r)).toEqual([r2]);
    await b.db.transaction((em) => b.store.unfavouriteAll(em, bob!));
    expect(await favourites(bob!)).toEqual([]);
    expect((await favourites(alice!)).map(([r]) => r)).toEqual([r4]);
  });

  test("deletedFor: of the chat's messages with these ids, those the user deleted for themself", async () => {
    const b = await open();
    const [alice, bob] = await users(b.db, 2);
    const rows = await send(b, [direct(alice!, bob!, "1"), direct(alice!, bob!, "2"), direct(bob!, alice!, "3")]);
    await state(b.db, bob!, rows[0]!, { isDeleted: true });
    await state(b.db, bob!, rows[1]!, { isFavourite: true });
    await state(b.db, alice!, rows[2]!, { isDeleted: true });
    const gone = (userId: number, key: string) => b.store.deletedFor(userId, key, rows.map((r) => r.id)).then((found) => found.map((r) => r.id));
    expect(await gone(bob!, directKey(alice!, bob!))).toEqual([rows[0]!.id]);
    expect(await gone(alice!, directKey(alice!, bob!))).toEqual([rows[2]!.id]);
    expect(await gone(bob!, "d:0:0")).toEqual([]);
  });

  test("contactIds and watcherIds: who shares a one-to-one chat, and with viaGroups a current group", async () => {
    const b = await open();
    const [alice, bob, carol, dave] = await users(b.db, 4);
    await b.db.manager.insert(
      Profile,
      [[alice!, null], [bob!, "zed"], [carol!, "amy"], [dave!, null]].map(([userId, nickname]) => ({ userId: userId as number, nickname: nickname as string | null, customFields: {}, updatedAt: new Date() })),
    );
    const at = Date.UTC(2026, 3, 1);
    await b.db.manager.insert(Chat, [
      { ownerId: alice!, jid: "bob", chatType: "CHAT", chatKey: directKey(alice!, bob!), peerUserId: bob!, updatedAt: new Date(at) },
      { ownerId: alice!, jid: "carol", chatType: "CHAT", chatKey: directKey(alice!, carol!), peerUserId: carol!, updatedAt: new Date(at + 1000) },
      { ownerId: bob!, jid: "alice", chatType: "CHAT", chatKey: directKey(alice!, bob!), peerUserId: alice!, updatedAt: new Date(at) },
    ]);
    const g = await group(b.db, [alice!, dave!]);
    await b.db.manager.insert(Chat, { ownerId: alice!, jid: "g", chatType: "GROUPCHAT", chatKey: g.key, peerUserId: null, updatedAt: new Date(at + 2000) });
    expect(await b.store.contactIds(alice!, "NAME", 10, false)).toEqual([carol, bob]);
    expect(await b.store.contactIds(alice!, "RECENT", 10, false)).toEqual([carol, bob]);
    expect(await b.store.contactIds(alice!, "RECENT", 10, true)).toEqual([dave, carol, bob]);
    expect(await b.store.contactIds(alice!, "NAME", 2, true)).toEqual([carol, bob]);
    expect((await b.store.watcherIds(alice!, false)).sort()).toEqual([bob]);
    expect((await b.store.watcherIds(alice!, true)).sort((x, y) => x - y)).toEqual([bob, dave]);
  });

  test("historyPage, mediaPage, visibleRowIds, lastVisibleRowId and seesMessageWithMedia follow the one visibility rule: participant, not deleted for them, after their clearing unless a favourite, group chats with the plan", async () => {
    const b = await open();
    const [alice, bob, carol] = await users(b.db, 3);
    const g = await group(b.db, [alice!, bob!]);
    const media = { fileToken: "tokA", url: null, fileName: "a.png", fileSize: 3, mimeType: "image/png", caption: null, duration: null, thumbImage: null, width: 1, height: 1 };
    const [m1, m2, m3, m4] = await send(b, [
      direct(alice!, bob!, "one"),
      { ...direct(alice!, bob!, null as unknown as string), type: "IMAGE", text: null, media, mediaToken: "tokA" },
      direct(alice!, bob!, "three"),
      direct(bob!, alice!, "four"),
    ]);
    const [g1] = await send(b, [inGroup(alice!, g.key, "to the group")], new Map([[g.key, [alice!, bob!]]]));
    const key = directKey(alice!, bob!);
    // Bob deleted three for himself, cleared the chat up to two and kept one as a favourite.
    await state(b.db, bob!, m3!, { isDeleted: true });
    await state(b.db, bob!, m1!, { isFavourite: true });
    await b.db.manager.insert(Chat, { ownerId: bob!, jid: "alice@localhost", chatType: "CHAT", chatKey: key, peerUserId: alice!, clearedUpToRowId: m2!.rowId, updatedAt: new Date() });
    const bobIn = { viewerId: bob!, groupChat: true, clearedUpTo: asId(m2!.rowId) };
    const aliceIn = { viewerId: alice!, groupChat: true, clearedUpTo: "0" };

    expect(ids(await b.store.historyPage(aliceIn, key, { before: null }, 10))).toEqual(ids([m4!, m3!, m2!, m1!]));
    expect(ids(await b.store.historyPage(bobIn, key, { before: null }, 10))).toEqual(ids([m4!, m1!]));
    expect(ids(await b.store.historyPage(bobIn, key, { before: null }, 1))).toEqual(ids([m4!]));
    expect(ids(await b.store.historyPage(bobIn, key, { before: asId(m4!.rowId) }, 10))).toEqual(ids([m1!]));
    expect(ids(await b.store.historyPage(aliceIn, key, { after: asId(m1!.rowId) }, 2))).toEqual(ids([m2!, m3!]));
    expect(ids(await b.store.historyPage({ viewerId: carol!, groupChat: true }, key, { before: null }, 10))).toEqual([]);
    expect(ids(await b.store.historyPage({ ...aliceIn, groupChat: false }, g.key, { before: null }, 10))).toEqual([]);
    expect(ids(await b.store.historyPage(aliceIn, g.key, { before: null }, 10))).toEqual(ids([g1!]));

    expect(ids(await b.store.mediaPage(aliceIn, key, null, 10))).toEqual(ids([m2!]));
    expect(ids(await b.store.mediaPage(aliceIn, key, asId(m2!.rowId), 10))).toEqual([]);
    expect(ids(await b.store.mediaPage(bobIn, key, null, 10))).toEqual([]);

    // Without clearedUpTo each row's chat state is read (Bob's clearing is in his chat row).
    const all = ids([m1!, m2!, m3!, m4!, g1!]);
    expect([...(await b.store.visibleRowIds({ viewerId: bob!, groupChat: true }, all))].sort()).toEqual(ids([m1!, m4!, g1!]).sort());
    expect([...(await b.store.visibleRowIds({ viewerId: bob!, groupChat: false }, all))].sort()).toEqual(ids([m1!, m4!]).sort());
    expect([...(await b.store.visibleRowIds({ viewerId: carol!, groupChat: true }, all))]).toEqual([]);
    expect(await b.store.visibleRowIds({ viewerId: bob!, groupChat: true }, [])).toEqual(new Set());

    expect(await b.db.transaction((em) => b.store.lastVisibleRowId(em, aliceIn, key))).toBe(asId(m4!.rowId));
    // Cleared up to the newest: the favourite is what is left.
    expect(await b.db.transaction((em) => b.store.lastVisibleRowId(em, { viewerId: bob!, groupChat: true, clearedUpTo: asId(m4!.rowId) }, key))).toBe(asId(m1!.rowId));
    expect(await b.db.transaction((em) => b.store.lastVisibleRowId(em, { viewerId: carol!, groupChat: true }, key))).toBeNull();

    expect(await b.store.seesMessageWithMedia({ viewerId: alice!, groupChat: true }, "tokA")).toBe(true);
    expect(await b.store.seesMessageWithMedia({ viewerId: bob!, groupChat: true }, "tokA")).toBe(false);
    expect(await b.store.seesMessageWithMedia({ viewerId: carol!, groupChat: true }, "tokA")).toBe(false);
    await b.db.manager.update(MessageRow, { id: m2!.id }, { deletedForEveryoneAt: new Date() });
    expect(await b.store.seesMessageWithMedia({ viewerId: alice!, groupChat: true }, "tokA")).toBe(false);
  });

  test("liveGroup finds a group unless it was deleted", async () => {
    const b = await open();
    const [alice] = await users(b.db, 1);
    const g = await group(b.db, [alice!]);
    expect(await b.db.transaction((em) => b.groups.liveGroup(em, g.id))).toMatchObject({ id: g.id, name: "g" });
    await b.db.manager.update(GroupRow, { id: g.id }, { deletedAt: new Date() });
    expect(await b.groups.liveGroup(b.db.manager, g.id)).toBeNull();
  });
});

describe.runIf(postgresUrl)("the group store on PostgreSQL, locks", () => {
  it("liveGroup inside a transaction holds the group until it ends: another transaction's liveGroup waits", async () => {
    const db = await openPostgres(await createPostgres());
    const store = new PostgresGroupStore();
    const [alice] = await users(db, 1);
    const g = await group(db, [alice!]);
    const log: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const hasLock = new Promise<void>((resolve) => (locked = resolve));
    const first = db.transaction(async (em) => {
      await store.liveGroup(em, g.id);
      locked();
      await held;
      log.push("first ends");
    });
    await hasLock;
    const second = db.transaction(async (em) => {
      await store.liveGroup(em, g.id);
      log.push("second has it");
    });
    // The second waits in PostgreSQL for the row: seen from pg_locks, not by sleeping.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = (await db.manager.query(
        // A row lock is waited for on the holder's transaction id: a lock of no database, so the waiter is found by its session.
        `SELECT COUNT(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.datname = current_database() AND NOT l.granted`,
      )) as { n: number }[];
      if (row!.n > 0) break;
      if (Date.now() > deadline) throw new Error("the second transaction never waited");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(log).toEqual([]);
    release();
    await Promise.all([first, second]);
    expect(log).toEqual(["first ends", "second has it"]);
  });
});
