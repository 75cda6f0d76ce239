// @parley/client against a real server: two users chat through its methods and listeners, it
// reconnects by itself after the network drops and delivers every message once and in order, it
// asks the app for a new token when one is revoked, and its errors carry the server's codes.
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { type ConnectionState, type ParleyClientOptions, type ParleyEvents, ParleyClient } from "../client/src/index.js";
import { gql, ok, Waiter } from "./support/clients.js";
import { registerUser, uniqueName } from "./support/fixtures.js";
import { backendName, type Endpoint, startServer } from "./support/server.js";
import { startTcpProxy } from "./support/tcp-proxy.js";

const WAIT_MS = 10_000;
/** Quick retries, so that a test waits for the reconnect rather than for the default back-off. */
const FAST: ParleyClientOptions["reconnect"] = { initialDelayMs: 50, maxDelayMs: 250 };

const clients: ParleyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

type Heard = { [K in keyof ParleyEvents]: Waiter<ParleyEvents[K]> };

/** A client whose every event is recorded, closed after the test. */
function sdk(server: Endpoint, options: Partial<ParleyClientOptions> = {}): { client: ParleyClient; heard: Heard } {
  const client = new ParleyClient({ url: server.graphqlUrl, webSocketImpl: WebSocket, reconnect: FAST, ...options });
  clients.push(client);
  const heard = {} as Record<keyof ParleyEvents, Waiter<unknown>>;
  for (const event of ["message", "messageStatus", "messagesDeleted", "typing", "userProfile", "groupProfile", "state", "error"] as const) {
    const waiter = (heard[event] = new Waiter<unknown>());
    client.on(event, (value) => waiter.push(value));
  }
  return { client, heard: heard as Heard };
}

/** register + connect through the SDK, listeners attached before the socket opens. */
async function signUp(server: Endpoint, options: Partial<ParleyClientOptions> = {}) {
  const { client, heard } = sdk(server, options);
  const { username, password } = await client.register(uniqueName());
  const { userJid } = await client.connect(username, password);
  return { client, heard, jid: userJid, username, password };
}

/** A user, and a getToken that signs them in afresh each time it is called, noting each token. */
async function tokenIssuer(server: Endpoint) {
  const user = await registerUser(server);
  const issued: string[] = [];
  const getToken = async () => {
    const { connect } = await ok(server, `mutation($u: String!, $p: String!) { connect(username: $u, password: $p) { token } }`, { u: user.username, p: user.password });
    issued.push(connect.token);
    return connect.token as string;
  };
  return { user, issued, getToken };
}

/** The states a client goes through from now on. */
function statesOf(client: ParleyClient): Waiter<ConnectionState> {
  const states = new Waiter<ConnectionState>();
  client.on("state", (state) => states.push(state));
  return states;
}

