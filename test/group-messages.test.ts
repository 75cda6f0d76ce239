// Group messages through the client's door, with participants spread over startServerPair's two
// servers (two processes on PostgreSQL + Redis, one on the embedded default): live delivery,
// mentions and replies, receipts and groupMessageInfo, recent chats and unread counts, history,
// typing, and the groupChat plan switch.
import { beforeAll, describe, expect, it } from "vitest";
import { gql, gqlAs, ok, onlyError, WsClient } from "./support/clients.js";
import { createGroup, registerUsers, sendText, type TestGroup, type TestUser } from "./support/fixtures.js";
import { liveSubscription } from "./support/live.js";
import { png } from "./support/media-files.js";
import { startServer, startServerPair, type TestServer } from "./support/server.js";
import { upload } from "./support/uploads.js";

/** From the start of history: what was sent before the subscription arrives too, by replay. */
const RECEIVED = `subscription { messageReceived(afterRowId: "0") { id chatType chatJid fromJid toJid text mentionedUserJids status } }`;
/** Live only: what arrives was published after the subscription began. */
const LIVE = `subscription { messageReceived { id chatType chatJid fromJid toJid text mentionedUserJids status } }`;
const RECEIPTS = `subscription { messageStatusUpdated { messageId chatJid userJid status } }`;
const INFO = `query($g: ID!, $m: ID!) { groupMessageInfo(groupJid: $g, messageId: $m) {
  messageId participantCount deliveredCount seenCount receipts { messageId chatJid userJid status at } } }`;
const SEEN = `mutation($to: ID!, $id: ID!) { sendSeenStatus(toJid: $to, messageId: $id) }`;
const STATUS = `query($id: ID!) { message(id: $id) { status } }`;
const HISTORY = `query($jid: ID!, $last: ID, $limit: Int) { chatMessages(jid: $jid, lastRowId: $last, limit: $limit) { messages { id text fromJid } hasMore } }`;
const RECENT = `{ recentChats { jid chatType unreadCount lastMessage { id text } profile { jid } group { jid name myRole } } }`;
const TYPING = `subscription($jid: ID) { typingStatus(jid: $jid) { chatJid fromJid state } }`;

type Received = { messageReceived: Record<string, any> & { id: string } };

