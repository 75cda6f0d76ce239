// Conversation management on group chats, with participants spread over startServerPair's two
// servers (two processes on PostgreSQL + Redis, one on the embedded default): forward to and from
// groups, favourites, clear and delete chats, delete for me and for everyone, mute, archive.
import { beforeAll, describe, expect, it } from "vitest";
import { gqlAs, ok, onlyError, WsClient } from "./support/clients.js";
import { createGroup, registerUsers, sendText, type TestUser } from "./support/fixtures.js";
import { liveSubscription } from "./support/live.js";
import { startServerPair, type TestServer } from "./support/server.js";

const HISTORY = `query($jid: ID!) { chatMessages(jid: $jid, limit: 100) { messages { id text isForwarded isFavourite isDeletedForEveryone } } }`;
const RECENT = `{ recentChats { jid unreadCount isMuted isArchived lastMessage { id text isDeletedForEveryone } } }`;
const FORWARD = `mutation($to: [ID!]!, $ids: [ID!]!) { forwardMessages(toJids: $to, messageIds: $ids) { id chatType chatJid fromJid toJid text isForwarded } }`;
const FAVOURITE = `mutation($to: ID!, $id: ID!, $f: Boolean!) { updateFavouriteStatus(toJid: $to, messageId: $id, isFavourite: $f) }`;
const DELETE_FOR_EVERYONE = `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForEveryone(toJid: $to, messageIds: $ids) }`;
const DELETE_FOR_ME = `mutation($to: ID!, $ids: [ID!]!) { deleteMessagesForMe(toJid: $to, messageIds: $ids) }`;
const REMOVE = `mutation($g: ID!, $u: ID!) { removeParticipant(groupJid: $g, userJid: $u) { jid } }`;

