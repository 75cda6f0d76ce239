// Observing Parley: /metrics in Prometheus text (read with a parser) moving with traffic on HTTP
// and WebSocket, METRICS_TOKEN, and request ids on every log line of a request.
import { describe, expect, it, vi } from "vitest";
import { gql, ok, WsClient } from "./support/clients.js";
import { MESSAGE_FIELDS, registerUser, sendText } from "./support/fixtures.js";
import { capturingLogger } from "./support/logs.js";
import { scrape } from "./support/prometheus.js";
import { backendName, onPostgresAndRedis, startServer } from "./support/server.js";

const SEND = `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { ${MESSAGE_FIELDS} } }`;

describe(`metrics (${backendName})`, () => {
  it("GET /metrics is Prometheus text with every named series, and they move with HTTP and WebSocket traffic", async () => {
    const server = await startServer();
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    const before = await scrape(server);

    const httpSend = { transport: "http", type: "mutation", operation: "sendTextMessage" };
    expect(before.value("parley_graphql_operations_total", { ...httpSend, outcome: "ok" })).toBe(0);
    expect(before.value("parley_graphql_operations_total", { transport: "http", type: "mutation", operation: "connect", outcome: "ok" })).toBe(2);
    expect(before.value("parley_graphql_active_subscriptions")).toBe(0);
    expect(before.value("parley_websocket_connections")).toBe(0);

    const ws = await WsClient.connect(server, bob.token);
    const inbox = ws.subscribe<{ messageReceived: { text: string } }>(`subscription { messageReceived { text } }`);
    // The subscription is live once a message sent after it arrives.
    await sendText(server, alice, bob, "first");
    await inbox.waitFor((d) => d.messageReceived.text === "first");
    const overWs = await ws.execute(SEND, { input: { toJid: alice.jid, messageText: "over the socket" } });
    expect(overWs.errors).toBeUndefined();
    const refused = await gql(server, `{ myProfile { jid } }`);
    expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const invalid = await ws.execute(`{ noSuchField }`);
    expect(invalid.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");

    const after = await scrape(server);
    expect(after.value("parley_graphql_operations_total", { ...httpSend, outcome: "ok" })).toBe(1);
    expect(after.value("parley_graphql_operations_total", { transport: "http", type: "query", operation: "myProfile", outcome: "UNAUTHENTICATED" })).toBe(1);
    expect(after.value("parley_graphql_operations_total", { transport: "ws", type: "mutation", operation: "sendTextMessage", outcome: "ok" })).toBe(1);
    expect(after.value("parley_graphql_operations_total", { transport: "ws", type: "subscription", operation: "messageReceived", outcome: "ok" })).toBe(1);
    expect(after.value("parley_graphql_operations_total", { transport: "ws", outcome: "GRAPHQL_VALIDATION_FAILED" })).toBe(1);

    // The text parser keeps a histogram's buckets but not its labels: the family and its type come
    // from the text, the per-operation counts from prom-client's registry.
    expect(after.family("parley_graphql_operation_duration_seconds").type).toBe("HISTOGRAM");
    const latency = await server.app.metrics.registry.getSingleMetric("parley_graphql_operation_duration_seconds")!.get();
    const observations = (transport: string) =>
      latency.values.find((v) => (v as { metricName?: string }).metricName?.endsWith("_count") && v.labels.transport === transport && v.labels.operation === "sendTextMessage")?.value;
    expect(observations("http")).toBe(1);
    expect(observations("ws")).toBe(1);

    expect(after.value("parley_graphql_active_subscriptions", { operation: "messageReceived" })).toBe(1);
    expect(after.value("parley_graphql_subscription_events_total", { operation: "messageReceived" })).toBeGreaterThanOrEqual(1);
    expect(after.value("parley_websocket_connections")).toBe(1);
    expect(after.value("parley_websocket_connections_total")).toBe(1);
    // Each message goes to its recipient's topic and to the sender's own (their other devices).
    expect(after.value("parley_pubsub_published_total", { topic: "message" }) - before.value("parley_pubsub_published_total", { topic: "message" })).toBe(4);

    const database = onPostgresAndRedis ? "postgres" : "sqlite";
    expect(after.family("parley_db_pool_size").type).toBe("GAUGE");
    expect(after.value("parley_db_pool_size", { database })).toBeGreaterThanOrEqual(1);
    expect(after.value("parley_db_pool_idle", { database })).toBeGreaterThanOrEqual(0);
    expect(after.value("parley_db_pool_waiting", { database })).toBe(0);
    expect(after.value("parley_http_requests_total", { method: "POST", route: "/graphql", status: "200" })).toBeGreaterThanOrEqual(5);

    // Node's default metrics.
    expect(after.value("process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(after.value("nodejs_heap_size_total_bytes")).toBeGreaterThan(0);

    await ws.close();
    // The server counts a socket's close after the client has seen it.
    await vi.waitFor(async () => {
      const closed = await scrape(server);
      expect(closed.value("parley_websocket_connections")).toBe(0);
      expect(closed.value("parley_graphql_active_subscriptions", { operation: "messageReceived" })).toBe(0);
      expect(closed.value("parley_websocket_connections_total")).toBe(1);
    });
  });

  it("a mutation refused by the rate limit is counted and timed under its type and root fields, on HTTP and WebSocket alike", async () => {
    const server = await startServer({ RATE_LIMIT_MUTATIONS: "1", RATE_LIMIT_WINDOW_SECONDS: "600" });
    const user = await registerUser(server);
    const setNickname = `mutation($n: String) { setUserProfile(input: { nickname: $n }) { nickname } }`;
    await ok(server, setNickname, { n: "the one allowed" }, { token: user.token });
    const overHttp = await gql(server, setNickname, { n: "http" }, { token: user.token });
    expect(overHttp.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    const ws = await WsClient.connect(server, user.token);
    const overWs = await ws.execute(setNickname, { n: "ws" });
    expect(overWs.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    await ws.close();

    const after = await scrape(server);
    for (const transport of ["http", "ws"]) {
      const refused = { transport, type: "mutation", operation: "setUserProfile", outcome: "RATE_LIMITED" };
      expect(after.value("parley_graphql_operations_total", refused), transport).toBe(1);
    }
    expect(after.value("parley_graphql_operations_total", { transport: "ws", type: "unknown" })).toBe(0);
    const latency = await server.app.metrics.registry.getSingleMetric("parley_graphql_operation_duration_seconds")!.get();
    const observations = (transport: string) =>
      latency.values.find((v) => (v as { metricName?: string }).metricName?.endsWith("_count") && v.labels.transport === transport && v.labels.operation === "setUserProfile")?.value;
    expect(observations("http")).toBe(2);
    expect(observations("ws")).toBe(1);
  });

  it("the message writer's batches are counted with the messages each held, and timed from start to commit and from commit to announced", async () => {
    const server = await startServer();
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    const before = await scrape(server);
    expect(before.family("parley_message_batch_messages").type).toBe("HISTOGRAM");
    expect(before.histogram("parley_message_batch_messages").count).toBe(0);

    await sendText(server, alice, bob, "alone");
    const one = await scrape(server);
    expect(one.histogram("parley_message_batch_messages")).toMatchObject({ count: 1, sum: 1 });
    for (const phase of ["write", "announce"]) {
      const timed = one.histogram("parley_message_batch_seconds", { phase });
      expect(timed.count).toBe(1);
      expect(timed.sum).toBeGreaterThan(0);
      expect(timed.sum).toBeLessThan(5);
    }

    // Sends that come while a batch is written wait and go together in the next: every message is
    // counted once, in fewer batches than messages or as many.
    await Promise.all(Array.from({ length: 20 }, (_, i) => sendText(server, i % 2 ? alice : bob, i % 2 ? bob : alice, `burst ${i}`)));
    const burst = await scrape(server);
    const batches = burst.histogram("parley_message_batch_messages");
    expect(batches.sum).toBe(21);
    expect(batches.count).toBeGreaterThan(1);
    expect(batches.count).toBeLessThanOrEqual(21);
    for (const phase of ["write", "announce"]) expect(burst.histogram("parley_message_batch_seconds", { phase }).count).toBe(batches.count);

    // A msgId sent again is in a batch too: it asks the database, which answers with the stored message.
    const msgId = "batch-repeat-1";
    await sendText(server, alice, bob, "once", { msgId });
    await sendText(server, alice, bob, "once", { msgId });
    expect((await scrape(server)).histogram("parley_message_batch_messages")).toMatchObject({ count: batches.count + 2, sum: 23 });
  });

  it("with METRICS_TOKEN, /metrics answers only to that bearer token", async () => {
    const token = "metrics-token-0123456789";
    const server = await startServer({ METRICS_TOKEN: token });
    const without = await fetch(`${server.url}/metrics`);
    expect(without.status).toBe(401);
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer metrics-token-0123456780" } });
    expect(wrong.status).toBe(401);
    const s = await scrape(server, token);
    expect(s.family("parley_graphql_operations_total").type).toBe("COUNTER");
  });
});

describe(`request ids in the logs (${backendName})`, () => {
  it("every log line of an HTTP request carries its x-request-id, and every WebSocket line its connection's and operation's ids; both doors log each operation's outcome alike", async () => {
    const { lines, log } = capturingLogger();
    const server = await startServer({}, { log });
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    const startup = lines.length;

    const { myProfile } = await ok(server, `{ myProfile { jid } }`, {}, { token: alice.token, headers: { "x-request-id": "trace-0001" } });
    expect(myProfile.jid).toBe(alice.jid);
    const traced = lines.filter((l) => l.reqId === "trace-0001").map((l) => l.msg);
    expect(traced).toEqual(expect.arrayContaining(["incoming request", "operation completed", "request completed"]));
    expect(lines.find((l) => l.reqId === "trace-0001" && l.msg === "operation completed")).toMatchObject({ operation: "myProfile", type: "query", outcome: "ok" });
    await gql(server, `{ noSuchField }`, {}, { token: alice.token, headers: { "x-request-id": "trace-0002" } });
    expect(lines.find((l) => l.reqId === "trace-0002" && l.msg === "operation refused")).toMatchObject({ outcome: "GRAPHQL_VALIDATION_FAILED" });

    const ws = await WsClient.connect(server, bob.token);
    const sent = await ws.execute(SEND, { input: { toJid: alice.jid, messageText: "logged" } });
    expect(sent.errors).toBeUndefined();
    await ws.execute(`{ noSuchField }`);
    await ws.close();
    await expect.poll(() => lines.some((l) => l.msg === "websocket closed")).toBe(true);

    const connected = lines.find((l) => l.msg === "websocket connected");
    expect(connected?.connId).toEqual(expect.any(String));
    const completed = lines.find((l) => l.msg === "operation completed" && l.connId !== undefined);
    expect(completed).toMatchObject({ connId: connected!.connId, operation: "sendTextMessage", type: "mutation", outcome: "ok" });
    expect(completed?.reqId).toEqual(expect.any(String));
    const refused = lines.find((l) => l.msg === "operation refused" && l.connId !== undefined);
    expect(refused).toMatchObject({ connId: connected!.connId, outcome: "GRAPHQL_VALIDATION_FAILED" });
    expect(refused?.reqId).toEqual(expect.any(String));

    const withoutId = lines.slice(startup).filter((l) => l.reqId === undefined && l.connId === undefined);
    expect(withoutId).toEqual([]);
  });
});
