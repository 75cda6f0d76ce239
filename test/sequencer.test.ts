// The message sequencer (Database.sequenced): batches take turns, in a process and across processes, a failed batch leaves the lock free, and appended sync entries ride the next turn.
import type { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { type Database, PreparedSql } from "../src/db/database.js";
import { SEQUENCER_LOCK_KEY } from "../src/db/sequencer.js";
import { pino } from "pino";
import { loadConfig } from "../src/config.js";
import { createRealtime } from "../src/realtime/pubsub.js";
import type { NewSyncEntry } from "../src/realtime/sync-entry.js";
import { SyncLog } from "../src/realtime/sync-log.js";
import { admin, createPostgres, openPostgres, openSqlite, postgresUrl } from "./support/databases.js";

/** A promise and its resolve, to hold a batch inside its write until the test lets it go. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Polls check until it holds (a condition in another process has no event to wait for), failing after timeoutMs. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Batches that log what they do, each with a query of its own inside the transaction: "write" once
 * it ran (its statements run under the lock; on PostgreSQL its code may begin before).
 */
function logged(db: Database, log: string[], name: string, inside: () => Promise<void> = async () => undefined): Promise<string> {
  return db.sequenced(
    async (em) => {
      await em.query("SELECT 1");
      log.push(`${name} write`);
      await inside();
      log.push(`${name} written`);
      return name;
    },
    async (result) => {
      await Promise.resolve();
      log.push(`${result} announced`);
    },
  );
}

const backends: [string, () => Promise<Database>][] = [
  ["SQLite", openSqlite],
  ["PostgreSQL", async () => openPostgres(await createPostgres())],
];

describe.each(backends)("the sequencer on %s", (name, open) => {
  const skip = name === "PostgreSQL" && !postgresUrl;
  if (skip) it.skip("needs DATABASE_URL: the PostgreSQL half is skipped", () => undefined);

  it.skipIf(skip)("runs batches one at a time in call order: each write and its announcement end before the next write begins", async () => {
    const db = await open();
    const log: string[] = [];
    const results = await Promise.all(["a", "b", "c", "d"].map((n) => logged(db, log, n)));
    expect(results).toEqual(["a", "b", "c", "d"]);
    expect(log).toEqual(["a", "b", "c", "d"].flatMap((n) => [`${n} write`, `${n} written`, `${n} announced`]));
  });

  it.skipIf(skip)("a batch whose write fails rolls back, reports the write's error, and the next batch runs", async () => {
    const db = await open();
    const failing = db.sequenced(
      async (em) => {
        await em.query("SELECT 1");
        throw new Error("the write failed");
      },
      async () => undefined,
    );
    await expect(failing).rejects.toThrow("the write failed");
    const log: string[] = [];
    await expect(logged(db, log, "next")).resolves.toBe("next");
    expect(log).toEqual(["next write", "next written", "next announced"]);
  });

  it.skipIf(skip)("a batch whose announcement fails reports it, and the next batch runs", async () => {
    const db = await open();
    await expect(db.sequenced(async () => 1, async () => Promise.reject(new Error("the announcement failed")))).rejects.toThrow("the announcement failed");
    await expect(logged(db, [], "next")).resolves.toBe("next");
  });

  describe("a write's last statement that takes the COMMIT along (lastInTurn; on SQLite an ordinary statement)", () => {
    const insert = new PreparedSql("INSERT INTO sequencer_probe (id) VALUES (?)");
    const probe = (db: Database) => db.rows(undefined, "CREATE TABLE IF NOT EXISTS sequencer_probe (id integer PRIMARY KEY)");
    const ids = async (db: Database) => (await db.rows<{ id: unknown }>(undefined, "SELECT id FROM sequencer_probe ORDER BY id")).map((r) => Number(r.id));
    /** A batch that inserts row first, then row last as its last statement; its announcement is logged. */
    const firstThenLast = (db: Database, first: number, last: number, log: string[]) =>
      db.sequenced(
        async (em) => {
          await db.rows(em, insert, [first]);
          await db.rows(em, insert, [last], { lastInTurn: true });
          return "written";
        },
        async (written) => {
          log.push(`${written} announced`);
        },
      );

    it.skipIf(skip)("commits what the write wrote, announces it, and the next batch runs", async () => {
      const db = await open();
      await probe(db);
      const log: string[] = [];
      await expect(firstThenLast(db, 1, 2, log)).resolves.toBe("written");
      expect(log).toEqual(["written announced"]);
      expect(await ids(db)).toEqual([1, 2]);
      await expect(logged(db, [], "next")).resolves.toBe("next");
    });

    it.skipIf(skip)("that fails: the write's error is reported, nothing it wrote stays, nothing is announced, and the next batch runs", async () => {
      const db = await open();
      await probe(db);
      await db.rows(undefined, insert, [5]);
      const log: string[] = [];
      await expect(firstThenLast(db, 4, 5, log)).rejects.toThrow(/unique|UNIQUE|duplicate/);
      expect(log).toEqual([]);
      expect(await ids(db)).toEqual([5]);
      await expect(logged(db, [], "next")).resolves.toBe("next");
    });

    it.skipIf(skip || name === "SQLite")("a statement sent after it is refused: it would run outside the turn's transaction", async () => {
      const db = await open();
      await probe(db);
      const after = db.sequenced(
        async (em) => {
          await db.rows(em, insert, [7], { lastInTurn: true });
          await db.rows(em, "SELECT 1");
          return "written";
        },
        async () => undefined,
      );
      await expect(after).rejects.toThrow("a statement sent after the last of a sequenced write");
      await expect(logged(db, [], "next")).resolves.toBe("next");
    });
  });
});

/** The sync log's entries as stored, oldest first. */
async function storedEntries(db: Database): Promise<{ user: number; after: string }[]> {
  const rows = await db.rows<{ user_id: unknown; after_row_id: unknown }>(undefined, "SELECT user_id, after_row_id FROM sync_events ORDER BY position");
  return rows.map((r) => ({ user: Number(r.user_id), after: String(r.after_row_id) }));
}

const receipt = (userId: number): NewSyncEntry => ({
  userId,
  body: { kind: "RECEIPT", receipt: { messageId: `m${userId}`, chatJid: "a@parley", userJid: "b@parley", status: "DELIVERED", at: new Date(0).toISOString() } },
});

describe.each(backends)("sync entries appended ride the sequencer's next turn, on %s", (name, open) => {
  const skip = name === "PostgreSQL" && !postgresUrl;
  if (skip) it.skip("needs DATABASE_URL: the PostgreSQL half is skipped", () => undefined);

  const syncLog = (db: Database, writeEveryMs = 0) =>
    new SyncLog(db, createRealtime(loadConfig({ NODE_ENV: "test", JWT_SECRET: "x".repeat(32) }), pino({ level: "silent" })).pubsub, pino({ level: "silent" }), 30, writeEveryMs);

  it.skipIf(skip)("entries appended while a batch is being written are written in its transaction, and those appended later in the next batch's: no turn of their own", async () => {
    const db = await open();
    const sync = syncLog(db);
    const holding = gate();
    const log: string[] = [];
    const batch = (name: string, inside: () => Promise<unknown> = async () => undefined) =>
      db.sequenced(
        async (em) => {
          await em.query("SELECT 1");
          await inside();
        },
        async () => {
          log.push(`${name} announced with ${(await storedEntries(db)).length} entries`);
        },
      );
    const first = batch("first", () => holding.opened);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const duringFirst = sync.append([receipt(7), receipt(8)]);
    const holdingSecond = gate();
    const second = batch("second", async () => {
      log.push(`second writes, ${(await storedEntries(db)).length} entries stored`);
      await holdingSecond.opened;
    });
    holding.open();
    await Promise.all([first, duringFirst]);
    await until(async () => log.length === 2, "the second batch writes");
    const duringSecond = sync.append([receipt(9)]);
    holdingSecond.open();
    await Promise.all([second, duringSecond]);
    expect(log).toEqual(["first announced with 2 entries", "second writes, 2 entries stored", "second announced with 3 entries"]);
    expect((await storedEntries(db)).map((e) => e.user)).toEqual([7, 8, 9]);
  });

  it.skipIf(skip)("appended entries are written at most every writeEveryMs: those appended just after a write wait for the first turn after it", async () => {
    const db = await open();
    const sync = syncLog(db, 300);
    const log: string[] = [];
    const batch = (name: string) =>
      db.sequenced(
        async (em) => void (await em.query("SELECT 1")),
        async () => void log.push(`${name} announced with ${(await storedEntries(db)).length} entries`),
      );
    const started = Date.now();
    await sync.append([receipt(1)]);
    const waiting = sync.append([receipt(2)]);
    await batch("soon after");
    await waiting;
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(log).toEqual(["soon after announced with 1 entries"]);
    expect((await storedEntries(db)).map((e) => e.user)).toEqual([1, 2]);
  });

  it.skipIf(skip)("with nothing else written, appended entries take a turn of their own", async () => {
    const db = await open();
    const sync = syncLog(db);
    await sync.append([receipt(3)]);
    expect(await storedEntries(db)).toEqual([{ user: 3, after: "0" }]);
  });

  it.skipIf(skip)("entries whose own turn fails before it takes them (the database gone) are refused to their caller, not left waiting", async () => {
    const db = await open();
    const sync = syncLog(db);
    await db.close();
    await expect(sync.append([receipt(6)])).rejects.toThrow();
    await expect(sync.close()).resolves.toBeUndefined();
  });

  it.skipIf(skip)("entries whose batch fails before they are written wait for the next turn", async () => {
    const db = await open();
    const sync = syncLog(db);
    const holding = gate();
    const first = logged(db, [], "first", () => holding.opened);
    const appended = sync.append([receipt(4)]);
    const failing = db.sequenced(
      async () => {
        throw new Error("the write failed");
      },
      async () => undefined,
    );
    holding.open();
    await first;
    await expect(failing).rejects.toThrow("the write failed");
    await appended;
    expect(await storedEntries(db)).toEqual([{ user: 4, after: "0" }]);
  });

  it.skipIf(skip)("entries the database refuses fail the one batch they rode, then ride no other, and are refused to their caller", async () => {
    const db = await open();
    const sync = syncLog(db);
    const holding = gate();
    const rode = logged(db, [], "rode", () => holding.opened);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // user_id is NOT NULL: the INSERT fails.
    const refused = sync.append([receipt(null as unknown as number)]);
    const next = logged(db, [], "next");
    holding.open();
    await expect(rode).rejects.toThrow(/null/i);
    await expect(next).resolves.toBe("next");
    await expect(refused).rejects.toThrow(/null/i);
    // Appends after it ride again, and are written.
    const log: string[] = [];
    const holdingAgain = gate();
    const again = logged(db, log, "again", () => holdingAgain.opened);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const written = sync.append([receipt(5)]);
    holdingAgain.open();
    await Promise.all([again, written]);
    expect(await storedEntries(db)).toEqual([{ user: 5, after: "0" }]);
  });
});

describe.runIf(postgresUrl)("the sequencer across PostgreSQL processes", () => {
  /** Advisory locks on the key in the database: held, and waited for. */
  async function sequencerLocks(url: string): Promise<{ held: number; waiting: number }> {
    const key = BigInt(SEQUENCER_LOCK_KEY);
    const rows: { granted: boolean }[] = [];
    const pgUrl = new URL(url);
    const client = new (await import("pg")).default.Client({ connectionString: url });
    await client.connect();
    try {
      const result = await client.query<{ granted: boolean }>(
        `SELECT l.granted FROM pg_locks l JOIN pg_database d ON d.oid = l.database
         WHERE l.locktype = 'advisory' AND d.datname = $1 AND l.classid = $2 AND l.objid = $3 AND l.objsubid = 1`,
        [pgUrl.pathname.slice(1), Number(key >> 32n), Number(key & 0xffffffffn)],
      );
      rows.push(...result.rows);
    } finally {
      await client.end();
    }
    return { held: rows.filter((r) => r.granted).length, waiting: rows.filter((r) => !r.granted).length };
  }

  it("a batch of another process waits for the lock until this one has written and announced", async () => {
    const url = await createPostgres();
    const [one, two] = await Promise.all([openPostgres(url), openPostgres(url)]);
    const log: string[] = [];
    const hold = gate();
    const first = logged(one, log, "one", () => hold.opened);
    await until(async () => log.includes("one write"), "the first batch writes");
    const second = logged(two, log, "two");
    await until(async () => (await sequencerLocks(url)).waiting === 1, "the other process waits for the lock");
    expect(log).toEqual(["one write"]);
    hold.open();
    await Promise.all([first, second]);
    expect(log).toEqual(["one write", "one written", "one announced", "two write", "two written", "two announced"]);
  });

  it("a failed batch leaves the lock free, for this process and for another", async () => {
    const url = await createPostgres();
    const [one, two] = await Promise.all([openPostgres(url), openPostgres(url)]);
    await logged(one, [], "before");
    await expect(
      one.sequenced(
        async (em) => {
          await em.query("SELECT * FROM no_such_table");
        },
        async () => undefined,
      ),
    ).rejects.toThrow(/no_such_table/);
    expect(await sequencerLocks(url)).toEqual({ held: 0, waiting: 0 });
    await expect(logged(two, [], "there")).resolves.toBe("there");
    await expect(logged(one, [], "here")).resolves.toBe("here");
  });

  it("a sequencer connection that PostgreSQL ended between batches is replaced: the next batch runs", async () => {
    const url = await createPostgres();
    const db = await openPostgres(url);
    const pid = await db.sequenced(
      async (em) => Number(((await em.query("SELECT pg_backend_pid() AS pid")) as { pid: number }[])[0]!.pid),
      async () => undefined,
    );
    await until(async () => (await sequencerLocks(url)).held === 0, "the batch's unlock is done");
    // TypeORM releases the runner when its connection reports the error, and the pool drops it.
    const pool = (db.dataSource.driver as unknown as { master: EventEmitter }).master;
    const dropped = new Promise<void>((resolve) =>
      pool.on("remove", (client: { processID?: number }) => {
        if (client.processID === pid) resolve();
      }),
    );
    await admin(`SELECT pg_terminate_backend(${pid})`);
    await dropped;
    await expect(logged(db, [], "after")).resolves.toBe("after");
  });
});
