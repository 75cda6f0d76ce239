// No acknowledged message is lost to a fault, and DELIVERED never runs ahead of the client:
// a few hundred numbered messages through servers whose Redis (a private one, on a free port)
// is stopped or whose subscriber connection is cut mid-load, and a socket that stops reading.
// Every count is exact: each message once, in order per chat, live or on resume.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, type Subscription, WsClient } from "./support/clients.js";
import { registerUser, sendText, type TestUser } from "./support/fixtures.js";
import { createPostgres } from "./support/databases.js";
import { liveSubscription, PROBE_TEXT } from "./support/live.js";
import { PrivateRedis, stopPrivateServices } from "./support/private-services.js";
import { backendName, type Endpoint, onPostgresAndRedis, startServer, type TestServer } from "./support/server.js";
import { startTcpProxy } from "./support/tcp-proxy.js";
import { CLOSE_SEND_QUEUE_FULL, SEND_QUEUE_FULL_REASON } from "../src/http/websocket.js";

type Received = { messageReceived: { id: string; rowId: string; text: string; fromJid: string } };
const INBOX = `subscription { messageReceived { id rowId text fromJid } }`;
const RESUME = `subscription($after: ID!) { messageReceived(afterRowId: $after) { id rowId text fromJid } }`;
type Synced = { syncStream: { __typename: string; message?: Received["messageReceived"] } };
const SYNC_STREAM = `subscription { syncStream { __typename ... on SyncMessage { message { id rowId text fromJid } } } }`;

/** The numbered messages a subscription received (probes left out), in the order they came. */
function numbered(sub: Subscription<Received>): Received["messageReceived"][] {
  return sub.received.flatMap((e) => (e.data && e.data.messageReceived.text !== PROBE_TEXT ? [e.data.messageReceived] : []));
}

/** Sends `count` numbered messages from `from` to `to`, one after another; the time each send took. */
async function sendNumbered(server: Endpoint, from: TestUser, to: TestUser, count: number, sent: { n: number }, text = (i: number) => `${from.username} ${i}`): Promise<number[]> {
  const took: number[] = [];
  for (let i = 1; i <= count; i++) {
    const started = Date.now();
    await sendText(server, from, to, text(i));
    took.push(Date.now() - started);
    sent.n += 1;
  }
  return took;
}

/** Exactly the expected messages, each once, per sender in the order sent, and rowIds increasing. */
function expectExactlyOnceInOrder(got: Received["messageReceived"][], senders: TestUser[], each: number): void {
  expect(got.length).toBe(senders.length * each);
  expect(new Set(got.map((m) => m.id)).size).toBe(got.length);
  for (const sender of senders) {
    const numbers = got.filter((m) => m.fromJid === sender.jid).map((m) => Number(m.text.split(" ")[1]));
    expect(numbers).toEqual(Array.from({ length: each }, (_, i) => i + 1));
  }
  const rowIds = got.map((m) => BigInt(m.rowId));
  expect(rowIds.every((r, i) => i === 0 || r > rowIds[i - 1]!)).toBe(true);
}

