// What one send costs PostgreSQL inside the sequencer's turn, where every other send waits: the
// statements and the round trips of the turn for a one-to-one and a group message, counted on the
// driver's clients against a real server and a real database. Statements: pg's
// Client.prototype.query, wrapped to note each one and pass it on unchanged. Round trips: on the
// sequencer connection's socket, a write that follows an answer begins one (statements written
// before any answer came ride the same trip). Writes: what reaches the socket itself (its _write
// or _writev), where pg's writes made while it is corked come out as one. Also the statement that
// marks messages delivered, which runs at every flush of receipts: its text must not vary with the
// flush, or PostgreSQL plans it afresh each time.
import type { EventEmitter } from "node:events";
import pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { ok, WsClient } from "./support/clients.js";
import { liveSubscription } from "./support/live.js";
import { SEQUENCER_LOCK_KEY } from "../src/db/sequencer.js";
import { createGroup, registerUsers, sendText, type TestUser } from "./support/fixtures.js";
import { type Endpoint, startServer } from "./support/server.js";

interface Turn {
  /** Each statement's start, after "named " when it went as a named (prepared) statement. */
  statements: string[];
  /** Those of them that read or write the sync log's table. */
  syncStatements: string[];
  /** Round trips from the lock to the COMMIT, both counted. */
  roundTrips: number;
  /** Writes that reached the socket (its _write or _writev) from the lock to the turn's first answer. */
  socketWrites: number;
}

/** A socket's round trips so far, and whether an answer came since the last write. */
interface Trips {
  count: number;
  answered: boolean;
  /** Writes handed to the socket itself: pg's statements written while it was corked come out as one. */
  writes: number;
  /** The turn whose writes are counted until an answer comes, and the count when it began. */
  writing?: { turn: Turn; from: number };
}

const LOCK = `pg_advisory_lock(${SEQUENCER_LOCK_KEY})`;
const turns: Turn[] = [];
const socketTrips = new WeakMap<pg.Client, Trips>();
/** The sequencer's client, its turn under way and the round trip count when the turn began. */
let current: { client: pg.Client; turn: Turn; from: number } | undefined;
/** Every statement that writes delivered receipts, on any client, noted like a turn's. */
const deliveredWrites: string[] = [];

/** Counts the round trips on a client's socket, from now on. */
function tripsOf(client: pg.Client): Trips {
  let trips = socketTrips.get(client);
  if (trips) return trips;
  const counted: Trips = { count: 0, answered: true, writes: 0 };
  type Socket = EventEmitter & { write: (...args: unknown[]) => boolean; _write: (...args: unknown[]) => void; _writev?: (...args: unknown[]) => void };
  const stream = (client as unknown as { connection: { stream: Socket } }).connection.stream;
  for (const method of ["_write", "_writev"] as const) {
    const own = stream[method];
    if (!own) continue;
    stream[method] = function (this: unknown, ...args: unknown[]) {
      counted.writes += 1;
      return own.apply(this, args);
    };
  }
  const write = stream.write;
  stream.write = function (this: unknown, ...args: unknown[]) {
    if (counted.answered) {
      counted.count += 1;
      counted.answered = false;
    }
    return write.apply(this, args);
  };
  stream.on("data", () => {
    counted.answered = true;
    if (counted.writing) counted.writing.turn.socketWrites = counted.writes - counted.writing.from;
    counted.writing = undefined;
  });
  socketTrips.set(client, counted);
  return counted;
}

