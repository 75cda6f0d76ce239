// (c) A history page (chatMessages, 50 messages) in a chat of 1 k and in a chat of 1 M messages.
// Both chats get one message through the API (so every row the send path writes exists) and the
// rest straight into the tables by INSERT … SELECT generate_series, copying every other column
// from that message and its receipt: whatever columns the migrations made, the rows match them.
import pg from "pg";
import type { Child } from "../support/environment.js";
import { type BenchUser, ParleyHttp, registerUsers, SEND_TEXT } from "../support/parley.js";
import { latency, now, round } from "../support/stats.js";

const PAGE = `query ($jid: ID!, $last: ID) { chatMessages(jid: $jid, lastRowId: $last, limit: 50) { hasMore messages { id rowId fromJid text status createdAt } } }`;
const SMALL = Number(process.env.BENCH_HISTORY_SMALL ?? 1_000);
const LARGE = Number(process.env.BENCH_HISTORY_LARGE ?? 1_000_000);
const SAMPLES = 300;

async function columns(db: pg.Client, table: string): Promise<string[]> {
  const { rows } = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND is_identity = 'NO' AND coalesce(column_default, '') NOT LIKE 'nextval(%' ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

/** Fills the chat of sender and recipient (whose first message is `template`) up to `count` messages. */
async function fill(db: pg.Client, template: string, sender: BenchUser, recipient: BenchUser, count: number): Promise<void> {
  const messageColumns = await columns(db, "messages");
  const own: Record<string, string> = {
    id: `'${template}.' || g`,
    sender_id: `CASE WHEN g % 2 = 0 THEN ${sender.id} ELSE ${recipient.id} END`,
    recipient_id: `CASE WHEN g % 2 = 0 THEN ${recipient.id} ELSE ${sender.id} END`,
    text: `'history message ' || g`,
    created_at: `t.created_at + make_interval(secs => g / 1000.0)`,
  };
  await db.query(
    `INSERT INTO messages (${messageColumns.join(", ")})
     SELECT ${messageColumns.map((c) => own[c] ?? `t.${c}`).join(", ")}
     FROM messages t, generate_series(1, $2::int) g WHERE t.id = $1 ORDER BY g`,
    [template, count - 1],
  );
  const receiptColumns = await columns(db, "receipts");
  const receiptOwn: Record<string, string> = {
    message_row_id: "m.row_id",
    user_id: "m.recipient_id",
    delivered_at: "m.created_at",
    seen_at: "m.created_at",
  };
  await db.query(
    `INSERT INTO receipts (${receiptColumns.join(", ")})
     SELECT ${receiptColumns.map((c) => receiptOwn[c] ?? `t.${c}`).join(", ")}
     FROM messages m, receipts t JOIN messages tm ON tm.row_id = t.message_row_id
     WHERE tm.id = $1 AND m.id LIKE $1 || '.%'`,
    [template],
  );
}

export async function historyBench(deps: { parley: Child; databaseUrl: string; log: (...a: unknown[]) => void }) {
  const http = new ParleyHttp(deps.parley.url);
  const [me, small, large] = await registerUsers(http, deps.databaseUrl, ["hme", "hsmall", "hlarge"]);
  for (const [peer, id] of [[small!, "h1k"], [large!, "h1m"]] as const) {
    await http.gql(SEND_TEXT, { input: { toJid: peer.jid, msgId: id, messageText: "first" } }, me!.token);
  }
  const db = new pg.Client({ connectionString: deps.databaseUrl });
  await db.connect();
  try {
    const t0 = now();
    deps.log(`history: inserting ${SMALL + LARGE} messages`);
    await fill(db, "h1k", me!, small!, SMALL);
    await fill(db, "h1m", me!, large!, LARGE);
    await db.query(`VACUUM ANALYZE messages`);
    await db.query(`VACUUM ANALYZE receipts`);
    deps.log(`history: inserted in ${round((now() - t0) / 1000, 1)} s`);
  } finally {
    await db.end();
  }

  /** p50 of the newest page, and of a page from the middle of the chat (UP from a rowId there). */
  const measure = async (peer: BenchUser) => {
    const newest = await http.gql<{ chatMessages: { messages: { rowId: string }[] } }>(PAGE, { jid: peer.jid }, me!.token);
    const first = BigInt(newest.chatMessages.messages[0]!.rowId);
    const result: Record<string, number> = {};
    for (const [name, last] of [["newest", null], ["middle", null as string | null]] as const) {
      let cursor = last;
      if (name === "middle") {
        // Walk to the middle cheaply: the chat's rowIds are contiguous except its first message.
        const db2 = new pg.Client({ connectionString: deps.databaseUrl });
        await db2.connect();
        const { rows } = await db2.query<{ mid: string }>(
          `SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY row_id) AS mid FROM messages WHERE chat_key = (SELECT chat_key FROM messages WHERE row_id = $1)`,
          [String(first)],
        );
        await db2.end();
        cursor = rows[0]!.mid;
      }
      const samples: number[] = [];
      for (let i = 0; i < SAMPLES + 30; i++) {
        const t = now();
        const page = await http.gql<{ chatMessages: { messages: unknown[] } }>(PAGE, { jid: peer.jid, last: cursor }, me!.token);
        if (page.chatMessages.messages.length !== 50) throw new Error(`history: a page of ${page.chatMessages.messages.length}`);
        if (i >= 30) samples.push(now() - t);
      }
      result[name] = latency(samples).p50;
    }
    return result;
  };
  const at1k = await measure(small!);
  const at1m = await measure(large!);
  const ratio = round(at1m.newest! / at1k.newest!);
  const middleRatio = round(at1m.middle! / at1k.middle!);
  return {
    workload: "history",
    target: "parley",
    pageSize: 50,
    samples: SAMPLES,
    small: SMALL,
    large: LARGE,
    newestPageP50Ms: { small: at1k.newest, large: at1m.newest },
    middlePageP50Ms: { small: at1k.middle, large: at1m.middle },
    ratio,
    middleRatio,
    pass: ratio <= 1.2 && middleRatio <= 1.2,
  };
}
