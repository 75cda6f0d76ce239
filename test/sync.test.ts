// Sync: one cursor brings back everything a client missed (messages, receipts, deletions, group
// events, contacts' profiles, the user's own changes on other devices), then continues live; a
// user's devices stay in step. On PostgreSQL + Redis the devices sit on two server processes; on
// the embedded default both are the one server (startServerPair).
import { beforeAll, describe, expect, it } from "vitest";
import { gql, ok, onlyError, WsClient } from "./support/clients.js";
import { createPostgres, postgresUrl } from "./support/databases.js";
import { createGroup, registerUsers, sendText, type TestUser } from "./support/fixtures.js";
import { liveSubscription, PROBE_TEXT } from "./support/live.js";
import { onPostgresAndRedis, startServer, startServerPair, type Endpoint, type TestServer } from "./support/server.js";
import { startTcpProxy } from "./support/tcp-proxy.js";

const ENTRY = `cursor __typename
  ... on SyncMessage { message { id text status } }
  ... on SyncReceipt { receipt { messageId status message { id status } } }
  ... on SyncMessagesDeleted { deleted { chatJid messageIds } }
  ... on SyncChatChange { change chatJid messageIds unreadCount isMuted isArchived }
  ... on SyncGroupEvent { event { type groupJid targetJids group { name } } }
  ... on SyncProfileChange { profile { jid nickname } }`;
const STREAM = `subscription($after: String) { syncStream(after: $after) { ${ENTRY} } }`;
const LIVE_STREAM = `subscription { syncStream { ${ENTRY} } }`;
const PAGE = `query($after: String, $limit: Int) { sync(after: $after, limit: $limit) { cursor hasMore entries { ${ENTRY} } } }`;

type Entry = Record<string, any> & { cursor: string; __typename: string };
type Streamed = { syncStream: Entry };

/** An entry as a line of text, with ids replaced by the names the test gave them. */
function describeEntry(e: Entry, names: Map<string, string>): string {
  const n = (id: string) => names.get(id) ?? id;
  switch (e.__typename) {
    case "SyncMessage":
      // By name: a message deleted for everyone since comes back as its tombstone (no text).
      return `message ${names.get(e.message.id) ?? e.message.text}`;
    case "SyncReceipt":
      return `receipt ${e.receipt.status} ${n(e.receipt.messageId)}`;
    case "SyncMessagesDeleted":
      return `deleted ${n(e.deleted.chatJid)} ${e.deleted.messageIds.map(n).join(",")}`;
    case "SyncChatChange":
      return `chat ${e.change} ${e.chatJid === null ? "-" : n(e.chatJid)} [${e.messageIds.map(n).join(",")}] unread=${e.unreadCount} muted=${e.isMuted} archived=${e.isArchived}`;
    case "SyncGroupEvent":
      return `group ${e.event.type} ${n(e.event.groupJid)} ${e.event.targetJids.map(n).join(",")}`;
    case "SyncProfileChange":
      return `profile ${n(e.profile.jid)}`;
    default:
      throw new Error(`unknown entry ${e.__typename}`);
  }
}

const isProbe = (e: Entry) => e.__typename === "SyncMessage" && e.message.text === PROBE_TEXT;

/** The cursor's two positions (message rowId, entry position), to check that they only grow. */
function positions(cursor: string): [bigint, bigint] {
  const [m, p] = Buffer.from(cursor, "base64url").toString("utf8").split(".");
  return [BigInt(m!), BigInt(p!)];
}

function expectGrowing(cursors: string[]): void {
  for (let i = 1; i < cursors.length; i += 1) {
    const [m0, p0] = positions(cursors[i - 1]!);
    const [m1, p1] = positions(cursors[i]!);
    expect(m1 >= m0 && p1 >= p0 && (m1 > m0 || p1 > p0), `cursor ${i} moves on`).toBe(true);
  }
}

/** A syncStream subscription without a cursor, proven live for what `via` publishes (probes are notes to self). */
function liveSync(ws: WsClient, user: TestUser, via: Endpoint) {
  return liveSubscription<Streamed>(ws, user, via, {
    query: LIVE_STREAM,
    idOf: (d) => (d.syncStream.__typename === "SyncMessage" ? d.syncStream.message.id : undefined),
  });
}

