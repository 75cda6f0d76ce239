// The message sequencer (Database.sequenced): batches take turns, in a process and across processes, and a failed batch leaves the lock free.
import type { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { Database } from "../src/db/database.js";
import { SEQUENCER_LOCK_KEY } from "../src/db/sequencer.js";
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

/** Batches that log what they do, each with a query of its own inside the transaction. */
function logged(db: Database, log: string[], name: string, inside: () => Promise<void> = async () => undefined): Promise<string> {
  return db.sequenced(
    async (em) => {
      log.push(`${name} write`);
      await em.query("SELECT 1");
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
