// Messages in real time: live delivery, other devices, other server processes, receipts,
// typing, and the gap-free switch from replay to live.
import { Socket } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { topics } from "../src/realtime/topics.js";
import { gql, ok, onlyError, ProtocolSocket, WsClient } from "./support/clients.js";
import { createGroup, registerUser, registerUsers, sendText, type TestUser, uniqueName } from "./support/fixtures.js";
import { liveSubscription } from "./support/live.js";
import { onPostgresAndRedis, startServer, startTwoProcesses, type TestServer } from "./support/server.js";

const RECEIVED = `subscription($after: ID) { messageReceived(afterRowId: $after) { id rowId chatJid fromJid toJid text status } }`;
/** RECEIVED without a replay cursor: only live events. */
const LIVE = `subscription { messageReceived { id rowId chatJid fromJid toJid text status } }`;
const RECEIPTS = `subscription { messageStatusUpdated { messageId chatJid userJid status at } }`;
type Received = { messageReceived: { id: string; rowId: string; chatJid: string; fromJid: string; toJid: string; text: string; status: string } };

describe("live messages", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ TYPING_TIMEOUT_MS: "300" });
  });

  /** Subscribes from the start of history, so nothing sent afterwards can be missed. */
  const listen = async (user: TestUser, on = server) => {
    const ws = await WsClient.connect(on, user.token);
    return { ws, sub: ws.subscribe<Received>(RECEIVED, { after: "0" }) };
  };

  it("the recipient's subscription receives the message as the recipient sees it", async () => {
    const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
    const { ws, sub } = await listen(bob);
    const sent = await sendText(server, alice, bob, "live hello");
    const got = await sub.waitFor((d) => d.messageReceived.id === sent.id);
    expect(got.messageReceived).toEqual({
      id: sent.id,
      rowId: sent.rowId,
      chatJid: alice.jid,
      fromJid: alice.jid,
      toJid: bob.jid,
      text: "live hello",
      status: "DELIVERED",
    });
    await ws.close();
  });

  it("the sender's other connections receive their own message (multi-device)", async () => {
    const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
    const { ws, sub } = await listen(alice);
    const sent = await sendText(server, alice, bob, "from my phone");
    const got = await sub.waitFor((d) => d.messageReceived.id === sent.id);
    expect(got.messageReceived).toMatchObject({ chatJid: bob.jid, fromJid: alice.jid, status: "SENT" });
    await ws.close();
  });

  it("a third user receives nothing", async () => {
    const [alice, bob, carol] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
    const { ws, sub } = await listen(carol);
    await sendText(server, alice, bob, "not for carol");
    const own = await sendText(server, carol, carol, "marker");
    await sub.waitFor((d) => d.messageReceived.id === own.id);
    expect(sub.received.map((e) => e.data?.messageReceived.id)).toEqual([own.id]);
    await ws.close();
  });

  describe("receipts", () => {
    it("a message reaching the recipient's live subscription is delivered, and the sender is told", async () => {
      const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
      const aliceWs = await WsClient.connect(server, alice.token);
      const receipts = aliceWs.subscribe(RECEIPTS);
      const { ws } = await listen(bob);
      const sent = await sendText(server, alice, bob, "deliver me");
      const receipt = await receipts.waitFor((d) => d.messageStatusUpdated.messageId === sent.id);
      expect(receipt.messageStatusUpdated).toEqual({ messageId: sent.id, chatJid: bob.jid, userJid: bob.jid, status: "DELIVERED", at: expect.any(String) });
      const { message } = await ok(server, `query($id: ID!) { message(id: $id) { status } }`, { id: sent.id }, { token: alice.token });
      expect(message.status).toBe("DELIVERED");
      await Promise.all([aliceWs.close(), ws.close()]);
    });

    it("a recipient with two live sockets gets the message on both, and the sender hears DELIVERED once", async () => {
      const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
      const aliceWs = await WsClient.connect(server, alice.token);
      const receipts = aliceWs.subscribe(RECEIPTS);
      const [phone, laptop] = await Promise.all([listen(bob), listen(bob)]);
      const sent = await sendText(server, alice, bob, "to both devices");
      await Promise.all([phone, laptop].map(({ sub }) => sub.waitFor((d) => d.messageReceived.id === sent.id)));
      await receipts.waitFor((d) => d.messageStatusUpdated.messageId === sent.id);
      // A later message's receipt comes after any second one of the first (flushes are written in turn).
      const later = await sendText(server, alice, bob, "and then one more");
      await receipts.waitFor((d) => d.messageStatusUpdated.messageId === later.id);
      const told = receipts.received.filter((e) => e.data?.messageStatusUpdated.messageId === sent.id);
      expect(told.map((e) => e.data?.messageStatusUpdated.status)).toEqual(["DELIVERED"]);
      await Promise.all([aliceWs.close(), phone.ws.close(), laptop.ws.close()]);
    });

    it("a message sent while the recipient was offline is delivered when they subscribe and receive it", async () => {
      const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
      const aliceWs = await WsClient.connect(server, alice.token);
      const receipts = aliceWs.subscribe(RECEIPTS);
      const sent = await sendText(server, alice, bob, "while you were away");
      const { message } = await ok(server, `query($id: ID!) { message(id: $id) { status } }`, { id: sent.id }, { token: alice.token });
      expect(message.status).toBe("SENT");
      const { ws, sub } = await listen(bob);
      await sub.waitFor((d) => d.messageReceived.id === sent.id);
      await receipts.waitFor((d) => d.messageStatusUpdated.messageId === sent.id && d.messageStatusUpdated.status === "DELIVERED");
      await Promise.all([aliceWs.close(), ws.close()]);
    });

    it("sendSeenStatus marks that message and every earlier one seen, zeroes unread, and tells the sender", async () => {
      const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
      const aliceWs = await WsClient.connect(server, alice.token);
      const receipts = aliceWs.subscribe(RECEIPTS);
      const first = await sendText(server, alice, bob, "one");
      const second = await sendText(server, alice, bob, "two");
      const third = await sendText(server, alice, bob, "three");
      const unread = async () => (await ok(server, `{ recentChats { jid unreadCount } }`, {}, { token: bob.token })).recentChats;
      expect(await unread()).toEqual([{ jid: alice.jid, unreadCount: 3 }]);
      await ok(server, `mutation($to: ID!, $id: ID!) { sendSeenStatus(toJid: $to, messageId: $id) }`, { to: alice.jid, id: second.id }, { token: bob.token });
      for (const m of [first, second]) {
        await receipts.waitFor((d) => d.messageStatusUpdated.messageId === m.id && d.messageStatusUpdated.status === "SEEN");
      }
      expect(await unread()).toEqual([{ jid: alice.jid, unreadCount: 1 }]);
      await ok(server, `mutation($to: ID!, $id: ID!) { sendSeenStatus(toJid: $to, messageId: $id) }`, { to: alice.jid, id: third.id }, { token: bob.token });
      expect(await unread()).toEqual([{ jid: alice.jid, unreadCount: 0 }]);
      const { chatMessages } = await ok(server, `query($j: ID!) { chatMessages(jid: $j) { messages { status } } }`, { j: bob.jid }, { token: alice.token });
      expect(chatMessages.messages.map((m: { status: string }) => m.status)).toEqual(["SEEN", "SEEN", "SEEN"]);
      const seenReceipts = receipts.received.filter((e) => e.data?.messageStatusUpdated.status === "SEEN");
      await receipts.waitFor((d) => d.messageStatusUpdated.messageId === third.id && d.messageStatusUpdated.status === "SEEN");
      expect(new Set(seenReceipts.map((e) => e.data?.messageStatusUpdated.messageId)).size).toBe(seenReceipts.length);
      await aliceWs.close();
    });

    it("sendSeenStatus for a message of another chat is NOT_FOUND", async () => {
      const [alice, bob, carol] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
      const elsewhere = await sendText(server, carol, bob, "x");
      const SEEN = `mutation($to: ID!, $id: ID!) { sendSeenStatus(toJid: $to, messageId: $id) }`;
      const error = onlyError(await gql(server, SEEN, { to: alice.jid, id: elsewhere.id }, { token: bob.token }));
      expect(error.extensions).toMatchObject({ code: "NOT_FOUND", statusCode: 404 });
      expect(await ok(server, SEEN, { to: carol.jid, id: elsewhere.id }, { token: bob.token })).toEqual({ sendSeenStatus: true });
    });
  });

  describe("typing", () => {
    const TYPING = `subscription($jid: ID) { typingStatus(jid: $jid) { chatJid fromJid state at } }`;

    it("typing reaches the other user, filtered by chat, and GONE ends it", async () => {
      const [alice, bob, carol] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
      const ws = await WsClient.connect(server, bob.token);
      const onlyAlice = ws.subscribe(TYPING, { jid: alice.jid });
      const all = ws.subscribe(TYPING);
      // Retry until the subscriptions are live: typing is never stored, so nothing replays it.
      await expect
        .poll(async () => {
          await ok(server, `mutation($to: ID!) { sendTypingStatus(toJid: $to) }`, { to: bob.jid }, { token: carol.token });
          return all.received.some((e) => e.data?.typingStatus.fromJid === carol.jid);
        })
        .toBe(true);
      await ok(server, `mutation($to: ID!) { sendTypingStatus(toJid: $to) }`, { to: bob.jid }, { token: alice.token });
      await ok(server, `mutation($to: ID!) { sendTypingGoneStatus(toJid: $to) }`, { to: bob.jid }, { token: alice.token });
      await onlyAlice.waitFor((d) => d.typingStatus.state === "GONE");
      expect(onlyAlice.received.map((e) => e.data?.typingStatus)).toEqual([
        { chatJid: alice.jid, fromJid: alice.jid, state: "COMPOSING", at: expect.any(String) },
        { chatJid: alice.jid, fromJid: alice.jid, state: "GONE", at: expect.any(String) },
      ]);
      await ws.close();
    });

    it("a COMPOSING without a refresh is followed by GONE after TYPING_TIMEOUT_MS", async () => {
      const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
      const ws = await WsClient.connect(server, bob.token);
      const typing = ws.subscribe(TYPING, { jid: alice.jid });
      await expect
        .poll(async () => {
          await ok(server, `mutation($to: ID!) { sendTypingStatus(toJid: $to) }`, { to: bob.jid }, { token: alice.token });
          return typing.received.length > 0;
        })
        .toBe(true);
      const gone = await typing.waitFor((d) => d.typingStatus.state === "GONE", 3000);
      expect(gone.typingStatus).toMatchObject({ chatJid: alice.jid, fromJid: alice.jid });
      const composedAt = Math.max(...typing.received.filter((e) => e.data?.typingStatus.state === "COMPOSING").map((e) => Date.parse(e.data!.typingStatus.at)));
      expect(Date.parse(gone.typingStatus.at) - composedAt).toBeGreaterThanOrEqual(250);
      await ws.close();
    });
  });
});

