// What one send costs PostgreSQL inside the sequencer's turn, where every other send waits: the
// statements the server's connections send for a one-to-one and a group message, counted on the
// driver's clients (pg's Client.prototype.query, wrapped to note each statement and pass it on
// unchanged) against a real server and a real database.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { SEQUENCER_LOCK_KEY } from "../src/db/sequencer.js";
import { createGroup, registerUsers, sendText } from "./support/fixtures.js";
import { startServer } from "./support/server.js";

/** Every statement a pg client of this process was handed, with the client it went to. */
const sent: { client: pg.Client; text: string }[] = [];
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
  const text = typeof config === "string" ? config : (config as { text?: unknown } | null)?.text;
  if (typeof text === "string") sent.push({ client: this, text });
  return (query as (...args: unknown[]) => unknown).call(this, config, ...rest);
} as typeof query;
afterAll(() => {
  pg.Client.prototype.query = query;
});

/**
 * The statements of the sequencer turns that began since `from` (an index into sent): on the
 * connection that took the sequencer's lock, from the lock up to the COMMIT, a turn at a time.
 */
function turnsSince(from: number): string[][] {
  const lock = `pg_advisory_lock(${SEQUENCER_LOCK_KEY})`;
  const turns: string[][] = [];
  let turn: string[] | undefined;
  let sequencer: pg.Client | undefined;
  for (const { client, text } of sent.slice(from)) {
    if (text.includes(lock)) {
      sequencer = client;
      turn = [];
      turns.push(turn);
    }
    if (client !== sequencer || !turn) continue;
    turn.push(text.replace(/\s+/g, " ").trim().slice(0, 60));
    if (text.trim() === "COMMIT") turn = undefined;
  }
  return turns;
}

describe.runIf(Boolean(process.env.DATABASE_URL))("statements of one send on PostgreSQL", () => {
  it("a one-to-one text message takes three statements inside the sequencer's turn: the lock with the mark, one INSERT with its receipt and both chat rows, COMMIT", async () => {
    const server = await startServer();
    const [alice, bob] = await registerUsers(server, 2);
    // The first send also learns who the users are; the one counted is a send like any other.
    await sendText(server, alice, bob, "warm up");
    const from = sent.length;
    await sendText(server, alice, bob, "counted");
    const turns = turnsSince(from);
    expect(turns, JSON.stringify(turns)).toHaveLength(1);
    expect(turns[0], JSON.stringify(turns[0])).toHaveLength(3);
  });

  it("a group text message takes six statements inside the sequencer's turn: lock, INSERT with the sender's chat row, members, receipts, the members' chat rows with who muted, COMMIT", async () => {
    const server = await startServer();
    const [alice, bob, carol] = await registerUsers(server, 3);
    const group = await createGroup(server, alice, [bob, carol]);
    await sendText(server, alice, group, "warm up");
    const from = sent.length;
    await sendText(server, alice, group, "counted");
    const turns = turnsSince(from);
    expect(turns, JSON.stringify(turns)).toHaveLength(1);
    expect(turns[0], JSON.stringify(turns[0])).toHaveLength(6);
  });
});
