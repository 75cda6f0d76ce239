// One-to-one messages through the client's door: sending, replies, mentions, idempotent msgIds,
// history pages, single messages and the rules on who may write to whom.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { gql, ok, onlyError } from "./support/clients.js";
import { MESSAGE_FIELDS, registerUser, sendText, type TestUser } from "./support/fixtures.js";
import { startServer, type TestServer } from "./support/server.js";

const SEND = `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { ${MESSAGE_FIELDS} } }`;
const PAGE = `query($jid: ID!, $position: PagePosition, $lastRowId: ID, $limit: Int) {
  chatMessages(jid: $jid, position: $position, lastRowId: $lastRowId, limit: $limit) { messages { id rowId text } hasMore } }`;

describe("one-to-one messages", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    server = await startServer({ MAX_TEXT_LENGTH: "20" });
    [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
  });

  const send = (from: TestUser, input: Record<string, unknown>) => gql(server, SEND, { input }, { token: from.token });

  it("sends a text message and returns it as the sender sees it", async () => {
    const message = await sendText(server, alice, bob, "Hello Bob");
    expect(message).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      rowId: expect.stringMatching(/^\d+$/),
      chatType: "CHAT",
      chatJid: bob.jid,
      fromJid: alice.jid,
      toJid: bob.jid,
      type: "TEXT",
      text: "Hello Bob",
      replyTo: null,
      mentionedUserJids: [],
      isForwarded: false,
      isDeletedForEveryone: false,
      isFavourite: false,
      status: "SENT",
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("the recipient sees the message in the chat with the sender", async () => {
    const sent = await sendText(server, alice, bob, "for bob");
    const { message } = await ok(server, `query($id: ID!) { message(id: $id) { id chatJid fromJid toJid text status } }`, { id: sent.id }, { token: bob.token });
    expect(message).toEqual({ id: sent.id, chatJid: alice.jid, fromJid: alice.jid, toJid: bob.jid, text: "for bob", status: "SENT" });
  });

  it("rowIds increase with each message", async () => {
    const first = await sendText(server, alice, bob, "one");
    const second = await sendText(server, bob, alice, "two");
    expect(BigInt(second.rowId)).toBeGreaterThan(BigInt(first.rowId));
  });

  it("a message to oneself is a note to self", async () => {
    const note = await sendText(server, alice, alice, "note");
    expect(note).toMatchObject({ chatJid: alice.jid, fromJid: alice.jid, toJid: alice.jid });
    const { chatMessages } = await ok(server, PAGE, { jid: alice.jid, limit: 1 }, { token: alice.token });
    expect(chatMessages.messages).toEqual([{ id: note.id, rowId: note.rowId, text: "note" }]);
  });

  describe("text", () => {
    it.each([
      ["empty", ""],
      ["only white space", "  \n\t "],
    ])("refuses %s text", async (_, messageText) => {
      const error = onlyError(await send(alice, { toJid: bob.jid, messageText }));
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.messageText" });
      expect(error.message).toBe("input.messageText: must not be empty");
    });

    it("refuses text over MAX_TEXT_LENGTH characters and takes exactly that many", async () => {
      const error = onlyError(await send(alice, { toJid: bob.jid, messageText: "x".repeat(21) }));
      expect(error).toMatchObject({ message: "input.messageText: must be at most 20 characters, got 21", extensions: { code: "BAD_USER_INPUT" } });
      // Characters, not UTF-16 units: 20 emoji fit.
      expect((await sendText(server, alice, bob, "😀".repeat(20))).text).toBe("😀".repeat(20));
    });
  });

  describe("recipients", () => {
    it("a message to an unknown user is NOT_FOUND", async () => {
      const error = onlyError(await send(alice, { toJid: "nobody0000@localhost", messageText: "hi" }));
      expect(error.extensions).toMatchObject({ code: "NOT_FOUND", statusCode: 404 });
    });

    it("a malformed jid is BAD_USER_INPUT naming toJid", async () => {
      const error = onlyError(await send(alice, { toJid: "not a jid", messageText: "hi" }));
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.toJid" });
    });

    it("DENY_ANY refuses first messages from strangers but not from users who share a chat", async () => {
      const [closed, stranger, friend] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
      await sendText(server, friend, closed, "we talked before");
      await ok(server, `mutation { setUserProfile(input: { allowType: DENY_ANY }) { allowType } }`, {}, { token: closed.token });
      const error = onlyError(await send(stranger, { toJid: closed.jid, messageText: "hello?" }));
      expect(error.extensions).toMatchObject({ code: "FORBIDDEN", statusCode: 403 });
      await sendText(server, friend, closed, "still fine");
      // Once the closed user writes first, the stranger may answer.
      await sendText(server, closed, stranger, "hi stranger");
      await sendText(server, stranger, closed, "hi back");
    });
  });

  describe("replies and mentions", () => {
    it("a reply carries the replied-to message", async () => {
      const original = await sendText(server, bob, alice, "question?");
      const reply = await sendText(server, alice, bob, "answer", { replyMessageId: original.id });
      expect(reply.replyTo).toEqual({ id: original.id, text: "question?" });
      const { message } = await ok(server, `query($id: ID!) { message(id: $id) { replyTo { id fromJid } } }`, { id: reply.id }, { token: bob.token });
      expect(message.replyTo).toEqual({ id: original.id, fromJid: bob.jid });
    });

    it("a reply to a message of another chat, or to an unknown id, is BAD_USER_INPUT", async () => {
      const carol = await registerUser(server);
      const elsewhere = await sendText(server, carol, bob, "other chat");
      for (const replyMessageId of [elsewhere.id, randomUUID()]) {
        const error = onlyError(await send(alice, { toJid: bob.jid, messageText: "re", replyMessageId }));
        expect(error).toMatchObject({ message: "input.replyMessageId: no message with this id in this chat", extensions: { code: "BAD_USER_INPUT" } });
      }
    });

    it("mentions name users of the chat", async () => {
      const message = await sendText(server, alice, bob, "@bob @me", { mentionedUserJids: [bob.jid, alice.jid, bob.jid] });
      expect(message.mentionedUserJids).toEqual([bob.jid, alice.jid]);
    });

    it("a mention of someone outside the chat is BAD_USER_INPUT", async () => {
      const carol = await registerUser(server);
      const error = onlyError(await send(alice, { toJid: bob.jid, messageText: "@carol", mentionedUserJids: [carol.jid] }));
      expect(error).toMatchObject({ message: `input.mentionedUserJids: ${carol.jid} is not a member of this chat`, extensions: { field: "input.mentionedUserJids" } });
    });
  });

  describe("msgId", () => {
    it("sending the same msgId again returns the stored message and stores nothing new", async () => {
      const [a, b] = await Promise.all([registerUser(server), registerUser(server)]);
      const msgId = randomUUID();
      const first = await sendText(server, a, b, "once", { msgId });
      const again = await sendText(server, a, b, "once", { msgId });
      expect(again).toEqual(first);
      const { chatMessages } = await ok(server, PAGE, { jid: b.jid }, { token: a.token });
      expect(chatMessages.messages.map((m: { id: string }) => m.id)).toEqual([msgId]);
    });

    it("the same msgId sent concurrently is stored once", async () => {
      const [a, b] = await Promise.all([registerUser(server), registerUser(server)]);
      const msgId = randomUUID();
      const results = await Promise.all(Array.from({ length: 5 }, () => sendText(server, a, b, "race", { msgId })));
      expect(new Set(results.map((r) => r.rowId)).size).toBe(1);
      const { chatMessages } = await ok(server, PAGE, { jid: b.jid }, { token: a.token });
      expect(chatMessages.messages).toHaveLength(1);
    });

    it("another sender reusing a msgId gets CONFLICT", async () => {
      const msgId = randomUUID();
      await sendText(server, alice, bob, "mine", { msgId });
      const error = onlyError(await send(bob, { toJid: alice.jid, messageText: "theirs", msgId }));
      expect(error.extensions).toMatchObject({ code: "CONFLICT", statusCode: 409 });
    });

    it("a malformed msgId is BAD_USER_INPUT", async () => {
      const error = onlyError(await send(alice, { toJid: bob.jid, messageText: "x", msgId: "has spaces" }));
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.msgId" });
    });
  });

  describe("history", () => {
    let a: TestUser;
    let b: TestUser;
    let sent: Record<string, any>[];
    beforeAll(async () => {
      [a, b] = await Promise.all([registerUser(server), registerUser(server)]);
      sent = [];
      for (let i = 0; i < 7; i += 1) sent.push(await sendText(server, i % 2 ? b : a, i % 2 ? a : b, `m${i}`));
    });
    const page = async (variables: Record<string, unknown>, viewer = a) =>
      (await ok(server, PAGE, { jid: viewer === a ? b.jid : a.jid, ...variables }, { token: viewer.token })).chatMessages;
    const texts = (p: { messages: { text: string }[] }) => p.messages.map((m) => m.text);

    it("without lastRowId gives the newest page, oldest first, and says there is more", async () => {
      const newest = await page({ limit: 3 });
      expect(texts(newest)).toEqual(["m4", "m5", "m6"]);
      expect(newest.hasMore).toBe(true);
    });

    it("pages UP to the oldest with exact hasMore", async () => {
      const second = await page({ limit: 3, lastRowId: sent[4]!.rowId, position: "UP" });
      expect(texts(second)).toEqual(["m1", "m2", "m3"]);
      expect(second.hasMore).toBe(true);
      const last = await page({ limit: 3, lastRowId: sent[1]!.rowId });
      expect(texts(last)).toEqual(["m0"]);
      expect(last.hasMore).toBe(false);
      const exact = await page({ limit: 1, lastRowId: sent[1]!.rowId });
      expect(exact).toEqual({ messages: [expect.objectContaining({ text: "m0" })], hasMore: false });
    });

    it("pages DOWN to the newest with exact hasMore", async () => {
      const first = await page({ limit: 3, lastRowId: sent[0]!.rowId, position: "DOWN" });
      expect(texts(first)).toEqual(["m1", "m2", "m3"]);
      expect(first.hasMore).toBe(true);
      const end = await page({ limit: 3, lastRowId: sent[3]!.rowId, position: "DOWN" });
      expect(texts(end)).toEqual(["m4", "m5", "m6"]);
      expect(end.hasMore).toBe(false);
    });

    it("both users see the same history", async () => {
      expect(texts(await page({ limit: 100 }, b))).toEqual(texts(await page({ limit: 100 }, a)));
    });

    it("refuses a limit outside 1 to 100 and a lastRowId that is no rowId", async () => {
      for (const [variables, field] of [
        [{ limit: 0 }, "limit"],
        [{ limit: 101 }, "limit"],
        [{ lastRowId: "abc" }, "lastRowId"],
      ] as const) {
        const error = onlyError(await gql(server, PAGE, { jid: b.jid, ...variables }, { token: a.token }));
        expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      }
    });

    it("a chat the viewer is not part of shows only their own chat with that user", async () => {
      const outsider = await registerUser(server);
      const { chatMessages } = await ok(server, PAGE, { jid: b.jid }, { token: outsider.token });
      expect(chatMessages).toEqual({ messages: [], hasMore: false });
    });
  });

  it("message(id) is NOT_FOUND for a message the viewer is not part of", async () => {
    const outsider = await registerUser(server);
    const sent = await sendText(server, alice, bob, "private");
    const error = onlyError(await gql(server, `query($id: ID!) { message(id: $id) { id } }`, { id: sent.id }, { token: outsider.token }));
    expect(error.extensions).toMatchObject({ code: "NOT_FOUND", statusCode: 404 });
  });
});
