// Conversation management through the client's door: forward, favourites, clear and delete,
// delete for me and for everyone, mute, archive, and the plan switches.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { gql, ok, onlyError, WsClient } from "./support/clients.js";
import { registerUser, sendText, type TestUser } from "./support/fixtures.js";
import { startServer, type TestServer } from "./support/server.js";

const HISTORY = `query($jid: ID!) { chatMessages(jid: $jid, limit: 100) { messages { id text isForwarded isFavourite isDeletedForEveryone } } }`;
const RECENT = `{ recentChats { jid unreadCount isMuted isArchived lastMessage { id text isDeletedForEveryone } } }`;

describe("conversation management", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });

  const history = async (viewer: TestUser, other: TestUser) =>
    (await ok(server, HISTORY, { jid: other.jid }, { token: viewer.token })).chatMessages.messages as Record<string, any>[];
  const texts = async (viewer: TestUser, other: TestUser) => (await history(viewer, other)).map((m) => m.text);
  const call = (user: TestUser, query: string, variables: Record<string, unknown> = {}) => gql(server, query, variables, { token: user.token });

  describe("forward", () => {
    it("copies messages, in their order, to several users as new forwarded messages", async () => {
      const [me, from, x, y] = await Promise.all([registerUser(server), registerUser(server), registerUser(server), registerUser(server)]);
      const m1 = await sendText(server, from, me, "first");
      const m2 = await sendText(server, me, from, "second");
      const { forwardMessages } = await ok(
        server,
        `mutation($to: [ID!]!, $ids: [ID!]!) { forwardMessages(toJids: $to, messageIds: $ids) { id rowId chatJid fromJid text isForwarded } }`,
        { to: [x.jid, y.jid], ids: [m2.id, m1.id] },
        { token: me.token },
      );
      expect(forwardMessages.map((m: Record<string, unknown>) => [m.chatJid, m.text, m.isForwarded, m.fromJid])).toEqual([
        [x.jid, "first", true, me.jid],
        [x.jid, "second", true, me.jid],
        [y.jid, "first", true, me.jid],
        [y.jid, "second", true, me.jid],
      ]);
      expect(new Set(forwardMessages.map((m: { id: string }) => m.id)).size).toBe(4);
      expect(forwardMessages.map((m: { id: string }) => m.id)).not.toContain(m1.id);
      expect(await history(x, me)).toEqual([
        { id: forwardMessages[0].id, text: "first", isForwarded: true, isFavourite: false, isDeletedForEveryone: false },
        { id: forwardMessages[1].id, text: "second", isForwarded: true, isFavourite: false, isDeletedForEveryone: false },
      ]);
    });

    it("forwarded copies arrive as normal messages on the recipient's subscription", async () => {
      const [me, from, to] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
      const original = await sendText(server, from, me, "pass it on");
      const ws = await WsClient.connect(server, to.token);
      const sub = ws.subscribe(`subscription { messageReceived(afterRowId: "0") { text isForwarded fromJid } }`);
      await ok(server, `mutation($to: [ID!]!, $ids: [ID!]!) { forwardMessages(toJids: $to, messageIds: $ids) { id } }`, { to: [to.jid], ids: [original.id] }, { token: me.token });
      expect(await sub.waitFor((d) => d.messageReceived.text === "pass it on")).toEqual({ messageReceived: { text: "pass it on", isForwarded: true, fromJid: me.jid } });
      await ws.close();
    });

    it("refuses a message the caller cannot see, and writes nothing", async () => {
      const [me, a, b, target] = await Promise.all([registerUser(server), registerUser(server), registerUser(server), registerUser(server)]);
      const mine = await sendText(server, me, a, "mine");
      const theirs = await sendText(server, a, b, "not for me");
      const error = onlyError(await call(me, `mutation($to: [ID!]!, $ids: [ID!]!) { forwardMessages(toJids: $to, messageIds: $ids) { id } }`, { to: [target.jid], ids: [mine.id, theirs.id] }));
      expect(error.extensions).toMatchObject({ code: "NOT_FOUND", field: "messageIds" });
      expect(await history(target, me)).toEqual([]);
    });

    it("takes at most 50 targets and 50 messages, and at least one of each", async () => {
      const me = await registerUser(server);
      const FORWARD = `mutation($to: [ID!]!, $ids: [ID!]!) { forwardMessages(toJids: $to, messageIds: $ids) { id } }`;
      const many = Array.from({ length: 51 }, () => randomUUID());
      for (const [variables, field] of [
        [{ to: many.map((id) => `${id.slice(0, 8)}@localhost`), ids: ["x"] }, "toJids"],
        [{ to: [me.jid], ids: many }, "messageIds"],
        [{ to: [], ids: ["x"] }, "toJids"],
      ] as const) {
        expect(onlyError(await call(me, FORWARD, variables)).extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      }
    });
  });

  describe("favourites", () => {
    it("adds and removes favourites per user, listed newest first", async () => {
      const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
      const m1 = await sendText(server, other, me, "keep 1");
      const m2 = await sendText(server, me, other, "keep 2");
      const SET = `mutation($to: ID!, $id: ID!, $f: Boolean!) { updateFavouriteStatus(toJid: $to, messageId: $id, isFavourite: $f) }`;
      await ok(server, SET, { to: other.jid, id: m1.id, f: true }, { token: me.token });
      await ok(server, SET, { to: other.jid, id: m2.id, f: true }, { token: me.token });
      const list = async (u: TestUser) => (await ok(server, `{ favouriteMessages { id isFavourite } }`, {}, { token: u.token })).favouriteMessages;
      expect(await list(me)).toEqual([
        { id: m2.id, isFavourite: true },
        { id: m1.id, isFavourite: true },
      ]);
      expect(await list(other)).toEqual([]);
      expect((await history(other, me)).map((m) => m.isFavourite)).toEqual([false, false]);
      await ok(server, SET, { to: other.jid, id: m2.id, f: false }, { token: me.token });
      expect(await list(me)).toEqual([{ id: m1.id, isFavourite: true }]);
      expect(await ok(server, `mutation { removeAllFavouriteMessages }`, {}, { token: me.token })).toEqual({ removeAllFavouriteMessages: true });
      expect(await list(me)).toEqual([]);
    });

    it("a message of another chat cannot be a favourite", async () => {
      const [me, a, b] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
      const theirs = await sendText(server, a, b, "x");
      const error = onlyError(await call(me, `mutation($to: ID!, $id: ID!) { updateFavouriteStatus(toJid: $to, messageId: $id, isFavourite: true) }`, { to: a.jid, id: theirs.id }));
      expect(error.extensions).toMatchObject({ code: "NOT_FOUND", field: "messageId" });
    });
  });

  describe("clear and delete chats", () => {
    it("clearChat clears for the caller only, keeps favourites, and keeps the chat in recent chats", async () => {
      const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
      const keep = await sendText(server, other, me, "favourite");
      await sendText(server, other, me, "gone");
      await ok(server, `mutation($to: ID!, $id: ID!) { updateFavouriteStatus(toJid: $to, messageId: $id, isFavourite: true) }`, { to: other.jid, id: keep.id }, { token: me.token });
      expect(await ok(server, `mutation($to: ID!) { clearChat(toJid: $to) }`, { to: other.jid }, { token: me.token })).toEqual({ clearChat: true });
      expect(await texts(me, other)).toEqual(["favourite"]);
      expect(await texts(other, me)).toEqual(["favourite", "gone"]);
      expect((await ok(server, RECENT, {}, { token: me.token })).recentChats).toEqual([
        { jid: other.jid, unreadCount: 0, isMuted: false, isArchived: false, lastMessage: { id: keep.id, text: "favourite", isDeletedForEveryone: false } },
      ]);
      await sendText(server, other, me, "after");
      expect(await texts(me, other)).toEqual(["favourite", "after"]);
    });

    it("clearChat with deleteFavourites clears favourites too; with lastMessageId only up to it", async () => {
      const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
      const m1 = await sendText(server, other, me, "one");
      const m2 = await sendText(server, other, me, "two");
      await sendText(server, other, me, "three");
      await ok(server, `mutation($to: ID!, $id: ID!) { updateFavouriteStatus(toJid: $to, messageId: $id, isFavourite: true) }`, { to: other.jid, id: m1.id }, { token: me.token });
      await ok(server, `mutation($to: ID!, $id: ID!) { clearChat(toJid: $to, lastMessageId: $id, deleteFavourites: true) }`, { to: other.jid, id: m2.id }, { token: me.token });
      expect(await texts(me, other)).toEqual(["three"]);
      expect((await ok(server, `{ favouriteMessages { id } }`, {}, { token: me.token })).favouriteMessages).toEqual([]);
      expect((await ok(server, `{ recentChats { unreadCount } }`, {}, { token: me.token })).recentChats).toEqual([{ unreadCount: 1 }]);
    });

    it("clearing an empty chat is fine and lists nothing", async () => {
      const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
      expect(await ok(server, `mutation($to: ID!) { clearChat(toJid: $to) }`, { to: other.jid }, { token: me.token })).toEqual({ clearChat: true });
      expect((await ok(server, RECENT, {}, { token: me.token })).recentChats).toEqual([]);
    });

    it("deleteChat removes the chat from recent chats until a new message arrives", async () => {
      const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
      await sendText(server, other, me, "old");
      await ok(server, `mutation($to: ID!) { deleteChat(toJid: $to) }`, { to: other.jid }, { token: me.token });
      expect((await ok(server, RECENT, {}, { token: me.token })).recentChats).toEqual([]);
      expect(await texts(me, other)).toEqual([]);
      expect((await ok(server, RECENT, {}, { token: other.token })).recentChats).toHaveLength(1);
      const fresh = await sendText(server, other, me, "new");
      expect((await ok(server, RECENT, {}, { token: me.token })).recentChats).toEqual([
        { jid: other.jid, unreadCount: 1, isMuted: false, isArchived: false, lastMessage: { id: fresh.id, text: "new", isDeletedForEveryone: false } },
      ]);
    });

    it("clearAllChats and deleteAllRecentChats act on every chat of the caller", async () => {
      const [me, a, b] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
      await sendText(server, a, me, "a");
      await sendText(server, me, b, "b");
      await ok(server, `mutation { clearAllChats }`, {}, { token: me.token });
      expect([await texts(me, a), await texts(me, b)]).toEqual([[], []]);
      expect((await ok(server, `{ recentChats { jid lastMessage { id } } }`, {}, { token: me.token })).recentChats).toHaveLength(2);
      await ok(server, `mutation { deleteAllRecentChats }`, {}, { token: me.token });
      expect((await ok(server, `{ recentChats { jid } }`, {}, { token: me.token })).recentChats).toEqual([]);
      expect(await texts(a, me)).toEqual(["a"]);
    });
  });

  describe("delete messages", () => {
    it("deleteMessagesForMe hides messages from the caller only, updates recent chats and unread, and twice is fine", async () => {
      const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
      const keep = await sendText(server, other, me, "keep");
      const drop = await sendText(server, other, me, "drop");
      const DELETE = `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForMe(toJid: $to, messageIds: $ids) }`;
      await ok(server, DELETE, { to: other.jid, ids: [drop.id] }, { token: me.token });
      expect(await texts(me, other)).toEqual(["keep"]);
      expect(await texts(other, me)).toEqual(["keep", "drop"]);
      expect((await ok(server, RECENT, {}, { token: me.token })).recentChats[0]).toMatchObject({ unreadCount: 1, lastMessage: { id: keep.id } });
      expect(await ok(server, DELETE, { to: other.jid, ids: [drop.id] }, { token: me.token })).toEqual({ deleteMessagesForMe: true });
      const missing = onlyError(await call(me, `query($id: ID!) { message(id: $id) { id } }`, { id: drop.id }));
      expect(missing.extensions).toMatchObject({ code: "NOT_FOUND" });
    });

    it("deleteMessagesForEveryone leaves a tombstone for both, replies and recent chats show it, and twice is fine", async () => {
      const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
      const oops = await sendText(server, me, other, "oops");
      const reply = await sendText(server, other, me, "what?", { replyMessageId: oops.id });
      await ok(server, `mutation($to: ID!, $id: ID!) { updateFavouriteStatus(toJid: $to, messageId: $id, isFavourite: true) }`, { to: me.jid, id: oops.id }, { token: other.token });
      await ok(server, `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForEveryone(toJid: $to, messageIds: $ids) }`, { to: other.jid, ids: [oops.id] }, { token: me.token });
      for (const [viewer, peer] of [[me, other], [other, me]] as const) {
        const messages = await history(viewer, peer);
        expect(messages[0]).toMatchObject({ id: oops.id, text: null, isDeletedForEveryone: true, isFavourite: false });
      }
      const { message } = await ok(server, `query($id: ID!) { message(id: $id) { replyTo { id text isDeletedForEveryone } } }`, { id: reply.id }, { token: me.token });
      expect(message.replyTo).toEqual({ id: oops.id, text: null, isDeletedForEveryone: true });
      expect((await ok(server, `{ favouriteMessages { id } }`, {}, { token: other.token })).favouriteMessages).toEqual([]);
      const last = await sendText(server, me, other, "last");
      await ok(server, `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForEveryone(toJid: $to, messageIds: $ids) }`, { to: other.jid, ids: [last.id] }, { token: me.token });
      expect((await ok(server, RECENT, {}, { token: other.token })).recentChats[0].lastMessage).toEqual({ id: last.id, text: null, isDeletedForEveryone: true });
      const again = await call(me, `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForEveryone(toJid: $to, messageIds: $ids) }`, { to: other.jid, ids: [oops.id, last.id] });
      expect(again).toMatchObject({ data: { deleteMessagesForEveryone: true } });
    });

    it("messagesDeleted reaches the other member's subscription", async () => {
      const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
      const ws = await WsClient.connect(server, other.token);
      const deleted = ws.subscribe(`subscription { messagesDeleted { chatJid messageIds byJid } }`);
      const live = ws.subscribe(`subscription { messageReceived(afterRowId: "0") { id } }`);
      // Once a message sent now reaches this socket, its subscriptions are live.
      const marker = await sendText(server, me, other, "marker");
      await live.waitFor((d) => d.messageReceived.id === marker.id);
      const gone = await sendText(server, me, other, "to delete");
      await ok(server, `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForEveryone(toJid: $to, messageIds: $ids) }`, { to: other.jid, ids: [gone.id] }, { token: me.token });
      expect(await deleted.waitFor(() => true)).toEqual({ messagesDeleted: { chatJid: me.jid, messageIds: [gone.id], byJid: me.jid } });
      await ws.close();
    });

    it("deleting someone else's message for everyone is FORBIDDEN", async () => {
      const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
      const theirs = await sendText(server, other, me, "theirs");
      const error = onlyError(await call(me, `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForEveryone(toJid: $to, messageIds: $ids) }`, { to: other.jid, ids: [theirs.id] }));
      expect(error.extensions).toMatchObject({ code: "FORBIDDEN", statusCode: 403 });
      expect(await texts(me, other)).toEqual(["theirs"]);
    });

    it("deleting for everyone after DELETE_FOR_EVERYONE_WINDOW_SECONDS is FORBIDDEN", async () => {
      const strict = await startServer({ DELETE_FOR_EVERYONE_WINDOW_SECONDS: "0" });
      const [me, other] = await Promise.all([registerUser(strict), registerUser(strict)]);
      const old = await sendText(strict, me, other, "too late");
      await expect.poll(() => Date.now() - Date.parse(old.createdAt)).toBeGreaterThan(5);
      const error = onlyError(await gql(strict, `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForEveryone(toJid: $to, messageIds: $ids) }`, { to: other.jid, ids: [old.id] }, { token: me.token }));
      expect(error.extensions).toMatchObject({ code: "FORBIDDEN" });
      expect(error.message).toMatch(/too late/);
    });
  });

  describe("mute and archive", () => {
    it("a muted chat still delivers, and the event says it is muted", async () => {
      const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
      await sendText(server, other, me, "before");
      await ok(server, `mutation($to: ID!) { muteChat(toJid: $to, isMuted: true) }`, { to: other.jid }, { token: me.token });
      const ws = await WsClient.connect(server, me.token);
      const sub = ws.subscribe(`subscription { messageReceived(afterRowId: "0") { text isMuted } }`);
      await sendText(server, other, me, "quietly");
      expect(await sub.waitFor((d) => d.messageReceived.text === "quietly")).toEqual({ messageReceived: { text: "quietly", isMuted: true } });
      expect((await ok(server, `{ recentChats { isMuted } }`, {}, { token: me.token })).recentChats).toEqual([{ isMuted: true }]);
      expect((await ok(server, `{ recentChats { isMuted } }`, {}, { token: other.token })).recentChats).toEqual([{ isMuted: false }]);
      await ok(server, `mutation($to: ID!) { muteChat(toJid: $to, isMuted: false) }`, { to: other.jid }, { token: me.token });
      expect((await ok(server, `{ recentChats { isMuted } }`, {}, { token: me.token })).recentChats).toEqual([{ isMuted: false }]);
      await ws.close();
    });

    it("an archived chat moves to archivedChats, stays there on new messages, and comes back when unarchived", async () => {
      const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
      await sendText(server, other, me, "hi");
      await ok(server, `mutation($to: ID!) { archiveChat(toJid: $to, isArchived: true) }`, { to: other.jid }, { token: me.token });
      const lists = async () => {
        const data = await ok(server, `{ recentChats { jid } archivedChats { jid isArchived unreadCount } }`, {}, { token: me.token });
        return data;
      };
      expect(await lists()).toEqual({ recentChats: [], archivedChats: [{ jid: other.jid, isArchived: true, unreadCount: 1 }] });
      await sendText(server, other, me, "still archived");
      expect(await lists()).toEqual({ recentChats: [], archivedChats: [{ jid: other.jid, isArchived: true, unreadCount: 2 }] });
      await ok(server, `mutation($to: ID!) { archiveChat(toJid: $to, isArchived: false) }`, { to: other.jid }, { token: me.token });
      expect(await lists()).toEqual({ recentChats: [{ jid: other.jid }], archivedChats: [] });
    });
  });
});