async function nowCursor(server: Endpoint, user: TestUser): Promise<string> {
  const { sync } = await ok(server, PAGE, { after: null }, { token: user.token });
  expect(sync).toMatchObject({ entries: [], hasMore: false });
  return sync.cursor;
}

describe("sync", () => {
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    [one, two] = await startServerPair();
  });

  it("a client that resubscribes with its last cursor gets exactly what it missed, in order, once each, then continues live", async () => {
    const [me, peer, friend, admin] = await registerUsers(one, 4);
    const m1 = await sendText(one, me, peer, "m1");
    const m2 = await sendText(one, me, peer, "m2");
    await sendText(one, friend, me, "from a friend");
    const group = await createGroup(two, admin, [friend], { name: "before" });
    const names = new Map<string, string>([
      [m1.id, "m1"], [m2.id, "m2"], [peer.jid, "peer"], [friend.jid, "friend"], [me.jid, "me"], [group.jid, "group"],
    ]);

    // Device B stays connected throughout, live on process two.
    const wsB = await WsClient.connect(two, me.token);
    const { sub: b } = await liveSync(wsB, me, one);
    // Device A follows from now on process one, and gets one entry before it drops.
    const wsA = await WsClient.connect(one, me.token);
    const a = wsA.subscribe<Streamed>(STREAM, { after: await nowCursor(one, me) });
    const p0 = await sendText(two, peer, me, "p0");
    const last = (await a.waitFor((d) => d.syncStream.message?.id === p0.id)).syncStream.cursor;
    await wsA.close();
    const onB = async (predicate: (e: Entry) => boolean) => (await b.waitFor((d) => predicate(d.syncStream), 10_000)).syncStream;
    await onB((e) => e.message?.id === p0.id);

    // Meanwhile, on process two:
    const p1 = await sendText(two, peer, me, "p1");
    const p2 = await sendText(two, peer, me, "p2");
    names.set(p1.id, "p1").set(p2.id, "p2");
    await onB((e) => e.message?.id === p2.id);
    // its sent messages are delivered (the peer's device comes online and gets them) …
    const wsPeer = await WsClient.connect(two, peer.token);
    wsPeer.subscribe(`subscription($after: ID) { messageReceived(afterRowId: $after) { id } }`, { after: String(BigInt(m1.rowId) - 1n) });
    for (const m of [m1, m2]) await onB((e) => e.receipt?.messageId === m.id && e.receipt.status === "DELIVERED");
    // … and seen;
    await ok(two, `mutation($to: ID!, $id: ID!) { sendSeenStatus(toJid: $to, messageId: $id) }`, { to: me.jid, id: m2.id }, { token: peer.token });
    for (const m of [m1, m2]) await onB((e) => e.receipt?.messageId === m.id && e.receipt.status === "SEEN");
    // one message to it is deleted for everyone;
    await ok(two, `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForEveryone(toJid: $to, messageIds: $ids) }`, { to: me.jid, ids: [p1.id] }, { token: peer.token });
    await onB((e) => e.__typename === "SyncMessagesDeleted");
    // it is added to a group, which is then renamed;
    await ok(two, `mutation($g: ID!, $jids: [ID!]!) { addParticipants(groupJid: $g, participantJids: $jids) { jid } }`, { g: group.jid, jids: [me.jid] }, { token: admin.token });
    await onB((e) => e.event?.type === "PARTICIPANT_ADDED");
    await ok(two, `mutation($g: ID!) { setGroupProfile(groupJid: $g, name: "renamed") { jid } }`, { g: group.jid }, { token: admin.token });
    await onB((e) => e.event?.type === "PROFILE_UPDATED");
    // a contact changes their nickname;
    await ok(two, `mutation { setUserProfile(input: { nickname: "Fritz" }) { jid } }`, {}, { token: friend.token });
    await onB((e) => e.__typename === "SyncProfileChange");
    // and the same user, on another device, marks a chat seen, mutes one and archives another.
    await ok(two, `mutation($to: ID!, $id: ID!) { sendSeenStatus(toJid: $to, messageId: $id) }`, { to: peer.jid, id: p2.id }, { token: me.token });
    await onB((e) => e.change === "SEEN");
    await ok(two, `mutation($to: ID!) { muteChat(toJid: $to, isMuted: true) }`, { to: group.jid }, { token: me.token });
    await onB((e) => e.change === "MUTED");
    await ok(two, `mutation($to: ID!) { archiveChat(toJid: $to, isArchived: true) }`, { to: friend.jid }, { token: me.token });
    await onB((e) => e.change === "ARCHIVED");

    const missed = b.received.map((r) => r.data!.syncStream).filter((e) => !isProbe(e));
    const seenLive = missed.slice(missed.findIndex((e) => e.message?.id === p0.id) + 1);
    const expected = [
      ["message p1"],
      ["message p2"],
      ["receipt DELIVERED m1", "receipt DELIVERED m2"],
      ["receipt SEEN m1", "receipt SEEN m2"],
      ["deleted peer p1"],
      ["group PARTICIPANT_ADDED group me"],
      ["group PROFILE_UPDATED group "],
      ["profile friend"],
      [`chat SEEN peer [p2] unread=0 muted=false archived=false`],
      ["chat MUTED group [] unread=0 muted=true archived=false"],
      ["chat ARCHIVED friend [] unread=1 muted=false archived=true"],
    ];
    // What device B saw live is what happened, step by step (within a step in any order).
    const lines = seenLive.map((e) => describeEntry(e, names));
    let at = 0;
    for (const step of expected) {
      expect(lines.slice(at, at + step.length).sort()).toEqual([...step].sort());
      at += step.length;
    }
    expect(lines).toHaveLength(at);

    // Device A resubscribes with its last cursor, on process one.
    const wsA2 = await WsClient.connect(one, me.token);
    const a2 = wsA2.subscribe<Streamed>(STREAM, { after: last });
    await a2.waitFor(() => a2.received.length >= seenLive.length, 10_000);
    const replayed = a2.received.map((r) => r.data!.syncStream);
    // Exactly those changes, in the order they happened, once each.
    expect(replayed.map((e) => describeEntry(e, names))).toEqual(lines);
    expectGrowing([last, ...replayed.map((e) => e.cursor)]);
    // Profiles and groups as they are now; receipts with the message's status.
    expect(replayed.filter((e) => e.event).map((e) => e.event.group?.name)).toEqual(["renamed", "renamed"]);
    expect(replayed.find((e) => e.profile)!.profile.nickname).toBe("Fritz");
    expect(replayed.filter((e) => e.receipt).map((e) => e.receipt.message.status)).toEqual(
      replayed.filter((e) => e.receipt).map((e) => e.receipt.status),
    );

    // Then live: a change made after the switch arrives once.
    const after = await sendText(two, friend, me, "after the switch");
    const live = await a2.waitFor((d) => d.syncStream.message?.id === after.id, 10_000);
    expect(a2.received.map((r) => r.data!.syncStream.message?.id).filter((id) => id === after.id)).toHaveLength(1);
    expect(a2.received).toHaveLength(seenLive.length + 1);
    expectGrowing([replayed.at(-1)!.cursor, live.syncStream.cursor]);
    await Promise.all([wsA2.close(), wsB.close(), wsPeer.close()]);
  });

  it("a user's second device sees each of their own changes live, whichever door and process made it", async () => {
    const [me, peer] = await registerUsers(one, 2);
    const q = await sendText(one, peer, me, "q");
    const r = await sendText(one, peer, me, "r");
    const names = new Map([[peer.jid, "peer"], [q.id, "q"], [r.id, "r"]]);
    const wsB = await WsClient.connect(two, me.token);
    const { sub: b } = await liveSync(wsB, me, one);
    const wsA = await WsClient.connect(one, me.token);
    const onB = async (predicate: (e: Entry) => boolean) => describeEntry((await b.waitFor((d) => predicate(d.syncStream), 10_000)).syncStream, names);
    const overSocket = async (query: string, variables: Record<string, unknown>) => {
      const result = await wsA.execute(query, variables);
      expect(result.errors).toBeUndefined();
    };

    const sent = await wsA.execute<{ sendTextMessage: { id: string } }>(`mutation($to: ID!) { sendTextMessage(input: { toJid: $to, messageText: "from A" }) { id } }`, { to: peer.jid });
    expect(await onB((e) => e.message?.id === sent.data!.sendTextMessage.id)).toBe("message from A");
    await overSocket(`mutation($to: ID!) { muteChat(toJid: $to, isMuted: true) }`, { to: peer.jid });
    expect(await onB((e) => e.change === "MUTED")).toBe("chat MUTED peer [] unread=2 muted=true archived=false");
    await overSocket(`mutation($to: ID!, $id: ID!) { updateFavouriteStatus(toJid: $to, messageId: $id, isFavourite: true) }`, { to: peer.jid, id: q.id });
    expect(await onB((e) => e.change === "FAVOURITE_ADDED")).toBe("chat FAVOURITE_ADDED peer [q] unread=2 muted=true archived=false");
    await ok(two, `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForMe(toJid: $to, messageIds: $ids) }`, { to: peer.jid, ids: [r.id] }, { token: me.token });
    expect(await onB((e) => e.change === "MESSAGES_DELETED_FOR_ME")).toBe("chat MESSAGES_DELETED_FOR_ME peer [r] unread=1 muted=true archived=false");
    await overSocket(`mutation($to: ID!) { archiveChat(toJid: $to, isArchived: true) }`, { to: peer.jid });
    expect(await onB((e) => e.change === "ARCHIVED")).toBe("chat ARCHIVED peer [] unread=1 muted=true archived=true");
    await ok(two, `mutation($to: ID!) { muteChat(toJid: $to, isMuted: false) }`, { to: peer.jid }, { token: me.token });
    expect(await onB((e) => e.change === "UNMUTED")).toBe("chat UNMUTED peer [] unread=1 muted=false archived=true");
    await overSocket(`mutation { removeAllFavouriteMessages }`, {});
    expect(await onB((e) => e.change === "ALL_FAVOURITES_REMOVED")).toBe("chat ALL_FAVOURITES_REMOVED - [] unread=0 muted=false archived=false");
    await overSocket(`mutation($to: ID!) { clearChat(toJid: $to) }`, { to: peer.jid });
    expect(await onB((e) => e.change === "CLEARED")).toBe("chat CLEARED peer [] unread=0 muted=false archived=true");
    await ok(two, `mutation($to: ID!) { deleteChat(toJid: $to) }`, { to: peer.jid }, { token: me.token });
    expect(await onB((e) => e.change === "DELETED")).toBe("chat DELETED peer [] unread=0 muted=false archived=true");
    await Promise.all([wsA.close(), wsB.close()]);
  });

  it("the query pages the same entries in order, and its last cursor has nothing more", async () => {
    const [me, peer, friend] = await registerUsers(one, 3);
    await sendText(one, friend, me, "hello");
    const start = await nowCursor(two, me);
    await sendText(one, peer, me, "one");
    await ok(one, `mutation($to: ID!) { muteChat(toJid: $to, isMuted: true) }`, { to: peer.jid }, { token: me.token });
    await sendText(two, peer, me, "two");
    await ok(two, `mutation { setUserProfile(input: { nickname: "Paged" }) { jid } }`, {}, { token: friend.token });
    await sendText(one, me, peer, "three");
    await ok(two, `mutation($to: ID!) { archiveChat(toJid: $to, isArchived: true) }`, { to: friend.jid }, { token: me.token });
    const names = new Map([[peer.jid, "peer"], [friend.jid, "friend"]]);

    const { sync: whole } = await ok(two, PAGE, { after: start, limit: 100 }, { token: me.token });
    expect(whole.hasMore).toBe(false);
    expect(whole.entries.map((e: Entry) => describeEntry(e, names))).toEqual([
      "message one",
      "chat MUTED peer [] unread=1 muted=true archived=false",
      "message two",
      "profile friend",
      "message three",
      "chat ARCHIVED friend [] unread=1 muted=false archived=true",
    ]);
    const pages: Entry[][] = [];
    let cursor = start;
    for (;;) {
      const { sync: page } = await ok(pages.length % 2 ? one : two, PAGE, { after: cursor, limit: 2 }, { token: me.token });
      pages.push(page.entries);
      // Within the stream, the page's cursor is its last entry's (the last page's may go past
      // what others wrote since, which this user need not see).
      if (page.hasMore) expect(page.cursor).toBe(page.entries.at(-1).cursor);
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 0].slice(0, pages.length));
    expect(pages.flat().map((e) => describeEntry(e, names))).toEqual(whole.entries.map((e: Entry) => describeEntry(e, names)));
    expectGrowing([start, ...pages.flat().map((e) => e.cursor)]);
    const { sync: rest } = await ok(one, PAGE, { after: whole.cursor, limit: 100 }, { token: me.token });
    expect(rest).toMatchObject({ entries: [], hasMore: false });
    // A malformed cursor names the argument.
    const bad = onlyError(await gql(one, PAGE, { after: "not-a-cursor" }, { token: me.token }));
    expect(bad.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });

  it("resuming while messages and chat changes are written concurrently through both processes gets each once, in order", async () => {
    const [me, ...senders] = await registerUsers(one, 4);
    const start = await nowCursor(one, me);
    const servers = [one, two];
    const sent: string[] = [];
    let changes = 0;
    const writing = Promise.all([
      ...senders.map(async (sender, s) => {
        for (let batch = 0; batch < 4; batch += 1) {
          const results = await Promise.all(Array.from({ length: 10 }, (_, i) => sendText(servers[(s + i) % 2]!, sender, me, `s${s}-${batch}-${i}`)));
          sent.push(...results.map((r) => r.id));
        }
      }),
      (async () => {
        for (let i = 0; i < 20; i += 1) {
          await ok(servers[i % 2]!, `mutation($to: ID!, $m: Boolean!) { muteChat(toJid: $to, isMuted: $m) }`, { to: senders[i % 3]!.jid, m: i % 2 === 0 }, { token: me.token });
          changes += 1;
        }
      })(),
    ]);
    while (sent.length < 40) await new Promise((r) => setImmediate(r));
    const ws = await WsClient.connect(two, me.token, 20_000);
    const sub = ws.subscribe<Streamed>(STREAM, { after: start });
    await writing;
    expect([sent.length, changes]).toEqual([120, 20]);
    await sub.waitFor(() => sub.received.length >= 140, 20_000);
    const got = sub.received.map((r) => r.data!.syncStream);
    expect(got.filter((e) => e.message).map((e) => e.message.id).sort()).toEqual([...sent].sort());
    expect(got.filter((e) => e.change)).toHaveLength(20);
    expectGrowing([start, ...got.map((e) => e.cursor)]);
    // The same stream read by pages agrees, entry for entry.
    const paged: Entry[] = [];
    for (let cursor = start, more = true; more; ) {
      const { sync: page } = await ok(one, PAGE, { after: cursor, limit: 50 }, { token: me.token });
      paged.push(...page.entries);
      ({ cursor, hasMore: more } = page);
    }
    const line = (e: Entry) => (e.message ? e.message.id : describeEntry(e, new Map()));
    expect(paged.map(line)).toEqual(got.map(line));
    await ws.close();
  });
});