describe("group messages", () => {
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    [one, two] = await startServerPair();
  });

  /** Replays from the start, then live: for tests about what a message becomes once received. */
  const listen = async (server: TestServer, user: TestUser) => {
    const ws = await WsClient.connect(server, user.token);
    return { ws, sub: ws.subscribe<Received>(RECEIVED) };
  };
  const statusOf = async (server: TestServer, user: TestUser, id: string) => (await ok(server, STATUS, { id }, { token: user.token })).message.status;
  const infoOf = async (server: TestServer, user: TestUser, group: TestGroup, id: string) =>
    (await ok(server, INFO, { g: group.jid, m: id }, { token: user.token })).groupMessageInfo;

  describe("sending", () => {
    it("a group message reaches every participant's live subscription as the group's, and no outsider's", async () => {
      const [admin, b, c, outsider] = await registerUsers(one, 4);
      const group = await createGroup(one, admin, [b, c]);
      // Each subscription proven live for what the server sending the message publishes.
      const live = async (server: TestServer, user: TestUser) => {
        const ws = await WsClient.connect(server, user.token);
        return { ws, ...(await liveSubscription<Received>(ws, user, two, { query: LIVE })) };
      };
      const listeners = await Promise.all([live(one, admin), live(two, b), live(one, c), live(two, outsider)]);
      const sent = await sendText(two, admin, group, "hello group");
      expect(sent).toMatchObject({ chatType: "GROUPCHAT", chatJid: group.jid, fromJid: admin.jid, toJid: group.jid, text: "hello group", status: "SENT" });
      const expected = { id: sent.id, chatType: "GROUPCHAT", chatJid: group.jid, fromJid: admin.jid, toJid: group.jid, text: "hello group", mentionedUserJids: [] };
      expect((await listeners[0]!.sub.waitFor((d) => d.messageReceived.id === sent.id)).messageReceived).toEqual({ ...expected, status: "SENT" });
      for (const { sub } of listeners.slice(1, 3)) {
        expect((await sub.waitFor((d) => d.messageReceived.id === sent.id)).messageReceived).toEqual({ ...expected, status: "DELIVERED" });
      }
      // The outsider's subscription got nothing of it: a message to them afterwards is the first thing it has after its probes.
      const marker = await sendText(two, admin, outsider, "marker");
      const outsiderSub = listeners[3]!;
      await outsiderSub.sub.waitFor((d) => d.messageReceived.id === marker.id);
      expect(outsiderSub.sub.received.map((e) => e.data?.messageReceived.id).filter((id) => !outsiderSub.probeIds.has(id!))).toEqual([marker.id]);
      await Promise.all(listeners.map((l) => l.ws.close()));
    });

    it("a participant's subscription replays the group's messages after afterRowId", async () => {
      const [admin, member] = await registerUsers(one, 2);
      const group = await createGroup(one, admin, [member]);
      const first = await sendText(one, admin, group, "first");
      const second = await sendText(one, admin, group, "second");
      const ws = await WsClient.connect(two, member.token);
      const sub = ws.subscribe<Received>(`subscription($after: ID) { messageReceived(afterRowId: $after) { id chatJid } }`, { after: first.rowId });
      expect(await sub.waitFor((d) => d.messageReceived.id === second.id)).toEqual({ messageReceived: { id: second.id, chatJid: group.jid } });
      expect(sub.received).toHaveLength(1);
      await ws.close();
    });

    it("mentions name participants; anyone else is BAD_USER_INPUT naming the jid", async () => {
      const [admin, member, gone, outsider] = await registerUsers(one, 4);
      const group = await createGroup(one, admin, [member, gone]);
      await ok(one, `mutation($g: ID!, $u: ID!) { removeParticipant(groupJid: $g, userJid: $u) { jid } }`, { g: group.jid, u: gone.jid }, { token: admin.token });
      const mentioned = await sendText(two, member, group, "@all", { mentionedUserJids: [admin.jid, member.jid, admin.jid] });
      expect(mentioned.mentionedUserJids).toEqual([admin.jid, member.jid]);
      for (const jid of [outsider.jid, gone.jid]) {
        const error = onlyError(await gqlAs(two, member, `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { id } }`, {
          input: { toJid: group.jid, messageText: "@you", mentionedUserJids: [jid] },
        }));
        expect(error).toMatchObject({ message: `input.mentionedUserJids: ${jid} is not a member of this chat`, extensions: { code: "BAD_USER_INPUT", field: "input.mentionedUserJids" } });
      }
    });

    it("a reply in a group carries the replied-to message; a message of another chat cannot be replied to there", async () => {
      const [admin, member] = await registerUsers(one, 2);
      const group = await createGroup(one, admin, [member]);
      const other = await createGroup(one, admin, [member]);
      const question = await sendText(one, admin, group, "question?");
      const reply = await sendText(two, member, group, "answer", { replyMessageId: question.id });
      expect(reply.replyTo).toEqual({ id: question.id, text: "question?" });
      const error = onlyError(await gqlAs(two, member, `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { id } }`, {
        input: { toJid: other.jid, messageText: "wrong chat", replyMessageId: question.id },
      }));
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.replyMessageId" });
    });
  });

  describe("receipts", () => {
    it("the sender sees DELIVERED, then SEEN, only when every recipient reached it, and hears of each once", async () => {
      const [admin, b, c] = await registerUsers(one, 3);
      const group = await createGroup(one, admin, [b, c]);
      const adminWs = await WsClient.connect(one, admin.token);
      const receipts = adminWs.subscribe(RECEIPTS);
      const message = await sendText(one, admin, group, "did you get it?");
      expect(await infoOf(one, admin, group, message.id)).toEqual({
        messageId: message.id,
        participantCount: 2,
        deliveredCount: 0,
        seenCount: 0,
        receipts: expect.arrayContaining([b, c].map((u) => ({ messageId: message.id, chatJid: group.jid, userJid: u.jid, status: "SENT", at: expect.any(String) }))),
      });

      // b receives it: delivered for b, but not yet for everyone.
      const bListen = await listen(two, b);
      await bListen.sub.waitFor((d) => d.messageReceived.id === message.id);
      await expect.poll(async () => (await infoOf(two, b, group, message.id)).deliveredCount).toBe(1);
      expect(await statusOf(one, admin, message.id)).toBe("SENT");
      expect(await statusOf(two, b, message.id)).toBe("DELIVERED");

      // c receives it: now it is DELIVERED for the sender, who is told once.
      const cListen = await listen(one, c);
      await cListen.sub.waitFor((d) => d.messageReceived.id === message.id);
      const delivered = await receipts.waitFor((d) => d.messageStatusUpdated.messageId === message.id);
      expect(delivered.messageStatusUpdated).toEqual({ messageId: message.id, chatJid: group.jid, userJid: expect.stringMatching(/@localhost$/), status: "DELIVERED" });
      expect(await statusOf(one, admin, message.id)).toBe("DELIVERED");

      // b has seen it: SEEN for b, still DELIVERED for the sender.
      expect(await ok(two, SEEN, { to: group.jid, id: message.id }, { token: b.token })).toEqual({ sendSeenStatus: true });
      expect(await statusOf(two, b, message.id)).toBe("SEEN");
      expect(await statusOf(one, admin, message.id)).toBe("DELIVERED");
      expect(await infoOf(one, admin, group, message.id)).toMatchObject({ deliveredCount: 2, seenCount: 1 });
      // c too: SEEN for the sender, told once.
      await ok(one, SEEN, { to: group.jid, id: message.id }, { token: c.token });
      await receipts.waitFor((d) => d.messageStatusUpdated.messageId === message.id && d.messageStatusUpdated.status === "SEEN");
      expect(await statusOf(one, admin, message.id)).toBe("SEEN");
      const info = await infoOf(one, admin, group, message.id);
      expect(info).toMatchObject({ participantCount: 2, deliveredCount: 2, seenCount: 2 });
      expect(info.receipts.map((r: { userJid: string; status: string }) => [r.userJid, r.status]).sort()).toEqual([[b.jid, "SEEN"], [c.jid, "SEEN"]].sort());

      // A marker: every receipt for the message was published before this one's.
      const marker = await sendText(one, admin, b, "marker");
      await ok(two, SEEN, { to: admin.jid, id: marker.id }, { token: b.token });
      await receipts.waitFor((d) => d.messageStatusUpdated.messageId === marker.id && d.messageStatusUpdated.status === "SEEN");
      const forMessage = receipts.received.filter((e) => e.data?.messageStatusUpdated.messageId === message.id).map((e) => e.data?.messageStatusUpdated.status);
      expect(forMessage).toEqual(["DELIVERED", "SEEN"]);
      await Promise.all([adminWs.close(), bListen.ws.close(), cListen.ws.close()]);
    });

    it("recipients who see a message without ever receiving it live still complete its delivery: the sender hears DELIVERED, then SEEN", async () => {
      const [admin, b, c] = await registerUsers(one, 3);
      const group = await createGroup(one, admin, [b, c]);
      const adminWs = await WsClient.connect(one, admin.token);
      const receipts = adminWs.subscribe<{ messageStatusUpdated: Record<string, string> }>(RECEIPTS);
      // The receipts subscription is live once a receipt sent after it arrives.
      const ready = await sendText(one, admin, b, "ready?");
      await expect.poll(async () => {
        await ok(two, SEEN, { to: admin.jid, id: ready.id }, { token: b.token });
        return receipts.received.length > 0;
      }).toBe(true);
      const message = await sendText(one, admin, group, "read it in the history");
      // Neither b nor c has a messageReceived subscription: they read history and mark it seen.
      await ok(two, SEEN, { to: group.jid, id: message.id }, { token: b.token });
      expect(await statusOf(one, admin, message.id)).toBe("SENT");
      await ok(one, SEEN, { to: group.jid, id: message.id }, { token: c.token });
      await receipts.waitFor((d) => d.messageStatusUpdated.messageId === message.id && d.messageStatusUpdated.status === "SEEN");
      const statuses = receipts.received.filter((e) => e.data?.messageStatusUpdated.messageId === message.id).map((e) => e.data?.messageStatusUpdated.status);
      expect(statuses).toEqual(["DELIVERED", "SEEN"]);
      expect(await infoOf(one, admin, group, message.id)).toMatchObject({ deliveredCount: 2, seenCount: 2 });
      await adminWs.close();
    });

    it("recipients completing a message together: its sender hears DELIVERED once and SEEN once", async () => {
      const [admin, ...recipients] = await registerUsers(one, 9);
      const group = await createGroup(one, admin, recipients);
      // Half of the recipients on each server: where there are two processes, both complete it at once.
      const serverOf = (i: number) => (i % 2 === 0 ? one : two);
      const adminWs = await WsClient.connect(one, admin.token);
      const receipts = adminWs.subscribe<{ messageStatusUpdated: Record<string, string> }>(RECEIPTS);
      // Once a receipt made now reaches the sender, the subscription is live.
      const ready = await sendText(one, admin, recipients[0]!, "ready?");
      await ok(one, SEEN, { to: admin.jid, id: ready.id }, { token: recipients[0]!.token });
      await receipts.waitFor((d) => d.messageStatusUpdated.messageId === ready.id);
      const messages: Record<string, any>[] = [];
      for (let i = 0; i < 5; i++) messages.push(await sendText(one, admin, group, `news ${i}`));
      const last = messages.at(-1)!;
      const listeners = await Promise.all(recipients.map((user, i) => listen(serverOf(i), user)));
      await Promise.all(listeners.map(({ sub }) => sub.waitFor((d) => d.messageReceived.id === last.id)));
      const heard = (id: string, status: string) => receipts.waitFor((d) => d.messageStatusUpdated.messageId === id && d.messageStatusUpdated.status === status);
      await Promise.all(messages.map((m) => heard(m.id, "DELIVERED")));
      await Promise.all(recipients.map((user, i) => ok(serverOf(i), SEEN, { to: group.jid, id: last.id }, { token: user.token })));
      await Promise.all(messages.map((m) => heard(m.id, "SEEN")));
      // Markers: a delivery on each server, published after any receipt that server announced before.
      for (const [i, user] of recipients.slice(0, 2).entries()) {
        const marker = await sendText(one, admin, user, "marker");
        await listeners[i]!.sub.waitFor((d) => d.messageReceived.id === marker.id);
        await heard(marker.id, "DELIVERED");
      }
      for (const m of messages) {
        const statuses = receipts.received.filter((e) => e.data?.messageStatusUpdated.messageId === m.id).map((e) => e.data?.messageStatusUpdated.status);
        expect(statuses, m.text).toEqual(["DELIVERED", "SEEN"]);
        expect(await statusOf(one, admin, m.id)).toBe("SEEN");
      }
      await Promise.all([adminWs.close(), ...listeners.map(({ ws }) => ws.close())]);
    });

    it("seen without a live delivery counts as delivered too", async () => {
      const [admin, member] = await registerUsers(one, 2);
      const group = await createGroup(one, admin, [member]);
      const message = await sendText(one, admin, group, "read it later");
      await ok(two, SEEN, { to: group.jid, id: message.id }, { token: member.token });
      expect(await infoOf(two, member, group, message.id)).toMatchObject({ participantCount: 1, deliveredCount: 1, seenCount: 1 });
      expect(await statusOf(one, admin, message.id)).toBe("SEEN");
    });

    it("groupMessageInfo counts the participants of when the message was sent", async () => {
      const [admin, b, c, late] = await registerUsers(one, 4);
      const group = await createGroup(one, admin, [b, c]);
      const message = await sendText(one, admin, group, "before the changes");
      await ok(one, `mutation($g: ID!, $j: [ID!]!) { addParticipants(groupJid: $g, participantJids: $j) { jid } }`, { g: group.jid, j: [late.jid] }, { token: admin.token });
      await ok(one, `mutation($g: ID!) { userExitGroup(groupJid: $g) }`, { g: group.jid }, { token: c.token });
      const info = await infoOf(two, b, group, message.id);
      expect(info.participantCount).toBe(2);
      expect(info.receipts.map((r: { userJid: string }) => r.userJid).sort()).toEqual([b.jid, c.jid].sort());
      // The newcomer never saw the message, so cannot ask about it.
      expect(onlyError(await gqlAs(two, late, INFO, { g: group.jid, m: message.id })).extensions).toMatchObject({ code: "NOT_FOUND", field: "messageId" });
    });

    it("groupMessageInfo refuses a one-to-one jid and a message of another chat", async () => {
      const [admin, member] = await registerUsers(one, 2);
      const group = await createGroup(one, admin, [member]);
      const direct = await sendText(one, admin, member, "direct");
      expect(onlyError(await gqlAs(one, admin, INFO, { g: member.jid, m: direct.id })).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "groupJid" });
      expect(onlyError(await gqlAs(one, admin, INFO, { g: group.jid, m: direct.id })).extensions).toMatchObject({ code: "NOT_FOUND", field: "messageId" });
    });

    it("sendSeenStatus with a message of another chat is NOT_FOUND", async () => {
      const [admin, member] = await registerUsers(one, 2);
      const group = await createGroup(one, admin, [member]);
      const direct = await sendText(one, admin, member, "direct");
      expect(onlyError(await gqlAs(two, member, SEEN, { to: group.jid, id: direct.id })).extensions).toMatchObject({ code: "NOT_FOUND" });
    });
  });

  describe("recent chats, unread counts and history", () => {
    it("each participant has the group in recent chats with their own unread count", async () => {
      const [admin, b, c] = await registerUsers(one, 3);
      const group = await createGroup(one, admin, [b, c], { name: "Recent" });
      const recent = async (server: TestServer, user: TestUser) => (await ok(server, RECENT, {}, { token: user.token })).recentChats;
      // Listed from the moment one joins, before any message.
      expect(await recent(two, b)).toEqual([
        { jid: group.jid, chatType: "GROUPCHAT", unreadCount: 0, lastMessage: null, profile: null, group: { jid: group.jid, name: "Recent", myRole: "MEMBER" } },
      ]);
      const m1 = await sendText(one, admin, group, "one");
      await sendText(two, b, group, "two");
      const m3 = await sendText(one, admin, group, "three");
      const row = (unreadCount: number, myRole: string) => ({
        jid: group.jid,
        chatType: "GROUPCHAT",
        unreadCount,
        lastMessage: { id: m3.id, text: "three" },
        profile: null,
        group: { jid: group.jid, name: "Recent", myRole },
      });
      expect(await recent(one, admin)).toEqual([row(1, "ADMIN")]);
      expect(await recent(two, b)).toEqual([row(2, "MEMBER")]);
      expect(await recent(one, c)).toEqual([row(3, "MEMBER")]);
      await ok(one, SEEN, { to: group.jid, id: m1.id }, { token: c.token });
      expect(await recent(one, c)).toEqual([row(2, "MEMBER")]);
      await ok(one, SEEN, { to: group.jid, id: m3.id }, { token: c.token });
      expect(await recent(one, c)).toEqual([row(0, "MEMBER")]);
    });

    it("a new group message moves the group above older chats", async () => {
      const [admin, member, friend] = await registerUsers(one, 3);
      const group = await createGroup(one, admin, [member]);
      await sendText(one, admin, group, "group first");
      await sendText(one, friend, member, "then a friend");
      const order = async () => (await ok(two, `{ recentChats { jid } }`, {}, { token: member.token })).recentChats.map((r: { jid: string }) => r.jid);
      expect(await order()).toEqual([friend.jid, group.jid]);
      await sendText(one, admin, group, "group again");
      expect(await order()).toEqual([group.jid, friend.jid]);
    });

    it("a removed participant keeps the group in recent chats as it was at their removal", async () => {
      const [admin, gone] = await registerUsers(one, 2);
      const group = await createGroup(one, admin, [gone]);
      const last = await sendText(one, admin, group, "last you saw");
      await ok(one, `mutation($g: ID!, $u: ID!) { removeParticipant(groupJid: $g, userJid: $u) { jid } }`, { g: group.jid, u: gone.jid }, { token: admin.token });
      await sendText(one, admin, group, "after you left");
      expect((await ok(two, RECENT, {}, { token: gone.token })).recentChats).toEqual([
        { jid: group.jid, chatType: "GROUPCHAT", unreadCount: 1, lastMessage: { id: last.id, text: "last you saw" }, profile: null, group: null },
      ]);
    });

    it("every participant pages through the same history", async () => {
      const [admin, b, c] = await registerUsers(one, 3);
      const group = await createGroup(one, admin, [b, c]);
      const sent: Record<string, any>[] = [];
      for (let i = 0; i < 5; i += 1) sent.push(await sendText(i % 2 ? two : one, [admin, b, c][i % 3]!, group, `m${i}`));
      const page = async (server: TestServer, user: TestUser, variables: Record<string, unknown>) =>
        (await ok(server, HISTORY, { jid: group.jid, ...variables }, { token: user.token })).chatMessages;
      const newest = await page(one, admin, { limit: 3 });
      expect(newest).toEqual({ messages: sent.slice(2).map((m) => ({ id: m.id, text: m.text, fromJid: m.fromJid })), hasMore: true });
      expect(await page(two, b, { limit: 3 })).toEqual(newest);
      expect(await page(one, c, { limit: 3, last: sent[2]!.rowId })).toEqual({ messages: sent.slice(0, 2).map((m) => ({ id: m.id, text: m.text, fromJid: m.fromJid })), hasMore: false });
    });
  });

  describe("typing", () => {
    it("typing in a group reaches the other participants under the group's jid", async () => {
      const [admin, b, c] = await registerUsers(one, 3);
      const group = await createGroup(one, admin, [b, c]);
      const sockets = await Promise.all([WsClient.connect(two, b.token), WsClient.connect(one, c.token), WsClient.connect(one, admin.token)]);
      const [bTyping, cTyping, adminTyping] = sockets.map((ws) => ws.subscribe(TYPING, { jid: group.jid }));
      // Typing is never stored, so nothing replays it: retry until the subscriptions are live.
      await expect
        .poll(async () => {
          await ok(one, `mutation($to: ID!) { sendTypingStatus(toJid: $to) }`, { to: group.jid }, { token: admin.token });
          return bTyping!.received.length > 0 && cTyping!.received.length > 0;
        })
        .toBe(true);
      for (const sub of [bTyping!, cTyping!]) expect(sub.received[0]?.data).toEqual({ typingStatus: { chatJid: group.jid, fromJid: admin.jid, state: "COMPOSING" } });
      await ok(two, `mutation($to: ID!) { sendTypingGoneStatus(toJid: $to) }`, { to: group.jid }, { token: b.token });
      await adminTyping!.waitFor((d) => d.typingStatus.fromJid === b.jid && d.typingStatus.state === "GONE");
      await cTyping!.waitFor((d) => d.typingStatus.fromJid === b.jid && d.typingStatus.state === "GONE");
      // Nobody hears their own typing.
      expect(adminTyping!.received.every((e) => e.data?.typingStatus.fromJid !== admin.jid)).toBe(true);
      expect(bTyping!.received.every((e) => e.data?.typingStatus.fromJid !== b.jid)).toBe(true);
      await Promise.all(sockets.map((ws) => ws.close()));
    });

    it("a removed participant hears no more typing in the group", async () => {
      const [admin, gone, friend] = await registerUsers(one, 3);
      const group = await createGroup(one, admin, [gone]);
      await ok(one, `mutation($g: ID!, $u: ID!) { removeParticipant(groupJid: $g, userJid: $u) { jid } }`, { g: group.jid, u: gone.jid }, { token: admin.token });
      const ws = await WsClient.connect(two, gone.token);
      const typing = ws.subscribe(TYPING);
      // Once a friend's typing reaches the subscription, it is live; the admin typed before that.
      await expect
        .poll(async () => {
          await ok(one, `mutation($to: ID!) { sendTypingStatus(toJid: $to) }`, { to: group.jid }, { token: admin.token });
          await ok(one, `mutation($to: ID!) { sendTypingStatus(toJid: $to) }`, { to: gone.jid }, { token: friend.token });
          return typing.received.length > 0;
        })
        .toBe(true);
      expect(typing.received.map((e) => e.data?.typingStatus.chatJid)).not.toContain(group.jid);
      await ws.close();
    });
  });
});