/** Cuts every subscriber connection of the (private) Redis: both servers' brokers drop and reconnect. */
async function killSubscriberConnections(url: string): Promise<void> {
  const admin = new Redis(url);
  try {
    expect(Number(await admin.client("KILL", "TYPE", "pubsub"))).toBeGreaterThanOrEqual(2);
  } finally {
    admin.disconnect();
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  await expect.poll(condition, { timeout: timeoutMs, interval: 50, message: what }).toBe(true);
}

describe.runIf(onPostgresAndRedis)("Redis faults, two processes on one PostgreSQL and a private Redis", () => {
  let redis: PrivateRedis;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // A database of its own beside the private Redis: a server of another test file on the same
    // database but another broker could take a late announcement to a broker nobody here hears.
    const env = { DATABASE_URL: await createPostgres(), REDIS_URL: redis.url, RATE_LIMIT_MUTATIONS: "0", ANNOUNCE_SWEEP_MS: "200" };
    a = await startServer(env);
    b = await startServer(env);
  }, 60_000);

  afterAll(stopPrivateServices, 60_000);

  it("Redis stopped for 3 s mid-load, then started: every message from 2 senders (a few hundred) reaches the live subscriber on the other process, each once, in order; sends kept being acknowledged, quickly", async () => {
    const [alice, carol, bob] = [await registerUser(a), await registerUser(a), await registerUser(a)];
    const ws = await WsClient.connect(b, bob.token);
    const { sub } = await liveSubscription<Received>(ws, bob, a, { query: INBOX });
    const sent = { n: 0 };
    let resumedAt: number | undefined;
    // Both send until Redis has been back for 100 more messages: sends go on through the outage.
    const stop = (): boolean => resumedAt !== undefined && sent.n >= resumedAt + 100;
    const counts = [0, 0];
    const took: number[] = [];
    const sending = Promise.all(
      [alice, carol].map(async (sender, k) => {
        while (!stop()) {
          const started = Date.now();
          await sendText(a, sender, bob, `${sender.username} ${++counts[k]!}`);
          took.push(Date.now() - started);
          sent.n += 1;
        }
      }),
    );
    await until(() => sent.n >= 100, "100 messages sent");
    const from = Date.now();
    const before = sent.n;
    await redis.stop();
    // The outage itself lasts a set time: there is no event to wait for.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const sentWhileDown = sent.n - before;
    await redis.resume();
    expect(Date.now() - from).toBeGreaterThanOrEqual(3000);
    resumedAt = sent.n;
    await sending;
    expect(sentWhileDown).toBeGreaterThan(10);

    await expect.poll(() => numbered(sub).length, { timeout: 30_000, interval: 50, message: "messages arrived" }).toBeGreaterThanOrEqual(sent.n);
    expect(counts[0]! + counts[1]!).toBe(sent.n);
    const got = numbered(sub);
    expect(got.length).toBe(sent.n);
    expect(new Set(got.map((m) => m.id)).size).toBe(sent.n);
    for (const [k, sender] of [alice, carol].entries()) {
      const numbers = got.filter((m) => m.fromJid === sender.jid).map((m) => Number(m.text.split(" ")[1]));
      expect(numbers).toEqual(Array.from({ length: counts[k]! }, (_, i) => i + 1));
    }
    const rowIds = got.map((m) => BigInt(m.rowId));
    expect(rowIds.every((r, i) => i === 0 || r > rowIds[i - 1]!)).toBe(true);
    // Sends never wait on Redis: the slowest one took well under ioredis' reconnect back-off.
    expect(Math.max(...took)).toBeLessThan(1500);
    // What was stored while Redis was down was announced late, by a later batch or a sweeper, and
    // nothing is left pending. The subscriber may have read those messages already (its own broker
    // connection dropped and caught up), so the late announcement is waited for, not assumed done.
    const announcements = async () => {
      const texts = await Promise.all([a, b].map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
      const swept = texts.reduce((n, m) => n + Number(/^parley_announcements_swept_total (\d+)/m.exec(m)?.[1] ?? 0), 0);
      const pending = texts.map((m) => /^parley_announcements_pending (\d+)$/m.exec(m)?.[1]);
      return { sweptSome: swept >= 1, pending };
    };
    await expect.poll(announcements, { timeout: 15_000, interval: 100 }).toEqual({ sweptSome: true, pending: ["0", "0"] });
    await ws.close();
  }, 90_000);

  it("a process's subscriber connection to Redis killed mid-load (CLIENT KILL TYPE pubsub): its subscriptions catch up, 200 messages from 4 senders each once, in order", async () => {
    const senders = [await registerUser(a), await registerUser(a), await registerUser(a), await registerUser(a)];
    const bob = await registerUser(a);
    const ws = await WsClient.connect(b, bob.token);
    const { sub } = await liveSubscription<Received>(ws, bob, a, { query: INBOX });
    const sent = { n: 0 };
    // Concurrent senders: messages keep coming while the connection is re-established, also
    // between its re-subscriptions and the catch-up.
    const sending = Promise.all(senders.map((s) => sendNumbered(a, s, bob, 50, sent)));
    await until(() => sent.n >= 50, "50 messages sent");
    await killSubscriberConnections(redis.url);
    await sending;
    await expect.poll(() => numbered(sub).length, { timeout: 30_000, interval: 50, message: "messages arrived" }).toBeGreaterThanOrEqual(200);
    expectExactlyOnceInOrder(numbered(sub), senders, 50);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^parley_broker_catch_ups_total [1-9]/m);
    await ws.close();
  }, 60_000);
  it("a syncStream subscriber's connection to Redis killed mid-load: the sync stream catches up too, 200 messages from 4 senders each once, in order", async () => {
    const senders = [await registerUser(a), await registerUser(a), await registerUser(a), await registerUser(a)];
    const bob = await registerUser(a);
    const ws = await WsClient.connect(b, bob.token);
    const { sub } = await liveSubscription<Synced>(ws, bob, a, {
      query: SYNC_STREAM,
      idOf: (d) => d.syncStream.message?.id,
    });
    const messages = () => sub.received.flatMap((e) => (e.data?.syncStream.message && e.data.syncStream.message.text !== PROBE_TEXT ? [e.data.syncStream.message] : []));
    const sent = { n: 0 };
    const sending = Promise.all(senders.map((s) => sendNumbered(a, s, bob, 50, sent)));
    await until(() => sent.n >= 50, "50 messages sent");
    await killSubscriberConnections(redis.url);
    await sending;
    await expect.poll(() => messages().length, { timeout: 30_000, interval: 50, message: "messages arrived" }).toBeGreaterThanOrEqual(200);
    expectExactlyOnceInOrder(messages(), senders, 50);
    await ws.close();
  }, 60_000);
});