describe("sync retention", () => {
  it("a cursor older than SYNC_RETENTION_DAYS gets SYNC_CURSOR_EXPIRED on the query and the subscription; a fresh one works", async () => {
    // Its own database: pruning with a retention of three seconds must not touch other tests' entries.
    const env = { SYNC_RETENTION_DAYS: String(3 / 86_400), SYNC_PRUNE_INTERVAL_SECONDS: "1", ...(onPostgresAndRedis && postgresUrl ? { DATABASE_URL: await createPostgres() } : {}) };
    const server = await startServer(env);
    const [me, peer] = await registerUsers(server, 2);
    const old = await nowCursor(server, me);
    await ok(server, `mutation($to: ID!) { muteChat(toJid: $to, isMuted: true) }`, { to: peer.jid }, { token: me.token });
    const { sync: fresh } = await ok(server, PAGE, { after: old }, { token: me.token });
    expect(fresh.entries.map((e: Entry) => e.change)).toEqual(["MUTED"]);

    // Once the entry is pruned, the old cursor is refused, never answered in part.
    let expired;
    const deadline = Date.now() + 15_000;
    do {
      expired = await gql(server, PAGE, { after: old }, { token: me.token });
      if (!expired.errors) await new Promise((r) => setTimeout(r, 200));
    } while (!expired.errors && Date.now() < deadline);
    const error = onlyError(expired);
    expect(error.extensions).toMatchObject({ code: "SYNC_CURSOR_EXPIRED", statusCode: 410, field: "after" });
    expect(error.message).toMatch(/reload/);

    const ws = await WsClient.connect(server, me.token);
    const refused = await ws.execute(STREAM, { after: old });
    expect(refused.data).toBeUndefined();
    expect(refused.errors![0]!.extensions).toMatchObject({ code: "SYNC_CURSOR_EXPIRED", statusCode: 410 });

    // A client that reloads starts again from a fresh cursor.
    const now = await nowCursor(server, me);
    await ok(server, `mutation($to: ID!) { archiveChat(toJid: $to, isArchived: true) }`, { to: peer.jid }, { token: me.token });
    const { sync: after } = await ok(server, PAGE, { after: now }, { token: me.token });
    expect(after.entries.map((e: Entry) => e.change)).toEqual(["ARCHIVED"]);
    await ws.close();
  });
});

