// (d) Catching up after 10,000 missed sync entries: half messages from many chats, half the
// user's own chat changes from another device (mute toggles), all made through the API. Then the
// time to read them back with the sync query (pages of 500) and with syncStream(after) (replay
// over one socket), and the database transactions the query's catch-up took (autocommit reads:
// about one statement each) per page. Sizes: BENCH_SYNC_ENTRIES, BENCH_SYNC_CHATS.
import { createClient } from "graphql-ws";
import pg from "pg";
import WebSocket from "ws";
import type { Child } from "../support/environment.js";
import { ParleyHttp, registerUsers, SEND_TEXT } from "../support/parley.js";
import { now, round } from "../support/stats.js";

const ENTRIES = Number(process.env.BENCH_SYNC_ENTRIES ?? 10_000);
const CHATS = Number(process.env.BENCH_SYNC_CHATS ?? 100);
const PAGE_SIZE = 500;
const PAGE = `query ($after: String, $limit: Int) { sync(after: $after, limit: $limit) { cursor hasMore entries { cursor __typename
  ... on SyncMessage { message { id chatJid text } } ... on SyncChatChange { change chatJid unreadCount isMuted } } } }`;
const STREAM = `subscription ($after: String) { syncStream(after: $after) { cursor __typename } }`;
const MUTE = `mutation ($to: ID!, $m: Boolean!) { muteChat(toJid: $to, isMuted: $m) }`;

/** The database's committed transactions, once PostgreSQL's statistics (flushed about every second) stopped moving. */
async function settledCommits(db: pg.Client, name: string): Promise<number> {
  let last = -1;
  for (let i = 0; i < 30; i++) {
    await db.query("SELECT pg_stat_clear_snapshot()");
    const { rows } = await db.query<{ n: string }>("SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1", [name]);
    const n = Number(rows[0]!.n);
    // Each of these reads is a transaction of its own: one more than last is a quiet database.
    if (n <= last + 2) return n;
    last = n;
    await new Promise((r) => setTimeout(r, 1500));
  }
  return last;
}

/** Runs fn at most `concurrency` at a time over items. */
async function pooled<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function syncBench(deps: { parley: Child; databaseUrl: string; databaseName: string; log: (...a: unknown[]) => void }) {
  const http = new ParleyHttp(deps.parley.url);
  const users = await registerUsers(http, deps.databaseUrl, ["syncme", ...Array.from({ length: CHATS }, (_, i) => `syncpeer${i}`)]);
  const [me, ...peers] = users as [(typeof users)[number], ...typeof users];
  // Every chat exists before the cursor is taken (so the changes below are all after it).
  await pooled(peers, 8, (peer) => http.gql(SEND_TEXT, { input: { toJid: me.jid, messageText: "hello" } }, peer.token));
  const { sync: start } = await http.gql<{ sync: { cursor: string } }>(PAGE, { after: null }, me.token);

  const messages = Math.ceil(ENTRIES / 2);
  const changes = ENTRIES - messages;
  deps.log(`sync: making ${messages} messages in ${CHATS} chats and ${changes} chat changes`);
  const t0 = now();
  await pooled(Array.from({ length: messages }, (_, i) => i), 16, (i) =>
    http.gql(SEND_TEXT, { input: { toJid: me.jid, messageText: `missed ${i}` } }, peers[i % CHATS]!.token),
  );
  await pooled(Array.from({ length: changes }, (_, i) => i), 16, (i) =>
    http.gql(MUTE, { to: peers[i % CHATS]!.jid, m: Math.floor(i / CHATS) % 2 === 0 }, me.token),
  );
  deps.log(`sync: made in ${round((now() - t0) / 1000, 1)} s`);

  const db = new pg.Client({ connectionString: deps.databaseUrl });
  await db.connect();
  try {
    await db.query("VACUUM ANALYZE sync_events");
    const before = await settledCommits(db, deps.databaseName);
    const tq = now();
    let cursor = start.cursor;
    let pages = 0;
    let got = 0;
    for (let more = true; more; pages++) {
      const { sync } = await http.gql<{ sync: { cursor: string; hasMore: boolean; entries: unknown[] } }>(PAGE, { after: cursor, limit: PAGE_SIZE }, me.token);
      got += sync.entries.length;
      ({ cursor, hasMore: more } = sync);
    }
    const queryMs = now() - tq;
    const after = await settledCommits(db, deps.databaseName);
    if (got !== ENTRIES) throw new Error(`sync: the query caught up ${got} entries of ${ENTRIES}`);

    const ts = now();
    const streamed = await new Promise<number>((resolve, reject) => {
      let n = 0;
      const client = createClient({ url: `${deps.parley.url.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, connectionParams: { authorization: `Bearer ${me.token}` } });
      client.subscribe(
        { query: STREAM, variables: { after: start.cursor } },
        {
          next: (r) => {
            if (r.errors) reject(new Error(JSON.stringify(r.errors)));
            if (++n === ENTRIES) void Promise.resolve(client.dispose()).then(() => resolve(n));
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    const streamMs = now() - ts;
    // The settle reads themselves are transactions too (about one per poll): a rounding error here.
    const transactions = after - before;
    return {
      workload: "sync-catch-up",
      target: "parley",
      entries: ENTRIES,
      chats: CHATS,
      pageSize: PAGE_SIZE,
      pages,
      queryCatchUpMs: round(queryMs),
      queryEntriesPerSec: round((ENTRIES / queryMs) * 1000),
      transactions,
      transactionsPerPage: round(transactions / pages, 1),
      streamCatchUpMs: round(streamMs),
      streamed,
    };
  } finally {
    await db.end();
  }
}