describe("groupChat switched off in FEATURES", () => {
  const ALL = "groupChat,imageAttachment,audioAttachment,videoAttachment,documentAttachment,mediaMessages,favouriteMessage,clearChat,deleteChat,deleteMessage";
  let server: TestServer;
  let admin: TestUser;
  let member: TestUser;
  /** Shares only the group with the others. */
  let groupOnly: TestUser;
  let group: TestGroup;
  let message: Record<string, any>;
  let direct: Record<string, any>;
  let image: { fileToken: string };
  beforeAll(async () => {
    // The plan changes under existing groups: made on a full server, then used on one without groupChat.
    const full = await startServer();
    [admin, member, groupOnly] = await registerUsers(full, 3);
    group = await createGroup(full, admin, [member, groupOnly]);
    message = await sendText(full, admin, group, "before the plan changed");
    direct = await sendText(full, admin, member, "one-to-one");
    image = await upload(full, admin, await png(), "group.png");
    await ok(full, `mutation($g: ID!, $t: String!) { sendImageMessage(input: { toJid: $g, fileToken: $t }) { id } }`, { g: group.jid, t: image.fileToken }, { token: admin.token });
    for (const id of [message.id, direct.id]) {
      await ok(full, `mutation($to: ID!, $m: ID!) { updateFavouriteStatus(toJid: $to, messageId: $m, isFavourite: true) }`, { to: id === direct.id ? admin.jid : group.jid, m: id }, { token: member.token });
    }
    await full.close();
    server = await startServer({ FEATURES: ALL.split(",").filter((f) => f !== "groupChat").join(","), DATA_DIR: full.dataDir });
  });

  it.each([
    ["createGroup", `mutation($u: ID!) { createGroup(name: "G", participantJids: [$u]) { jid } }`],
    ["groups", `{ groups { jid } }`],
    ["group", `query($g: ID!) { group(jid: $g) { jid } }`],
    ["groupParticipants", `query($g: ID!) { groupParticipants(jid: $g) { role } }`],
    ["groupMessageInfo", `query($g: ID!, $m: ID!) { groupMessageInfo(groupJid: $g, messageId: $m) { seenCount } }`],
    ["setGroupProfile", `mutation($g: ID!) { setGroupProfile(groupJid: $g, name: "x") { jid } }`],
    ["addParticipants", `mutation($g: ID!, $u: ID!) { addParticipants(groupJid: $g, participantJids: [$u]) { jid } }`],
    ["removeParticipant", `mutation($g: ID!, $u: ID!) { removeParticipant(groupJid: $g, userJid: $u) { jid } }`],
    ["makeAsAdmin", `mutation($g: ID!, $u: ID!) { makeAsAdmin(groupJid: $g, userJid: $u) { jid } }`],
    ["userExitGroup", `mutation($g: ID!) { userExitGroup(groupJid: $g) }`],
    ["userDeleteGroup", `mutation($g: ID!) { userDeleteGroup(groupJid: $g) }`],
    ["sendTextMessage to a group", `mutation($g: ID!) { sendTextMessage(input: { toJid: $g, messageText: "hi" }) { id } }`],
    ["chatMessages of a group", `query($g: ID!) { chatMessages(jid: $g) { hasMore } }`],
    ["sendSeenStatus in a group", `mutation($g: ID!, $m: ID!) { sendSeenStatus(toJid: $g, messageId: $m) }`],
    ["sendTypingStatus to a group", `mutation($g: ID!) { sendTypingStatus(toJid: $g) }`],
    ["forwardMessages to a group", `mutation($g: ID!, $m: ID!) { forwardMessages(toJids: [$g], messageIds: [$m]) { id } }`],
    ["muteChat of a group", `mutation($g: ID!) { muteChat(toJid: $g, isMuted: true) }`],
    ["archiveChat of a group", `mutation($g: ID!) { archiveChat(toJid: $g, isArchived: true) }`],
    ["clearChat of a group", `mutation($g: ID!) { clearChat(toJid: $g) }`],
    ["deleteChat of a group", `mutation($g: ID!) { deleteChat(toJid: $g) }`],
    ["updateFavouriteStatus in a group", `mutation($g: ID!, $m: ID!) { updateFavouriteStatus(toJid: $g, messageId: $m, isFavourite: true) }`],
    ["deleteMessagesForMe in a group", `mutation($g: ID!, $m: ID!) { deleteMessagesForMe(toJid: $g, messageIds: [$m]) }`],
    ["deleteMessagesForEveryone in a group", `mutation($g: ID!, $m: ID!) { deleteMessagesForEveryone(toJid: $g, messageIds: [$m]) }`],
    ["message of a group message", `query($m: ID!) { message(id: $m) { id text } }`],
    ["forwardMessages from a group", `mutation($u: ID!, $m: ID!) { forwardMessages(toJids: [$u], messageIds: [$m]) { id } }`],
  ])("%s is FEATURE_UNAVAILABLE (403)", async (_, query) => {
    const variables = Object.fromEntries(
      (
        [
          ["$g", "g", group.jid],
          ["$u", "u", member.jid],
          ["$m", "m", message.id],
        ] as const
      )
        .filter(([name]) => query.includes(name))
        .map(([, key, value]) => [key, value]),
    );
    const error = onlyError(await gql(server, query, variables, { token: admin.token }));
    expect(error.extensions).toMatchObject({ code: "FEATURE_UNAVAILABLE", statusCode: 403, feature: "groupChat" });
  });

  it("downloadMedia of a file seen only in a group message is FEATURE_UNAVAILABLE (403); its uploader still gets it", async () => {
    const query = `query($t: String!) { downloadMedia(fileToken: $t) { url } }`;
    const error = onlyError(await gql(server, query, { t: image.fileToken }, { token: member.token }));
    expect(error.extensions).toMatchObject({ code: "FEATURE_UNAVAILABLE", statusCode: 403, feature: "groupChat" });
    expect((await ok(server, query, { t: image.fileToken }, { token: admin.token })).downloadMedia.url).toEqual(expect.any(String));
  });

  it("favouriteMessages and the messageReceived replay leave group messages out", async () => {
    expect((await ok(server, `{ favouriteMessages { id } }`, {}, { token: member.token })).favouriteMessages).toEqual([{ id: direct.id }]);
    const ws = await WsClient.connect(server, member.token);
    const sub = ws.subscribe<Received>(`subscription { messageReceived(afterRowId: "0") { id chatType } }`);
    const marker = await sendText(server, admin, member, "marker");
    await sub.waitFor((d) => d.messageReceived.id === marker.id);
    expect(sub.received.map((e) => e.data?.messageReceived.id)).toEqual([direct.id, marker.id]);
    await ws.close();
  });

  it("the groupUpdated subscription is FEATURE_UNAVAILABLE", async () => {
    const ws = await WsClient.connect(server, admin.token);
    // The subscription ends at once with the error as its only result.
    const result = await ws.execute(`subscription { groupUpdated { type } }`);
    expect(result.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "FEATURE_UNAVAILABLE", statusCode: 403, feature: "groupChat" }) })]);
    await ws.close();
  });

  it("one-to-one messaging still works", async () => {
    const sent = await sendText(server, member, admin, "still here");
    expect(sent.chatType).toBe("CHAT");
  });

  it("sharing a group makes nobody a contact: profiles lists and tells only those who share a one-to-one chat", async () => {
    const PROFILES = `{ profiles(sort: RECENT) { jid } }`;
    expect((await ok(server, PROFILES, {}, { token: admin.token })).profiles).toEqual([{ jid: member.jid }]);
    expect((await ok(server, PROFILES, {}, { token: groupOnly.token })).profiles).toEqual([]);
    const ws = await WsClient.connect(server, admin.token);
    const updates = ws.subscribe<{ userProfileUpdated: { jid: string; nickname: string | null } }>(`subscription { userProfileUpdated { jid nickname } }`);
    // The admin's own change proves the subscription live; then the two others change theirs.
    await expect.poll(async () => {
      await ok(server, `mutation { setUserProfile(input: { nickname: "Admin" }) { nickname } }`, {}, { token: admin.token });
      return updates.received.length > 0;
    }).toBe(true);
    await ok(server, `mutation { setUserProfile(input: { nickname: "Group only" }) { nickname } }`, {}, { token: groupOnly.token });
    await ok(server, `mutation { setUserProfile(input: { nickname: "Member" }) { nickname } }`, {}, { token: member.token });
    await updates.waitFor((d) => d.userProfileUpdated.jid === member.jid);
    expect(updates.received.map((e) => e.data?.userProfileUpdated.jid)).not.toContain(groupOnly.jid);
    await ws.close();
  });

  it("recent and archived chats list the one-to-one chats only", async () => {
    const LIST = `{ recentChats { jid chatType } archivedChats { jid chatType } }`;
    expect(await ok(server, LIST, {}, { token: member.token })).toEqual({ recentChats: [{ jid: admin.jid, chatType: "CHAT" }], archivedChats: [] });
    await ok(server, `mutation($to: ID!) { archiveChat(toJid: $to, isArchived: true) }`, { to: member.jid }, { token: admin.token });
    expect(await ok(server, LIST, {}, { token: admin.token })).toEqual({ recentChats: [], archivedChats: [{ jid: member.jid, chatType: "CHAT" }] });
  });
});