describe("writes to a socket", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });

  /** Counts the writes (write or writev) the process makes on TCP sockets whose peer is at port. */
  const writesTo = (port: number) => {
    const proto = Socket.prototype as unknown as { _writeGeneric: (...args: unknown[]) => unknown };
    const original = proto._writeGeneric;
    const counted = { writes: 0, restore: () => (proto._writeGeneric = original) };
    proto._writeGeneric = function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === port) counted.writes += 1;
      return original.apply(this, args);
    };
    return counted;
  };
  let restore: (() => unknown) | undefined;
  afterEach(() => restore?.());

  it("messages the broker brings at once leave for the subscriber's socket in one write", async () => {
    const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
    const bobId = Number(JSON.parse(Buffer.from(bob.token.split(".")[1]!, "base64url").toString()).sub);
    const pubsub = server.app.services.pubsub;
    // Three messages' events as the broker carries them, heard here while bob has no socket.
    const heard: unknown[] = [];
    const topic = topics.messageReceived(bobId);
    const unlisten = await pubsub.listen(topic, (event) => heard.push(event));
    await sendText(server, bob, bob, "probe");
    await sendText(server, alice, bob, "one");
    await sendText(server, alice, bob, "two");
    await expect.poll(() => heard.length).toBe(3);
    unlisten();
    const [probe, ...burst] = heard;
    const socket = await ProtocolSocket.connect(server, bob.token);
    socket.send({ id: "1", type: "subscribe", payload: { query: LIVE } });
    const texts = () => socket.messages.items.filter((m) => m.type === "next").map((m) => (m.payload as { data?: Received }).data?.messageReceived.text);
    // Live once the probe's event, published again until then, arrives (later copies are duplicates, skipped).
    await expect
      .poll(async () => {
        await pubsub.publish(topic, probe as never);
        return texts();
      })
      .toEqual(["probe"]);
    const counter = writesTo((socket.socket as unknown as { _socket: Socket })._socket.localPort!);
    restore = counter.restore;
    // Published in one turn: the broker hands them on together (Redis: in one read).
    await Promise.all(burst.map((event) => pubsub.publish(topic, event as never)));
    await expect.poll(texts).toEqual(["probe", "one", "two"]);
    expect(counter.writes).toBe(1);
    socket.socket.close();
  });

  it("a mutation's result and its complete leave in one write", async () => {
    const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
    const socket = await ProtocolSocket.connect(server, alice.token);
    const counter = writesTo((socket.socket as unknown as { _socket: Socket })._socket.localPort!);
    restore = counter.restore;
    socket.send({
      id: "send",
      type: "subscribe",
      payload: { query: `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { id text } }`, variables: { input: { toJid: bob.jid, messageText: "hi" } } },
    });
    await socket.messages.waitFor((m) => m.type === "complete" && m.id === "send", 5000, "the mutation's complete");
    const frames = socket.messages.items.filter((m) => m.id === "send");
    expect(frames.map((m) => m.type)).toEqual(["next", "complete"]);
    expect(frames[0]!.payload).toMatchObject({ data: { sendTextMessage: { text: "hi" } } });
    expect(counter.writes).toBe(1);
    socket.socket.close();
  });
});