describe("conversation management in groups", () => {
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    [one, two] = await startServerPair();
  });

  const history = async (server: TestServer, viewer: TestUser, chat: { jid: string }) =>
    (await ok(server, HISTORY, { jid: chat.jid }, { token: viewer.token })).chatMessages.messages as Record<string, any>[];
  const texts = async (server: TestServer, viewer: TestUser, chat: { jid: string }) => (await history(server, viewer, chat)).map((m) => m.text);
  const recent = async (server: TestServer, viewer: TestUser) => (await ok(server, RECENT, {}, { token: viewer.token })).recentChats as Record<string, any>[];
  const recentOf = async (server: TestServer, viewer: TestUser, chat: { jid: string }) => (await recent(server, viewer)).find((r) => r.jid === chat.jid);
  /** A group of the admin and the others, and each user's view of it. */
  const setUp = async <N extends number>(n: N) => {
    const people = await registerUsers(one, n);
    const [admin, ...members] = people as TestUser[];
    const group = await createGroup(one, admin!, members);
    return { people, group };
  };

  describe("forward", () => {
    it("forwards to a group: every participant gets the copies as new group messages", async () => {
      const [me, friend, admin, member] = await registerUsers(one, 4);
      const group = await createGroup(one, admin, [me, member]);
      const original = await sendText(one, friend, me, "pass it on");
      const ws = await WsClient.connect(two, member.token);
      const sub = ws.subscribe(`subscription { messageReceived(afterRowId: "0") { id chatJid fromJid text isForwarded } }`);
      const { forwardMessages } = await ok(two, FORWARD, { to: [group.jid], ids: [original.id] }, { token: me.token });
      expect(forwardMessages).toEqual([
        { id: expect.any(String), chatType: "GROUPCHAT", chatJid: group.jid, fromJid: me.jid, toJid: group.jid, text: "pass it on", isForwarded: true },
      ]);
      const [copy] = forwardMessages;
      expect(copy.id).not.toBe(original.id);
      expect((await sub.waitFor((d) => d.messageReceived.id === copy.id)).messageReceived).toEqual({ id: copy.id, chatJid: group.jid, fromJid: me.jid, text: "pass it on", isForwarded: true });
      for (const [server, user] of [[one, admin], [two, member]] as const) {
        expect(await history(server, user, group)).toEqual([{ id: copy.id, text: "pass it on", isForwarded: true, isFavourite: false, isDeletedForEveryone: false }]);
        expect(await recentOf(server, user, group)).toMatchObject({ unreadCount: 1, lastMessage: { id: copy.id } });
      }
      await ws.close();
    });

    it("forwards from a group to a user and to another group", async () => {
      const [me, admin, friend] = await registerUsers(one, 3);
      const from = await createGroup(one, admin, [me]);
      const to = await createGroup(one, friend, [me]);
      const m1 = await sendText(one, admin, from, "first");
      const m2 = await sendText(two, me, from, "second");
      const { forwardMessages } = await ok(two, FORWARD, { to: [friend.jid, to.jid], ids: [m2.id, m1.id] }, { token: me.token });
      expect(forwardMessages.map((m: Record<string, unknown>) => [m.chatType, m.chatJid, m.text])).toEqual([
        ["CHAT", friend.jid, "first"],
        ["CHAT", friend.jid, "second"],
        ["GROUPCHAT", to.jid, "first"],
        ["GROUPCHAT", to.jid, "second"],
      ]);
      expect(await texts(one, friend, me)).toEqual(["first", "second"]);
      expect(await texts(one, friend, to)).toEqual(["first", "second"]);
    });

    it("a group message the caller cannot see cannot be forwarded, and nothing is written", async () => {
      const [admin, gone, outsider, target] = await registerUsers(one, 4);
      const group = await createGroup(one, admin, [gone]);
      const before = await sendText(one, admin, group, "you saw this");
      await ok(one, REMOVE, { g: group.jid, u: gone.jid }, { token: admin.token });
      const after = await sendText(one, admin, group, "not for you");
      for (const [user, ids] of [
        [outsider, [before.id]],
        [gone, [before.id, after.id]],
      ] as const) {
        const error = onlyError(await gqlAs(two, user, FORWARD, { to: [target.jid], ids }));
        expect(error.extensions).toMatchObject({ code: "NOT_FOUND", field: "messageIds" });
      }
      expect(await texts(one, target, gone)).toEqual([]);
      // What they saw before their removal is still theirs to forward.
      await ok(two, FORWARD, { to: [target.jid], ids: [before.id] }, { token: gone.token });
      expect(await texts(one, target, gone)).toEqual(["you saw this"]);
    });

    it("forwarding to a group one is not in is NOT_FOUND, to one left is FORBIDDEN, and writes nothing anywhere", async () => {
      const [me, admin, friend] = await registerUsers(one, 3);
      const notMine = await createGroup(one, admin, []);
      const left = await createGroup(one, admin, [me]);
      await ok(one, `mutation($g: ID!) { userExitGroup(groupJid: $g) }`, { g: left.jid }, { token: me.token });
      const original = await sendText(one, me, friend, "hello");
      expect(onlyError(await gqlAs(two, me, FORWARD, { to: [friend.jid, notMine.jid], ids: [original.id] })).extensions).toMatchObject({ code: "NOT_FOUND" });
      expect(onlyError(await gqlAs(two, me, FORWARD, { to: [friend.jid, left.jid], ids: [original.id] })).extensions).toMatchObject({ code: "FORBIDDEN" });
      expect(await texts(one, friend, me)).toEqual(["hello"]);
      expect(await texts(one, admin, left)).toEqual([]);
    });
  });

  describe("favourites", () => {
    it("favourites of group messages are per participant, survive clearChat, and go when deleted for everyone", async () => {
      const { people, group } = await setUp(3);
      const [admin, b, c] = people;
      const m1 = await sendText(one, admin, group, "keep me");
      const m2 = await sendText(two, b, group, "me too");
      await ok(two, FAVOURITE, { to: group.jid, id: m1.id, f: true }, { token: b.token });
      await ok(two, FAVOURITE, { to: group.jid, id: m2.id, f: true }, { token: b.token });
      const favourites = async (server: TestServer, user: TestUser) =>
        (await ok(server, `{ favouriteMessages { id chatJid isFavourite } }`, {}, { token: user.token })).favouriteMessages;
      expect(await favourites(two, b)).toEqual([
        { id: m2.id, chatJid: group.jid, isFavourite: true },
        { id: m1.id, chatJid: group.jid, isFavourite: true },
      ]);
      expect(await favourites(one, c)).toEqual([]);
      expect((await history(one, c, group)).map((m) => m.isFavourite)).toEqual([false, false]);
      await ok(two, `mutation($to: ID!) { clearChat(toJid: $to) }`, { to: group.jid }, { token: b.token });
      expect(await texts(two, b, group)).toEqual(["keep me", "me too"]);
      await ok(one, FAVOURITE, { to: group.jid, id: m1.id, f: true }, { token: c.token });
      await ok(one, DELETE_FOR_EVERYONE, { to: group.jid, ids: [m1.id] }, { token: admin.token });
      expect(await favourites(two, b)).toEqual([{ id: m2.id, chatJid: group.jid, isFavourite: true }]);
      expect(await favourites(one, c)).toEqual([]);
      // b cleared the chat: with the favourite gone, so is the message; c sees the tombstone.
      expect(await texts(two, b, group)).toEqual(["me too"]);
      expect(await history(one, c, group)).toContainEqual({ id: m1.id, text: null, isForwarded: false, isFavourite: false, isDeletedForEveryone: true });
      const tombstone = onlyError(await gqlAs(one, c, FAVOURITE, { to: group.jid, id: m1.id, f: true }));
      expect(tombstone.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "messageId" });
    });

    it("a message of another group cannot be a favourite here, nor one of a group one is not in", async () => {
      const [admin, member, outsider] = await registerUsers(one, 3);
      const group = await createGroup(one, admin, [member]);
      const other = await createGroup(one, admin, [member]);
      const message = await sendText(one, admin, other, "elsewhere");
      expect(onlyError(await gqlAs(two, member, FAVOURITE, { to: group.jid, id: message.id, f: true })).extensions).toMatchObject({ code: "NOT_FOUND", field: "messageId" });
      expect(onlyError(await gqlAs(two, outsider, FAVOURITE, { to: other.jid, id: message.id, f: true })).extensions).toMatchObject({ code: "NOT_FOUND" });
    });
  });

  describe("clear and delete chats", () => {
    it("clearChat on a group clears it for the caller only and keeps it in recent chats", async () => {
      const { people, group } = await setUp(2);
      const [admin, member] = people;
      await sendText(one, admin, group, "old 1");
      await sendText(one, admin, group, "old 2");
      expect(await ok(two, `mutation($to: ID!) { clearChat(toJid: $to) }`, { to: group.jid }, { token: member.token })).toEqual({ clearChat: true });
      expect(await texts(two, member, group)).toEqual([]);
      expect(await texts(one, admin, group)).toEqual(["old 1", "old 2"]);
      expect(await recentOf(two, member, group)).toEqual({ jid: group.jid, unreadCount: 0, isMuted: false, isArchived: false, lastMessage: null });
      const fresh = await sendText(one, admin, group, "new");
      expect(await texts(two, member, group)).toEqual(["new"]);
      expect(await recentOf(two, member, group)).toMatchObject({ unreadCount: 1, lastMessage: { id: fresh.id } });
    });

    it("clearChat on a group up to lastMessageId keeps what came after", async () => {
      const { people, group } = await setUp(2);
      const [admin, member] = people;
      await sendText(one, admin, group, "one");
      const second = await sendText(one, admin, group, "two");
      await sendText(one, admin, group, "three");
      await ok(two, `mutation($to: ID!, $id: ID!) { clearChat(toJid: $to, lastMessageId: $id) }`, { to: group.jid, id: second.id }, { token: member.token });
      expect(await texts(two, member, group)).toEqual(["three"]);
      expect((await recentOf(two, member, group))?.unreadCount).toBe(1);
    });

    it("clearing a group chat without messages is fine", async () => {
      const { people, group } = await setUp(2);
      expect(await ok(two, `mutation($to: ID!) { clearChat(toJid: $to) }`, { to: group.jid }, { token: people[1].token })).toEqual({ clearChat: true });
      expect(await texts(two, people[1], group)).toEqual([]);
    });

    it("deleteChat on a group hides it from recent chats until a new message; the caller stays a participant", async () => {
      const { people, group } = await setUp(2);
      const [admin, member] = people;
      await sendText(one, admin, group, "old");
      await ok(two, `mutation($to: ID!) { deleteChat(toJid: $to) }`, { to: group.jid }, { token: member.token });
      expect(await recentOf(two, member, group)).toBeUndefined();
      expect(await texts(two, member, group)).toEqual([]);
      expect((await ok(two, `{ groups { jid } }`, {}, { token: member.token })).groups).toEqual([{ jid: group.jid }]);
      expect(await recentOf(one, admin, group)).toBeDefined();
      const fresh = await sendText(one, admin, group, "new");
      expect(await recentOf(two, member, group)).toEqual({ jid: group.jid, unreadCount: 1, isMuted: false, isArchived: false, lastMessage: { id: fresh.id, text: "new", isDeletedForEveryone: false } });
    });

    it("clearAllChats and deleteAllRecentChats take in group chats, including groups left or deleted", async () => {
      const [me, admin, friend] = await registerUsers(one, 3);
      const active = await createGroup(one, admin, [me]);
      const left = await createGroup(one, admin, [me]);
      const deleted = await createGroup(one, admin, [me]);
      await sendText(one, admin, active, "active");
      await sendText(one, admin, left, "left");
      await sendText(one, admin, deleted, "deleted");
      await sendText(one, friend, me, "direct");
      await ok(two, `mutation($g: ID!) { userExitGroup(groupJid: $g) }`, { g: left.jid }, { token: me.token });
      await ok(one, `mutation($g: ID!) { userDeleteGroup(groupJid: $g) }`, { g: deleted.jid }, { token: admin.token });
      expect(await ok(two, `mutation { clearAllChats }`, {}, { token: me.token })).toEqual({ clearAllChats: true });
      expect(await texts(two, me, deleted)).toEqual([]);
      expect([await texts(two, me, active), await texts(two, me, left), await texts(two, me, friend)]).toEqual([[], [], []]);
      expect(await texts(one, admin, active)).toEqual(["active"]);
      expect(await ok(two, `mutation { deleteAllRecentChats }`, {}, { token: me.token })).toEqual({ deleteAllRecentChats: true });
      expect(await recent(two, me)).toEqual([]);
    });
  });

  describe("delete messages", () => {
    it("deleteMessagesForMe in a group hides messages from the caller only and updates their recent chats", async () => {
      const { people, group } = await setUp(3);
      const [admin, b, c] = people;
      const keep = await sendText(one, admin, group, "keep");
      const drop = await sendText(one, c, group, "drop");
      await ok(two, DELETE_FOR_ME, { to: group.jid, ids: [drop.id] }, { token: b.token });
      expect(await texts(two, b, group)).toEqual(["keep"]);
      expect(await texts(one, admin, group)).toEqual(["keep", "drop"]);
      expect(await texts(one, c, group)).toEqual(["keep", "drop"]);
      expect(await recentOf(two, b, group)).toMatchObject({ unreadCount: 1, lastMessage: { id: keep.id } });
      expect(await ok(two, DELETE_FOR_ME, { to: group.jid, ids: [drop.id] }, { token: b.token })).toEqual({ deleteMessagesForMe: true });
      expect(onlyError(await gqlAs(two, b, `query($id: ID!) { message(id: $id) { id } }`, { id: drop.id })).extensions).toMatchObject({ code: "NOT_FOUND" });
    });

    it("a removed participant may still delete for themself what they saw", async () => {
      const { people, group } = await setUp(2);
      const [admin, gone] = people;
      const seen = await sendText(one, admin, group, "seen");
      await ok(one, REMOVE, { g: group.jid, u: gone.jid }, { token: admin.token });
      const after = await sendText(one, admin, group, "after");
      expect(onlyError(await gqlAs(two, gone, DELETE_FOR_ME, { to: group.jid, ids: [after.id] })).extensions).toMatchObject({ code: "NOT_FOUND", field: "messageIds" });
      await ok(two, DELETE_FOR_ME, { to: group.jid, ids: [seen.id] }, { token: gone.token });
      expect(await texts(two, gone, group)).toEqual([]);
    });

    it("deleteMessagesForEveryone in a group: every participant hears of it and sees a tombstone", async () => {
      const { people, group } = await setUp(3);
      const [admin, b, c] = people;
      const servers = [one, two, one] as const;
      const sockets = await Promise.all(people.map((user, i) => WsClient.connect(servers[i]!, user.token)));
      const deleted = sockets.map((ws) => ws.subscribe(`subscription { messagesDeleted { chatJid messageIds byJid } }`));
      // A later subscription on each socket, live for what the other server publishes, proves the earlier one live too.
      await Promise.all(sockets.map((ws, i) => liveSubscription(ws, people[i]!, servers[i] === one ? two : one)));
      const oops = await sendText(two, b, group, "oops");
      const reply = await sendText(one, c, group, "what?", { replyMessageId: oops.id });
      await ok(two, DELETE_FOR_EVERYONE, { to: group.jid, ids: [oops.id] }, { token: b.token });
      for (const sub of deleted) {
        expect(await sub.waitFor(() => true)).toEqual({ messagesDeleted: { chatJid: group.jid, messageIds: [oops.id], byJid: b.jid } });
      }
      for (const [server, user] of [[one, admin], [two, b], [one, c]] as const) {
        expect((await history(server, user, group))[0]).toEqual({ id: oops.id, text: null, isForwarded: false, isFavourite: false, isDeletedForEveryone: true });
        const { message } = await ok(server, `query($id: ID!) { message(id: $id) { replyTo { id text isDeletedForEveryone } } }`, { id: reply.id }, { token: user.token });
        expect(message.replyTo).toEqual({ id: oops.id, text: null, isDeletedForEveryone: true });
      }
      const last = await sendText(one, admin, group, "last");
      await ok(one, DELETE_FOR_EVERYONE, { to: group.jid, ids: [last.id] }, { token: admin.token });
      for (const [server, user] of [[two, b], [one, c]] as const) {
        expect((await recentOf(server, user, group))?.lastMessage).toEqual({ id: last.id, text: null, isDeletedForEveryone: true });
      }
      expect(await ok(two, DELETE_FOR_EVERYONE, { to: group.jid, ids: [oops.id] }, { token: b.token })).toEqual({ deleteMessagesForEveryone: true });
      await Promise.all(sockets.map((ws) => ws.close()));
    });

    it("deleteMessagesForEveryone in a group: removed and departed participants hear of what they held, a later joiner of nothing from before", async () => {
      const { people, group } = await setUp(4);
      const [admin, stays, gone, left] = people;
      const [late] = await registerUsers(one, 1);
      const before = await sendText(one, admin, group, "before they went");
      await ok(one, REMOVE, { g: group.jid, u: gone.jid }, { token: admin.token });
      await ok(two, `mutation($g: ID!) { userExitGroup(groupJid: $g) }`, { g: group.jid }, { token: left.token });
      await ok(one, `mutation($g: ID!, $u: ID!) { addParticipants(groupJid: $g, participantJids: [$u]) { jid } }`, { g: group.jid, u: late.jid }, { token: admin.token });
      const [after1, after2] = [await sendText(one, admin, group, "after 1"), await sendText(one, admin, group, "after 2")];
      const listeners = await Promise.all(
        ([[two, stays], [two, gone], [one, left], [two, late]] as const).map(async ([server, user]) => {
          const ws = await WsClient.connect(server, user.token);
          const deleted = ws.subscribe(`subscription { messagesDeleted { chatJid messageIds byJid } }`);
          const live = ws.subscribe(`subscription { messageReceived { id } }`);
          // Once a message sent now reaches this socket, its subscriptions are live.
          const marker = await sendText(one, admin, user, "marker");
          await live.waitFor((d) => d.messageReceived.id === marker.id);
          return { ws, deleted };
        }),
      );
      // First only what neither former participant ever had, then what one held together with what they did not.
      await ok(one, DELETE_FOR_EVERYONE, { to: group.jid, ids: [after1.id] }, { token: admin.token });
      await ok(one, DELETE_FOR_EVERYONE, { to: group.jid, ids: [before.id, after2.id] }, { token: admin.token });
      const expected = [
        [[after1.id], [before.id, after2.id]],
        [[before.id]],
        [[before.id]],
        [[after1.id], [after2.id]],
      ];
      for (const [i, { deleted }] of listeners.entries()) {
        const last = expected[i]!.at(-1)!;
        await deleted.waitFor((d) => JSON.stringify(d.messagesDeleted.messageIds) === JSON.stringify(last));
        expect(deleted.received.map((e) => e.data)).toEqual(expected[i]!.map((messageIds) => ({ messagesDeleted: { chatJid: group.jid, messageIds, byJid: admin.jid } })));
      }
      expect(await history(two, gone, group)).toEqual([{ id: before.id, text: null, isForwarded: false, isFavourite: false, isDeletedForEveryone: true }]);
      await Promise.all(listeners.map(({ ws }) => ws.close()));
    });

    it("a former participant cannot delete their own group message for everyone any more", async () => {
      const { people, group } = await setUp(2);
      const [admin, gone] = people;
      const mine = await sendText(two, gone, group, "said while in");
      await ok(one, REMOVE, { g: group.jid, u: gone.jid }, { token: admin.token });
      const error = onlyError(await gqlAs(two, gone, DELETE_FOR_EVERYONE, { to: group.jid, ids: [mine.id] }));
      expect(error.extensions).toMatchObject({ code: "FORBIDDEN", statusCode: 403 });
      expect(await history(one, admin, group)).toEqual([{ id: mine.id, text: "said while in", isForwarded: false, isFavourite: false, isDeletedForEveryone: false }]);
    });

    it("a participant, admin or not, cannot delete someone else's group message for everyone", async () => {
      const { people, group } = await setUp(3);
      const [admin, b, c] = people;
      const theirs = await sendText(one, c, group, "mine, not yours");
      for (const [server, user] of [[one, admin], [two, b]] as const) {
        const error = onlyError(await gqlAs(server, user, DELETE_FOR_EVERYONE, { to: group.jid, ids: [theirs.id] }));
        expect(error.extensions).toMatchObject({ code: "FORBIDDEN", statusCode: 403 });
      }
      expect(await texts(two, b, group)).toEqual(["mine, not yours"]);
    });
  });

  describe("mute and archive", () => {
    it("a muted group still delivers, and the event says it is muted for the one who muted it only", async () => {
      const { people, group } = await setUp(3);
      const [admin, quiet, loud] = people;
      await ok(two, `mutation($to: ID!) { muteChat(toJid: $to, isMuted: true) }`, { to: group.jid }, { token: quiet.token });
      const sockets = await Promise.all([WsClient.connect(two, quiet.token), WsClient.connect(one, loud.token)]);
      const [quietSub, loudSub] = sockets.map((ws) => ws.subscribe(`subscription { messageReceived(afterRowId: "0") { text isMuted } }`));
      await sendText(one, admin, group, "psst");
      expect(await quietSub!.waitFor((d) => d.messageReceived.text === "psst")).toEqual({ messageReceived: { text: "psst", isMuted: true } });
      expect(await loudSub!.waitFor((d) => d.messageReceived.text === "psst")).toEqual({ messageReceived: { text: "psst", isMuted: false } });
      expect((await recentOf(two, quiet, group))?.isMuted).toBe(true);
      expect((await recentOf(one, loud, group))?.isMuted).toBe(false);
      await ok(two, `mutation($to: ID!) { muteChat(toJid: $to, isMuted: false) }`, { to: group.jid }, { token: quiet.token });
      expect((await recentOf(two, quiet, group))?.isMuted).toBe(false);
      await Promise.all(sockets.map((ws) => ws.close()));
    });

    it("an archived group moves to archivedChats, stays there on new messages, and comes back when unarchived", async () => {
      const { people, group } = await setUp(2);
      const [admin, member] = people;
      await sendText(one, admin, group, "hi");
      await ok(two, `mutation($to: ID!) { archiveChat(toJid: $to, isArchived: true) }`, { to: group.jid }, { token: member.token });
      const lists = () => ok(two, `{ recentChats { jid } archivedChats { jid isArchived unreadCount } }`, {}, { token: member.token });
      expect(await lists()).toEqual({ recentChats: [], archivedChats: [{ jid: group.jid, isArchived: true, unreadCount: 1 }] });
      await sendText(one, admin, group, "still archived");
      expect(await lists()).toEqual({ recentChats: [], archivedChats: [{ jid: group.jid, isArchived: true, unreadCount: 2 }] });
      expect((await recentOf(one, admin, group))?.isArchived).toBe(false);
      await ok(two, `mutation($to: ID!) { archiveChat(toJid: $to, isArchived: false) }`, { to: group.jid }, { token: member.token });
      expect(await lists()).toEqual({ recentChats: [{ jid: group.jid }], archivedChats: [] });
    });
  });
});
