// The floor: the least a persisted message path can do on this machine, to compare Parley with.
// POST /send → one INSERT → one Redis PUBLISH per recipient → ws.send to the recipient's sockets.
// No GraphQL, no authentication, no receipts or chat state; group membership is held in memory.
import { createServer, type IncomingMessage } from "node:http";
import { Redis } from "ioredis";
import pg from "pg";
import { type WebSocket, WebSocketServer } from "ws";

const port = Number(process.env.PORT ?? 0);
const prefix = process.env.FLOOR_CHANNEL_PREFIX ?? "bench-floor.";
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 20) });
const publisher = new Redis(process.env.REDIS_URL!);
const subscriber = new Redis(process.env.REDIS_URL!);
const groups = new Map<string, number[]>();
const sockets = new Map<number, Set<WebSocket>>();

await pool.query(`CREATE TABLE IF NOT EXISTS floor_messages (
  row_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id varchar(64) NOT NULL UNIQUE,
  chat_key varchar(160) NOT NULL,
  sender_id integer NOT NULL,
  text text NOT NULL,
  created_at timestamptz NOT NULL)`);
await pool.query(`CREATE INDEX IF NOT EXISTS floor_messages_chat_row_idx ON floor_messages (chat_key, row_id)`);

subscriber.on("message", (channel: string, message: string) => {
  const userId = Number(channel.slice(prefix.length));
  for (const socket of sockets.get(userId) ?? []) socket.send(message);
});

async function body(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

interface Send {
  from: number;
  to?: number;
  group?: string;
  msgId: string;
  text: string;
}

async function send(m: Send): Promise<string> {
  const recipients = m.group !== undefined ? groups.get(m.group)!.filter((id) => id !== m.from) : [m.to!];
  const chatKey = m.group !== undefined ? `g:${m.group}` : `d:${Math.min(m.from, m.to!)}:${Math.max(m.from, m.to!)}`;
  const createdAt = new Date();
  const { rows } = await pool.query<{ row_id: string }>(
    `INSERT INTO floor_messages (id, chat_key, sender_id, text, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING row_id`,
    [m.msgId, chatKey, m.from, m.text, createdAt],
  );
  const rowId = rows[0]!.row_id;
  const payload = JSON.stringify({ id: m.msgId, rowId, from: m.from, text: m.text, createdAt: createdAt.toISOString() });
  const pipeline = publisher.pipeline();
  for (const id of recipients) pipeline.publish(prefix + id, payload);
  await pipeline.exec();
  return rowId;
}

const server = createServer((req, res) => {
  const reply = (status: number, value: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };
  const handle = async () => {
    if (req.method === "GET" && req.url === "/ready") return reply(200, { ok: true });
    if (req.method === "POST" && req.url === "/groups") {
      const { key, members } = (await body(req)) as { key: string; members: number[] };
      groups.set(key, members);
      return reply(200, { ok: true });
    }
    if (req.method === "POST" && req.url === "/send") return reply(200, { rowId: await send((await body(req)) as Send) });
    return reply(404, { error: "not found" });
  };
  handle().catch((error: unknown) => reply(500, { error: String(error) }));
});

const wss = new WebSocketServer({ server, path: "/ws" });
wss.on("connection", (socket, req) => {
  const userId = Number(new URL(req.url!, "http://floor").searchParams.get("user"));
  let set = sockets.get(userId);
  const ready = set ? Promise.resolve() : subscriber.subscribe(prefix + userId);
  if (!set) sockets.set(userId, (set = new Set()));
  set.add(socket);
  socket.on("close", () => {
    set.delete(socket);
    if (set.size === 0 && sockets.get(userId) === set && !stopping) {
      sockets.delete(userId);
      void subscriber.unsubscribe(prefix + userId);
    }
  });
  // The client waits for this before counting the socket as subscribed.
  void ready.then(() => socket.send(JSON.stringify({ subscribed: userId })));
});

server.listen(port, "127.0.0.1");
let stopping = false;
const stop = () => {
  stopping = true;
  wss.close();
  server.close();
  void Promise.all([pool.end(), publisher.quit(), subscriber.quit()]).finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