describe("plans", () => {
  it.each([
    ["favouriteMessage", `{ favouriteMessages { id } }`],
    ["favouriteMessage", `mutation { removeAllFavouriteMessages }`],
    ["favouriteMessage", `mutation($to: ID!) { updateFavouriteStatus(toJid: $to, messageId: "x", isFavourite: true) }`],
    ["clearChat", `mutation($to: ID!) { clearChat(toJid: $to) }`],
    ["clearChat", `mutation { clearAllChats }`],
    ["deleteChat", `mutation($to: ID!) { deleteChat(toJid: $to) }`],
    ["deleteChat", `mutation { deleteAllRecentChats }`],
    ["deleteMessage", `mutation($to: ID!) { deleteMessagesForMe(toJid: $to, messageIds: ["x"]) }`],
    ["deleteMessage", `mutation($to: ID!) { deleteMessagesForEveryone(toJid: $to, messageIds: ["x"]) }`],
  ])("without %s in FEATURES, %s is FEATURE_UNAVAILABLE", async (feature, query) => {
    const others = "groupChat,imageAttachment,audioAttachment,videoAttachment,documentAttachment,mediaMessages,favouriteMessage,clearChat,deleteChat,deleteMessage"
      .split(",")
      .filter((f) => f !== feature);
    const server = await startServer({ FEATURES: others.join(",") });
    const [me, other] = await Promise.all([registerUser(server), registerUser(server)]);
    const vars = query.includes("$to") ? { to: other.jid } : {};
    const error = onlyError(await gql(server, query, vars, { token: me.token }));
    expect(error.extensions).toMatchObject({ code: "FEATURE_UNAVAILABLE", statusCode: 403, feature });
    await server.close();
  });
});
