// Recent chats and contacts through the client's door.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ok, WsClient } from "./support/clients.js";
import { registerUser, sendText } from "./support/fixtures.js";
import { startServer, type TestServer } from "./support/server.js";

const RECENT = `{ recentChats { jid chatType unreadCount isMuted isArchived updatedAt lastMessage { id text fromJid } profile { jid nickname email } group { jid } } }`;

describe("recent chats", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });

  it("lists one row per chat, most recent first, with last message, unread count and the other user's profile", async () => {
    const [me, ann, ben] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
    await ok(server, `mutation { setUserProfile(input: { nickname: "Ann", email: "ann@example.com" }) { jid } }`, {}, { token: ann.token });
    await sendText(server, ann, me, "a1");
    await sendText(server, ben, me, "b1");
    const a2 = await sendText(server, ann, me, "a2");
    const mine = await sendText(server, me, ben, "to ben");
    const { recentChats } = await ok(server, RECENT, {}, { token: me.token });
    expect(recentChats).toEqual([
      {
        jid: ben.jid,
        chatType: "CHAT",
        unreadCount: 1,
        isMuted: false,
        isArchived: false,
        updatedAt: mine.createdAt,
        lastMessage: { id: mine.id, text: "to ben", fromJid: me.jid },
        profile: { jid: ben.jid, nickname: null, email: null },
        group: null,
      },
      {
        jid: ann.jid,
        chatType: "CHAT",
        unreadCount: 2,
        isMuted: false,
        isArchived: false,
        updatedAt: a2.createdAt,
        lastMessage: { id: a2.id, text: "a2", fromJid: ann.jid },
        profile: { jid: ann.jid, nickname: "Ann", email: null },
        group: null,
      },
    ]);
  });

  it("the sender's own messages never count as unread for them", async () => {
    const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
    await sendText(server, me, other, "one");
    await sendText(server, me, other, "two");
    const { recentChats } = await ok(server, `{ recentChats { jid unreadCount } }`, {}, { token: me.token });
    expect(recentChats).toEqual([{ jid: other.jid, unreadCount: 0 }]);
  });

  it("unread counts stay exact under concurrent sends", async () => {
    const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
    await Promise.all(Array.from({ length: 30 }, (_, i) => sendText(server, other, me, `c${i}`)));
    const { recentChats } = await ok(server, `{ recentChats { unreadCount } }`, {}, { token: me.token });
    expect(recentChats).toEqual([{ unreadCount: 30 }]);
  });
});

describe("contacts", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });

  it("users who share a chat are contacts: by name, or most recent conversation first", async () => {
    const [me, zed, amy, carl] = await Promise.all([registerUser(server), registerUser(server), registerUser(server), registerUser(server)]);
    await ok(server, `mutation { setUserProfile(input: { nickname: "Zed" }) { jid } }`, {}, { token: zed.token });
    await ok(server, `mutation { setUserProfile(input: { nickname: "amy" }) { jid } }`, {}, { token: amy.token });
    await sendText(server, me, zed, "1");
    await sendText(server, amy, me, "2");
    await sendText(server, me, carl, "3");
    await sendText(server, me, me, "note to self is no contact");
    const { byName, recent, top } = await ok(
      server,
      `{ byName: profiles { jid } recent: profiles(sort: RECENT) { jid } top: profiles(sort: RECENT, limit: 1) { jid } }`,
      {},
      { token: me.token },
    );
    expect(byName).toEqual([{ jid: amy.jid }, { jid: zed.jid }, { jid: carl.jid }]);
    expect(recent).toEqual([{ jid: carl.jid }, { jid: amy.jid }, { jid: zed.jid }]);
    expect(top).toEqual([{ jid: carl.jid }]);
  });

  it("a contact's profile change reaches the other's userProfileUpdated, without private fields", async () => {
    const [me, friend] = await Promise.all([registerUser(server), registerUser(server)]);
    await sendText(server, friend, me, "hi");
    const ws = await WsClient.connect(server, me.token);
    const sub = ws.subscribe(`subscription { userProfileUpdated { jid nickname email } }`);
    let n = 0;
    await vi.waitFor(async () => {
      n += 1;
      await ok(server, `mutation($n: String!) { setUserProfile(input: { nickname: $n, email: "f@example.com" }) { jid } }`, { n: `F${n}` }, { token: friend.token });
      await sub.waitFor((d) => d.userProfileUpdated.nickname === `F${n}`, 300);
    });
    expect(sub.received.at(-1)?.data?.userProfileUpdated).toEqual({ jid: friend.jid, nickname: `F${n}`, email: null });
    await ws.close();
  });
});