describe("replay and live without gap or duplicate", () => {
  it("a client that reconnects with afterRowId while 500 messages are sent concurrently from several connections gets each once, in order", async () => {
    const servers = onPostgresAndRedis ? await Promise.all([startServer(), startServer()]) : [await startServer()];
    const [home] = servers as [TestServer];
    const recipient = await registerUser(home);
    const senders = await Promise.all(Array.from({ length: 5 }, () => registerUser(home)));
    const first = await sendText(home, senders[0]!, recipient, "before");

    const sent: string[] = [];
    const sendAll = Promise.all(
      senders.map(async (sender, s) => {
        const via = servers[s % servers.length]!;
        // Each sender keeps ten messages in flight at once.
        for (let batch = 0; batch < 10; batch += 1) {
          const results = await Promise.all(Array.from({ length: 10 }, (_, i) => sendText(via, sender, recipient, `s${s}-${batch * 10 + i}`)));
          sent.push(...results.map((r) => r.id));
        }
      }),
    );
    // Reconnect while the sends are under way, from the last message seen before the gap.
    while (sent.length < 150) await new Promise((r) => setImmediate(r));
    // The server is busy with fifty sends in flight (in this test's own process): its ack may take a while.
    const ws = await WsClient.connect(servers.at(-1)!, recipient.token, 20_000);
    const sub = ws.subscribe<Received>(RECEIVED, { after: first.rowId });
    await sendAll;
    expect(sent).toHaveLength(500);
    await sub.waitFor(() => sub.received.length >= 500, 20_000);
    const got = sub.received.map((e) => e.data!.messageReceived);
    expect(got.map((m) => m.id).sort()).toEqual([...sent].sort());
    const rowIds = got.map((m) => BigInt(m.rowId));
    expect(rowIds.every((r, i) => i === 0 || r > rowIds[i - 1]!)).toBe(true);
    await ws.close();
  });

});