describe(`a socket that stops reading (${backendName})`, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_MUTATIONS: "0", WS_MAX_QUEUED_EVENTS: "20" });
  }, 60_000);

  it("is closed once 20 events wait for it; DELIVERED counts exactly what the client received, and the rest comes on resume", async () => {
    const senders = await Promise.all(Array.from({ length: 8 }, () => registerUser(server)));
    const bob = await registerUser(server);
    const proxy = await startTcpProxy(server);
    try {
      const ws = await WsClient.connect(proxy, bob.token);
      const { sub: first } = await liveSubscription<Received>(ws, bob, server, { query: INBOX });
      // Ten subscriptions on the socket, each sent every message: the kernel's buffers fill after a
      // few hundred messages, then events queue. Each receives a prefix of the messages in order.
      const more: Subscription<Received>[] = [];
      for (let i = 0; i < 9; i++) more.push((await liveSubscription<Received>(ws, bob, server, { query: INBOX })).sub);
      proxy.stall();
      const padding = "x".repeat(3000);
      const sent = { n: 0 };
      const sending = Promise.all(senders.map((s) => sendNumbered(server, s, bob, 100, sent, (i) => `${s.username} ${i} ${padding}`)));
      await sending;
      proxy.flow();
      expect(await ws.waitForClose(15_000)).toEqual({ code: CLOSE_SEND_QUEUE_FULL, reason: SEND_QUEUE_FULL_REASON });
      // What the client received: the longest prefix any of its subscriptions got.
      const got = [first, ...more].map(numbered).reduce((x, y) => (y.length > x.length ? y : x));
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThan(800);

      const delivered = async () => {
        let n = 0;
        for (const s of senders) {
          const page = await ok(server, `query($jid: ID!) { chatMessages(jid: $jid, limit: 100) { messages { status } } }`, { jid: bob.jid }, { token: s.token });
          n += page.chatMessages.messages.filter((m: { status: string }) => m.status !== "SENT").length;
        }
        return n;
      };
      // Receipts are written in batches a few milliseconds apart: the count settles on what was received.
      await expect.poll(delivered, { timeout: 10_000, interval: 100 }).toBe(got.length);
      expect(await delivered()).toBe(got.length);

      const again = await WsClient.connect(server, bob.token);
      const rest = again.subscribe<Received>(RESUME, { after: got.at(-1)!.rowId });
      await until(() => numbered(rest).length >= 800 - got.length, "the rest on resume");
      expectExactlyOnceInOrder([...got, ...numbered(rest)], senders, 100);
      await expect.poll(delivered, { timeout: 10_000, interval: 100 }).toBe(800);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^parley_websocket_refused_total\{reason="send_queue_full"\} 1$/m);
      await again.close();
    } finally {
      await proxy.close();
    }
  }, 90_000);
});
