// How a new message reaches people: a group message is one broker event that every process fans
// out to its own subscribers, each seeing it as they should; the sender's reply is rendered from
// what the write knew and must equal the message read back. Users sit on startServerPair's two
// servers: two processes on PostgreSQL + Redis, one on the embedded default, so no test here is
// named for another process (realtime-messages.test.ts has those).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, WsClient } from "./support/clients.js";
import { createGroup, MESSAGE_FIELDS, registerUser, sendText, type TestUser } from "./support/fixtures.js";
import { scrape } from "./support/prometheus.js";
import { liveSubscription } from "./support/live.js";
import { startServerPair, type TestServer } from "./support/server.js";

const RECEIVED = `subscription { messageReceived { id rowId chatJid fromJid text isMuted status replyTo { id text } } }`;
type Received = {
  messageReceived: { id: string; rowId: string; chatJid: string; fromJid: string; text: string; isMuted: boolean; status: string; replyTo: { id: string; text: string } | null };
};

describe("message fan-out", () => {
  let a: TestServer;
  let b: TestServer;
  const sockets: WsClient[] = [];
  beforeAll(async () => {
    [a, b] = await startServerPair();
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
  });

  /** A subscription live for what the other server publishes (notes to self through it proved it). */
  const listen = async (user: TestUser, on: TestServer) => {
    const ws = await WsClient.connect(on, user.token);
    sockets.push(ws);
    return (await liveSubscription<Received>(ws, user, on === a ? b : a, { query: RECEIVED })).sub;
  };

  it("a group message reaches every participant, muted and reply as each sees them", async () => {
    const [owner, near, far] = await Promise.all([registerUser(a), registerUser(a), registerUser(b)]);
    const group = await createGroup(a, owner, [near, far], { name: "fan-out" });
    await ok(b, `mutation($jid: ID!) { muteChat(toJid: $jid, isMuted: true) }`, { jid: group.jid }, { token: far.token });
    const first = await sendText(a, near, group, "first");
    const [ownCopy, nearSub, farSub] = await Promise.all([listen(owner, a), listen(near, a), listen(far, b)]);

    const sent = await sendText(a, owner, group, "to everyone", { replyMessageId: first.id });
    const expected = { id: sent.id, rowId: sent.rowId, chatJid: group.jid, fromJid: owner.jid, text: "to everyone", replyTo: { id: first.id, text: "first" } };
    expect((await ownCopy.waitFor((d) => d.messageReceived.id === sent.id)).messageReceived).toEqual({ ...expected, isMuted: false, status: "SENT" });
    expect((await nearSub.waitFor((d) => d.messageReceived.id === sent.id)).messageReceived).toEqual({ ...expected, isMuted: false, status: "DELIVERED" });
    expect((await farSub.waitFor((d) => d.messageReceived.id === sent.id)).messageReceived).toEqual({ ...expected, isMuted: true, status: "DELIVERED" });
  });

  it("group and one-to-one messages reach a participant in the order they were sent", async () => {
    const [owner, member] = await Promise.all([registerUser(a), registerUser(b)]);
    const group = await createGroup(a, owner, [member], { name: "order" });
    const sub = await listen(member, b);
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      // Group and one-to-one messages interleaved: one travels the fan-out, the other a user topic.
      sent.push((await sendText(a, owner, i % 2 ? member : group, `m${i}`)).id);
    }
    await sub.waitFor((d) => d.messageReceived.id === sent.at(-1));
    const got = sub.received.flatMap((e) => (e.data && sent.includes(e.data.messageReceived.id) ? [e.data.messageReceived.id] : []));
    expect(got).toEqual(sent);
  });

  it("the sent message returned to its sender equals the message read back, one-to-one, in a group and to self", async () => {
    const [owner, other] = await Promise.all([registerUser(a), registerUser(a)]);
    const group = await createGroup(a, owner, [other], { name: "echo" });
    await ok(a, `mutation($jid: ID!) { muteChat(toJid: $jid, isMuted: true) }`, { jid: group.jid }, { token: owner.token });
    for (const to of [other, group, owner]) {
      const earlier = await sendText(a, owner, to, "earlier");
      const { sendTextMessage: sent } = await ok(
        a,
        `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { ${MESSAGE_FIELDS} isMuted } }`,
        { input: { toJid: to.jid, messageText: "now", replyMessageId: earlier.id, mentionedUserJids: [owner.jid] } },
        { token: owner.token },
      );
      const { message } = await ok(a, `query($id: ID!) { message(id: $id) { ${MESSAGE_FIELDS} isMuted } }`, { id: sent.id }, { token: owner.token });
      expect(sent).toEqual(message);
      expect(sent).toMatchObject({ status: "SENT", isMuted: to === group, replyTo: { id: earlier.id }, mentionedUserJids: [owner.jid] });
    }
  });

  // One event reaches many members' subscriptions and is executed once per distinct operation
  // (src/graphql/shared-results.ts): each must still get exactly the shape it asked for.
  it("members subscribed with different selections, aliases and variables each get their own shape of one group message", async () => {
    const [owner, plain, same, aliased, withVariables] = await Promise.all([registerUser(a), registerUser(a), registerUser(a), registerUser(a), registerUser(a)]);
    const group = await createGroup(a, owner, [plain, same, aliased, withVariables], { name: "shapes" });
    // Each proven live by notes to self (probes repeat: the server listens some time after the subscribe).
    const subscribed = async (user: TestUser, query: string, variables?: Record<string, unknown>) => {
      const ws = await WsClient.connect(a, user.token);
      sockets.push(ws);
      const idOf = (d: Record<string, any>) => Object.values(d)[0].id ?? Object.values(d)[0].key;
      return (await liveSubscription<Record<string, any>>(ws, user, a, { query, variables, idOf })).sub;
    };
    const plainSub = await subscribed(plain, RECEIVED);
    const sameSub = await subscribed(same, RECEIVED);
    const aliasedSub = await subscribed(aliased, `subscription { incoming: messageReceived { key: id body: text status } }`);
    const variablesSub = await subscribed(withVariables, `subscription($withText: Boolean!) { messageReceived { id text @include(if: $withText) fromJid } }`, { withText: true });

    const sent = await sendText(a, owner, group, "one event, four shapes");
    const expected = { id: sent.id, rowId: sent.rowId, chatJid: group.jid, fromJid: owner.jid, text: "one event, four shapes", isMuted: false, status: "DELIVERED", replyTo: null };
    expect((await plainSub.waitFor((d) => d.messageReceived.id === sent.id)).messageReceived).toEqual(expected);
    expect((await sameSub.waitFor((d) => d.messageReceived.id === sent.id)).messageReceived).toEqual(expected);
    expect(await aliasedSub.waitFor((d) => d.incoming.key === sent.id)).toEqual({ incoming: { key: sent.id, body: "one event, four shapes", status: "DELIVERED" } });
    expect(await variablesSub.waitFor((d) => d.messageReceived.id === sent.id)).toEqual({
      messageReceived: { id: sent.id, text: "one event, four shapes", fromJid: owner.jid },
    });
  });

  it("a group member's subscription ends when completed while waiting for the next event", async () => {
    const [owner, member] = await Promise.all([registerUser(a), registerUser(a)]);
    const group = await createGroup(a, owner, [member], { name: "complete" });
    const ws = await WsClient.connect(a, member.token);
    sockets.push(ws);
    const before = (await scrape(a)).value("parley_graphql_active_subscriptions", { operation: "messageReceived" });
    const sub = ws.subscribe<Received>(RECEIVED);
    const first = await sendText(a, owner, group, "before complete");
    await sub.waitFor((d) => d.messageReceived.id === first.id);
    expect((await scrape(a)).value("parley_graphql_active_subscriptions", { operation: "messageReceived" })).toBe(before + 1);
    sub.dispose();
    await expect.poll(async () => (await scrape(a)).value("parley_graphql_active_subscriptions", { operation: "messageReceived" })).toBe(before);
    await sendText(a, owner, group, "after complete");
    // Still open, the socket gets nothing more on the completed subscription.
    const probe = ws.subscribe<Received>(RECEIVED);
    const last = await sendText(a, owner, group, "to the new subscription");
    await probe.waitFor((d) => d.messageReceived.id === last.id);
    expect(sub.received.map((e) => e.data?.messageReceived.text)).toEqual(["before complete"]);
  });

  // Events for many people travel as one broker message each (publishToMany), like group messages.
  it("a group's typing, a group change, a profile change and a deletion for everyone are one broker event each, and reach everyone", async () => {
    const [owner, near, far] = await Promise.all([registerUser(a), registerUser(a), registerUser(b)]);
    const group = await createGroup(a, owner, [near, far], { name: "one event" });
    const groupJid = group.jid;
    const socket = async (user: TestUser, on: TestServer) => {
      const ws = await WsClient.connect(on, user.token);
      sockets.push(ws);
      return ws;
    };
    const [nearWs, farWs] = await Promise.all([socket(near, a), socket(far, b)]);
    const typing = [nearWs, farWs].map((ws) => ws.subscribe<{ typingStatus: { chatJid: string; fromJid: string; state: string } }>(`subscription { typingStatus { chatJid fromJid state } }`));
    const groups = [nearWs, farWs].map((ws) => ws.subscribe<{ groupUpdated: { type: string; groupJid: string } }>(`subscription { groupUpdated { type groupJid } }`));
    const profiles = [nearWs, farWs].map((ws) => ws.subscribe<{ userProfileUpdated: { jid: string; nickname: string | null; email: string | null } }>(
      `subscription { userProfileUpdated { jid nickname email } }`,
    ));
    const deletions = [nearWs, farWs].map((ws) => ws.subscribe<{ messagesDeleted: { chatJid: string; messageIds: string[] } }>(`subscription { messagesDeleted { chatJid messageIds } }`));
    const published = async (topic: string) => (await scrape(a)).value("parley_pubsub_published_total", { topic });
    // The subscriptions are live once a group event sent after them arrives.
    await expect.poll(async () => {
      await ok(a, `mutation($g: ID!) { setGroupProfile(groupJid: $g, name: "one event") { name } }`, { g: groupJid }, { token: owner.token });
      return groups.every((g) => g.received.length > 0);
    }).toBe(true);

    const doomed = await sendText(a, owner, { jid: groupJid }, "to be deleted");
    const before = {
      typing: await published("typing"),
      group: await published("group"),
      profile: await published("profile-updated"),
      deleted: await published("messages-deleted"),
    };
    const groupEventsBefore = groups.map((g) => g.received.length);
    await ok(a, `mutation($jid: ID!) { sendTypingStatus(toJid: $jid) }`, { jid: groupJid }, { token: owner.token });
    await ok(a, `mutation($g: ID!) { setGroupProfile(groupJid: $g, name: "renamed") { name } }`, { g: groupJid }, { token: owner.token });
    await ok(a, `mutation { setUserProfile(input: { nickname: "Owner", email: "owner@example.com" }) { nickname } }`, {}, { token: owner.token });
    await ok(a, `mutation($g: ID!, $m: ID!) { deleteMessagesForEveryone(toJid: $g, messageIds: [$m]) }`, { g: groupJid, m: doomed.id }, { token: owner.token });
    for (const sub of deletions) expect(await sub.waitFor((d) => d.messagesDeleted.messageIds.includes(doomed.id))).toEqual({ messagesDeleted: { chatJid: groupJid, messageIds: [doomed.id] } });
    for (const sub of typing) expect(await sub.waitFor((d) => d.typingStatus.fromJid === owner.jid)).toEqual({ typingStatus: { chatJid: groupJid, fromJid: owner.jid, state: "COMPOSING" } });
    await expect.poll(() => groups.map((g) => g.received.length)).toEqual(groupEventsBefore.map((n) => n + 1));
    // Contacts see the public profile: the email stays the owner's.
    for (const sub of profiles) expect(await sub.waitFor((d) => d.userProfileUpdated.jid === owner.jid)).toEqual({ userProfileUpdated: { jid: owner.jid, nickname: "Owner", email: null } });
    expect(await published("typing")).toBe(before.typing + 1);
    expect(await published("group")).toBe(before.group + 1);
    expect(await published("profile-updated")).toBe(before.profile + 1);
    expect(await published("messages-deleted")).toBe(before.deleted + 1);
  });
});