describe(`@parley/client (${backendName})`, () => {
  it("two users chat: messages, receipts, typing, profile and group events reach the listeners", async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    expect(alice.heard.state.items).toEqual(["connecting", "connected"]);

    const sent = await alice.client.sendTextMessage({ toJid: bob.jid, messageText: "hello Bob" });
    const received = await bob.heard.message.waitFor((m) => m.id === sent.id, WAIT_MS, "Bob's message");
    expect(received).toMatchObject({ text: "hello Bob", fromJid: alice.jid, toJid: bob.jid, rowId: sent.rowId, chatType: "CHAT" });
    expect(bob.client.lastRowId).toBe(sent.rowId);

    await bob.client.sendSeenStatus(alice.jid, received.id);
    const seen = await alice.heard.messageStatus.waitFor((r) => r.messageId === sent.id && r.status === "SEEN", WAIT_MS, "the seen receipt");
    expect(seen.userJid).toBe(bob.jid);

    await bob.client.sendTypingStatus(alice.jid);
    await alice.heard.typing.waitFor((t) => t.fromJid === bob.jid && t.state === "COMPOSING", WAIT_MS, "Bob typing");

    await alice.client.setUserProfile({ nickname: "Alice", status: "here" });
    await alice.heard.userProfile.waitFor((p) => p.jid === alice.jid && p.nickname === "Alice", WAIT_MS, "Alice's profile");

    const group = await alice.client.createGroup("sdk group", [bob.jid]);
    const created = await bob.heard.groupProfile.waitFor((e) => e.groupJid === group.jid && e.type === "CREATED", WAIT_MS, "the group's creation");
    expect(created.actorJid).toBe(alice.jid);

    expect((await bob.client.getChatMessages(alice.jid)).messages.map((m) => m.id)).toEqual([sent.id]);
    expect((await bob.client.getRecentChats()).find((c) => c.jid === alice.jid)?.lastMessage?.id).toBe(sent.id);
    expect((await bob.client.getGroupsList()).map((g) => g.jid)).toContain(group.jid);
    expect((await alice.client.getMyProfile()).status).toBe("here");
    expect(alice.heard.error.items).toEqual([]);
  });

  it("reconnects by itself after the network drops and delivers every message once, in order", async () => {
    const server = await startServer();
    const proxy = await startTcpProxy(server);
    try {
      const alice = await signUp(server);
      const bob = await signUp(proxy);
      const send = (text: string) => alice.client.sendTextMessage({ toJid: bob.jid, messageText: text });

      const before = [await send("1"), await send("2")];
      await bob.heard.message.waitFor((m) => m.id === before[1]!.id, WAIT_MS, "the messages before the drop");

      const states = statesOf(bob.client);
      proxy.cut();
      await states.waitFor((s) => s === "reconnecting", WAIT_MS, "Bob's client to notice the drop");
      const during = [];
      for (const text of ["3", "4", "5", "6"]) during.push(await send(text));
      proxy.heal();
      await states.waitFor((s) => s === "connected", WAIT_MS, "Bob's client to reconnect");
      const after = [await send("7"), await send("8")];

      await bob.heard.message.waitFor((m) => m.id === after[1]!.id, WAIT_MS, "the messages after the reconnect");
      const expected = [...before, ...during, ...after];
      expect(bob.heard.message.items.map((m) => m.text)).toEqual(expected.map((m) => m.text));
      expect(bob.heard.message.items.map((m) => m.id)).toEqual(expected.map((m) => m.id));
      expect(bob.client.lastRowId).toBe(after[1]!.rowId);
    } finally {
      await proxy.close();
    }
  });

  it("asks getToken for a new token when its token is revoked, on the socket and over HTTP, and carries on", async () => {
    const server = await startServer();
    const { user, issued, getToken } = await tokenIssuer(server);
    const { client, heard } = sdk(server, { getToken });
    await client.open();
    expect(issued).toHaveLength(1);
    const bob = await signUp(server);

    // The socket is closed with 4401 Token revoked: the client gets a new token and reconnects.
    const states = statesOf(client);
    await ok(server, `mutation { logout }`, {}, { token: issued[0] });
    await states.waitFor((s) => s === "reconnecting", WAIT_MS, "the revoked socket to close");
    await states.waitFor((s) => s === "connected", WAIT_MS, "a socket with the new token");
    expect(issued).toHaveLength(2);
    const sent = await bob.client.sendTextMessage({ toJid: user.jid, messageText: "still there?" });
    await heard.message.waitFor((m) => m.id === sent.id, WAIT_MS, "the message on the new socket");

    // Over HTTP: UNAUTHENTICATED, a new token, the call made again.
    await ok(server, `mutation { logout }`, {}, { token: issued[1] });
    expect((await client.getMyProfile()).jid).toBe(user.jid);
    await client.ready();
    expect(issued).toHaveLength(3);
    expect(heard.error.items).toEqual([]);
  });

  it("a token revoked again and again is replaced each time, and the app never hears its socket was refused", async () => {
    const server = await startServer();
    const { issued, getToken } = await tokenIssuer(server);
    const { client, heard } = sdk(server, { getToken });
    await client.open();
    for (let revoked = 0; revoked < 3; revoked++) {
      const states = statesOf(client);
      await ok(server, `mutation { logout }`, {}, { token: issued[revoked] });
      await states.waitFor((s) => s === "reconnecting", WAIT_MS, `revocation ${revoked + 1} to close the socket`);
      await states.waitFor((s) => s === "connected", WAIT_MS, `a socket with token ${revoked + 2}`);
    }
    expect(issued).toHaveLength(4);
    expect(heard.error.items).toEqual([]);
  });

  it("is reconnecting, not connected, from the moment its socket drops; ready() waits for the next socket without holding the event loop", async () => {
    const server = await startServer();
    const proxy = await startTcpProxy(server);
    try {
      // A long wait before the reconnect: the state must not depend on it.
      const { client } = await signUp(proxy, { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
      const states = statesOf(client);
      proxy.cut();
      await states.waitFor((s) => s === "reconnecting", 2_000, "the drop to show in the state at once");
      let settled: unknown;
      const ready = client.ready().then(
        () => (settled = "ready"),
        (error: unknown) => (settled = error),
      );
      // A timer still runs while ready() waits: it waits on the state, it does not spin.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(settled).toBeUndefined();
      await client.close();
      await ready;
      expect(settled).toMatchObject({ code: "CLOSED" });
    } finally {
      await proxy.close();
    }
  });

  it("a socket the server refuses is reported with its close code and reason", async () => {
    const server = await startServer();
    const { client, heard } = sdk(server, { getToken: async () => "not-a-token" });
    await expect(client.open()).rejects.toMatchObject({ code: "SOCKET_REFUSED", closeCode: 4403, message: expect.stringContaining("Invalid token") });
    expect(heard.error.items[0]).toMatchObject({ code: "SOCKET_REFUSED", closeCode: 4403 });
  });

  it("errors carry the server's code, status and field", async () => {
    const server = await startServer();
    const alice = await signUp(server);
    await expect(alice.client.sendTextMessage({ toJid: alice.jid.replace(/^[^@]+/, uniqueName()), messageText: "bad\u0000text" })).rejects.toMatchObject({
      name: "ParleyError",
      code: "BAD_USER_INPUT",
      statusCode: 400,
      field: "input.messageText",
    });
    await expect(alice.client.register(alice.username)).rejects.toMatchObject({ code: "CONFLICT", field: "userIdentifier" });
    await expect(sdk(server).client.connect(alice.username, "wrong password")).rejects.toMatchObject({ code: "UNAUTHENTICATED", statusCode: 401 });
    const anonymous = await gql(server, `{ myProfile { jid } }`);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