const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
  const text = typeof config === "string" ? config : (config as { text?: unknown } | null)?.text;
  const name = typeof config === "string" ? undefined : (config as { name?: unknown } | null)?.name;
  if (typeof text === "string" && text.includes(LOCK)) {
    const trips = tripsOf(this);
    // The previous turn's unlock may be unanswered still: it is that turn's.
    trips.answered = true;
    current = { client: this, turn: { statements: [], syncStatements: [], roundTrips: 0, socketWrites: 0 }, from: trips.count };
    trips.writing = { turn: current.turn, from: trips.writes };
    turns.push(current.turn);
  }
  const result = (query as (...args: unknown[]) => unknown).call(this, config, ...rest);
  if (typeof text === "string" && /^\s*UPDATE receipts\b[\s\S]*SET delivered_at/.test(text)) {
    deliveredWrites.push(`${typeof name === "string" ? "named " : ""}${text.replace(/\s+/g, " ").trim()}`);
  }
  if (typeof text === "string" && current?.client === this) {
    // A named statement is parsed once per connection, and planned once it has run a few times.
    const noted = `${typeof name === "string" ? "named " : ""}${text.replace(/\s+/g, " ").trim().slice(0, 60)}`;
    current.turn.statements.push(noted);
    if (text.includes("sync_events")) current.turn.syncStatements.push(noted);
    // Written by now: this connection pipelines, and the turn sends COMMIT once the rest is answered.
    current.turn.roundTrips = tripsOf(this).count - current.from;
    if (text.trim() === "COMMIT") current = undefined;
  }
  return result;
} as typeof query;
afterAll(() => {
  pg.Client.prototype.query = query;
});

const SYNC = `query($after: String) { sync(after: $after) { cursor entries { __typename } } }`;

/** The user's sync cursor of now. */
async function cursorOf(server: Endpoint, user: TestUser): Promise<string> {
  return (await ok(server, SYNC, { after: null }, user)).sync.cursor as string;
}

/**
 * Waits until the group's creation is in each user's sync stream: the entries it appended are
 * written, in a turn of their own or a send's, and ride none of the turns counted after.
 */
async function groupEventsWritten(server: Endpoint, users: [TestUser, string][]): Promise<void> {
  for (const [user, after] of users) {
    await vi.waitFor(
      async () => {
        const { sync } = await ok(server, SYNC, { after }, user);
        expect(sync.entries.map((e: { __typename: string }) => e.__typename)).toContain("SyncGroupEvent");
      },
      { timeout: 10_000, interval: 20 },
    );
  }
}

/** The statements of a turn that write rows, and were sent as text for PostgreSQL to parse and plan again. */
function writesParsedEachTime(turn: Turn): string[] {
  return turn.statements.filter((s) => /^(WITH|INSERT|UPDATE)/.test(s));
}

/** The one sequencer turn that a send made. */
async function turnOf(send: () => Promise<unknown>): Promise<Turn> {
  const from = turns.length;
  await send();
  const made = turns.slice(from);
  expect(made, JSON.stringify(made)).toHaveLength(1);
  return made[0]!;
}