describe.runIf(onPostgresAndRedis)("sync wake-ups lost on the way (postgres+redis)", () => {
  it("an entry whose wake-up never reached the broker is still streamed, in order, once a later wake-up shows the gap; the cursor never passes it", async () => {
    // Process one reaches Redis through a link that is cut: what it writes is stored and
    // acknowledged, but its wake-ups are lost. Process two, and the subscriber on it, hear Redis.
    const link = await startTcpProxy({ url: process.env.REDIS_URL! });
    const one = await startServer({ REDIS_URL: `redis://127.0.0.1:${new URL(link.graphqlUrl).port}`, RATE_LIMIT_MUTATIONS: "0" });
    const two = await startServer();
    try {
      const [me, peer, friend] = await registerUsers(two, 3);
      const names = new Map([[peer.jid, "peer"], [friend.jid, "friend"]]);
      const start = await nowCursor(two, me);
      const ws = await WsClient.connect(two, me.token);
      const { sub } = await liveSync(ws, me, two);

      link.cut();
      await ok(one, `mutation($to: ID!) { muteChat(toJid: $to, isMuted: true) }`, { to: peer.jid }, { token: me.token });
      await ok(two, `mutation($to: ID!) { archiveChat(toJid: $to, isArchived: true) }`, { to: friend.jid }, { token: me.token });
      const expected = ["chat MUTED peer [] unread=0 muted=true archived=false", "chat ARCHIVED friend [] unread=0 muted=false archived=true"];

      await sub.waitFor((d) => d.syncStream.change === "ARCHIVED", 10_000);
      const live = sub.received.map((r) => r.data!.syncStream).filter((e) => !isProbe(e));
      expect(live.map((e) => describeEntry(e, names))).toEqual(expected);
      // Resuming from the last cursor the stream gave has nothing more: nothing was passed over.
      const { sync: rest } = await ok(two, PAGE, { after: live.at(-1)!.cursor, limit: 100 }, { token: me.token });
      expect(rest.entries).toEqual([]);
      const { sync: whole } = await ok(two, PAGE, { after: start, limit: 100 }, { token: me.token });
      expect(whole.entries.filter((e: Entry) => !isProbe(e)).map((e: Entry) => describeEntry(e, names))).toEqual(expected);
      await ws.close();
    } finally {
      link.heal();
      await Promise.all([one.close(), two.close(), link.close()]);
    }
  });
});