// Only where there are two processes; every subscription here is live (test/support/live.ts),
// never replayed, so what arrives came through the broker.
describe.runIf(onPostgresAndRedis)("across server processes", () => {
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    [one, two] = await startTwoProcesses();
  });

  it("a message sent through one server process reaches a live subscriber on another", async () => {
    const [alice, bob] = await registerUsers(one, 2);
    const ws = await WsClient.connect(two, bob.token);
    const { sub } = await liveSubscription<Received>(ws, bob, one, { query: LIVE });
    const sent = await sendText(one, alice, bob, "across processes");
    expect((await sub.waitFor((d) => d.messageReceived.id === sent.id)).messageReceived).toEqual({
      id: sent.id,
      rowId: sent.rowId,
      chatJid: alice.jid,
      fromJid: alice.jid,
      toJid: bob.jid,
      text: "across processes",
      status: "DELIVERED",
    });
    await ws.close();
  });

  // A group message travels the fan-out channel (publishToMany), not the members' own topics.
  it("a group message sent through one server process reaches live participants on another", async () => {
    const [admin, b, c] = await registerUsers(one, 3);
    const group = await createGroup(one, admin, [b, c]);
    const sockets = await Promise.all([WsClient.connect(two, b.token), WsClient.connect(two, c.token)]);
    const subs = await Promise.all([liveSubscription<Received>(sockets[0], b, one, { query: LIVE }), liveSubscription<Received>(sockets[1], c, one, { query: LIVE })]);
    const sent = await sendText(one, admin, group, "to the group, across processes");
    for (const { sub } of subs) {
      expect((await sub.waitFor((d) => d.messageReceived.id === sent.id)).messageReceived).toMatchObject({ id: sent.id, chatJid: group.jid, fromJid: admin.jid, status: "DELIVERED" });
    }
    await Promise.all(sockets.map((ws) => ws.close()));
  });

  // The check above must be able to fail: a process in another REDIS_NAMESPACE shares the
  // database but not the broker channels, as if the fan-out between processes were broken.
  it("with the processes' broker channels apart (another REDIS_NAMESPACE), the liveness probe and cross-process delivery time out", async () => {
    const apart = await startServer({ REDIS_NAMESPACE: uniqueName("apart-") });
    const [alice, bob] = await registerUsers(one, 2);
    const ws = await WsClient.connect(one, bob.token);
    await expect(liveSubscription<Received>(ws, bob, apart, { query: LIVE, timeoutMs: 1500 })).rejects.toThrow(/not live/);
    // The subscription itself is live on its own process; only messages from the other are missing.
    const { sub } = await liveSubscription<Received>(ws, bob, one, { query: LIVE });
    const unheard = await sendText(apart, alice, bob, "never announced here");
    await expect(sub.waitFor((d) => d.messageReceived.id === unheard.id, 1000)).rejects.toThrow(/timed out/);
    const heard = await sendText(one, alice, bob, "announced here");
    await sub.waitFor((d) => d.messageReceived.id === heard.id);
    expect(sub.received.map((e) => e.data?.messageReceived.id)).not.toContain(unheard.id);
    await ws.close();
  });
});