describe("statements of one send on PostgreSQL", () => {
  const skip = !process.env.DATABASE_URL;
  if (skip) it.skip("needs DATABASE_URL: counts PostgreSQL's statements", () => undefined);

  it.skipIf(skip)("a one-to-one text message takes four statements, one round trip and one write to the socket inside the sequencer's turn: BEGIN and lock, the mark, the INSERT of the message, its receipt and both chat rows, and COMMIT behind it; the mark and the INSERT are prepared statements", async () => {
    const server = await startServer();
    const [alice, bob] = await registerUsers(server, 2);
    // The first send also learns who the users are; the one counted is a send like any other.
    await sendText(server, alice, bob, "warm up");
    const turn = await turnOf(() => sendText(server, alice, bob, "counted"));
    expect(turn.statements, JSON.stringify(turn)).toHaveLength(4);
    expect(turn.statements[1], JSON.stringify(turn)).toMatch(/^named SELECT CAST\(announced_up_to/);
    expect(turn.roundTrips, JSON.stringify(turn)).toBe(1);
    expect(turn.socketWrites, JSON.stringify(turn)).toBe(1);
    expect(writesParsedEachTime(turn), JSON.stringify(turn)).toEqual([]);
  });

  it.skipIf(skip)("sync entries (a SEEN receipt's) are one prepared statement in each turn that writes them, with the newest rowId and each user's previous entry in it", async () => {
    const server = await startServer();
    const [alice, bob] = await registerUsers(server, 2);
    const sent = await sendText(server, alice, bob, "to be seen");
    const after = await cursorOf(server, alice);
    const from = turns.length;
    await ok(server, `mutation($to: ID!, $id: ID!) { sendSeenStatus(toJid: $to, messageId: $id) }`, { to: alice.jid, id: sent.id }, bob);
    await vi.waitFor(
      async () => {
        const { sync } = await ok(server, SYNC, { after }, alice);
        expect(sync.entries.map((e: { __typename: string }) => e.__typename)).toContain("SyncReceipt");
      },
      { timeout: 10_000, interval: 20 },
    );
    // The receipt's own change (SyncLog.transaction) and the entries appended after it (Rider).
    const writing = turns.slice(from).filter((t) => t.syncStatements.length > 0);
    expect(writing.length, JSON.stringify(turns.slice(from))).toBeGreaterThan(0);
    for (const turn of writing) {
      expect(turn.syncStatements, JSON.stringify(turn)).toHaveLength(1);
      expect(turn.syncStatements[0], JSON.stringify(turn)).toMatch(/^named /);
    }
  });

  it.skipIf(skip)("a group text message takes seven statements and three round trips inside the sequencer's turn, the first written at once: lock and mark with the INSERT and the members' ids; receipts with the members' chat rows; COMMIT. The writes and the members' read are prepared statements", async () => {
    const server = await startServer();
    const [alice, bob, carol] = await registerUsers(server, 3);
    const cursors = await Promise.all([alice, bob, carol].map((u) => cursorOf(server, u)));
    const group = await createGroup(server, alice, [bob, carol]);
    await groupEventsWritten(server, [[alice, cursors[0]!], [bob, cursors[1]!], [carol, cursors[2]!]]);
    await sendText(server, alice, group, "warm up");
    const turn = await turnOf(() => sendText(server, alice, group, "counted"));
    expect(turn.statements, JSON.stringify(turn)).toHaveLength(7);
    expect(turn.roundTrips, JSON.stringify(turn)).toBe(3);
    // The first trip's four statements, in one write.
    expect(turn.socketWrites, JSON.stringify(turn)).toBe(1);
    expect(writesParsedEachTime(turn), JSON.stringify(turn)).toEqual([]);
    // The members, read under the lock for every group message, are their ids from a prepared
    // statement: not entities with their dates, parsed and sorted a thousand at a time.
    expect(
      turn.statements.filter((s) => s.includes("group_participants")),
      JSON.stringify(turn),
    ).toEqual([expect.stringMatching(/^named SELECT user_id FROM group_participants /)]);
  });
});

describe("delivered receipts on PostgreSQL", () => {
  const skip = !process.env.DATABASE_URL;
  if (skip) it.skip("needs DATABASE_URL: reads PostgreSQL's statements", () => undefined);

  it.skipIf(skip)("messages delivered to several recipients are marked by one prepared statement whose text is the same however many messages a flush holds (planned once, not at every flush)", async () => {
    const server = await startServer();
    const [alice, bob, carol] = await registerUsers(server, 3);
    const sockets = await Promise.all([bob, carol].map((u) => WsClient.connect(server, u.token)));
    await Promise.all([bob, carol].map((u, i) => liveSubscription(sockets[i]!, u, server)));
    const from = deliveredWrites.length;
    const sent = await Promise.all(Array.from({ length: 6 }, (_, i) => sendText(server, alice, i % 2 ? bob : carol, `to deliver ${i}`)));
    await vi.waitFor(
      async () => {
        for (const m of sent) {
          const { message } = await ok(server, `query($id: ID!) { message(id: $id) { status } }`, { id: m.id }, alice);
          expect(message.status).toBe("DELIVERED");
        }
      },
      { timeout: 10_000, interval: 50 },
    );
    const writes = deliveredWrites.slice(from);
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) expect(w).toMatch(/^named /);
    expect(new Set(writes).size, JSON.stringify(writes)).toBe(1);
    await Promise.all(sockets.map((ws) => ws.close()));
  });
});
