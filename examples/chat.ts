// Example: two users chat through Parley with the typed client. Alice and Bob register and
// connect; Bob listens for messages, Alice for receipts, typing and replies; Alice writes, Bob
// receives it live and marks it seen, Alice sees the receipt, Bob types and replies, and Alice
// reads the conversation back. Exits non-zero if any step does not happen.
//
//   PARLEY_URL=http://127.0.0.1:4000/graphql npm run example
import { randomUUID } from "node:crypto";
import {
  ChatMessagesDocument,
  ConnectDocument,
  type MessageFieldsFragment,
  MessageReceivedDocument,
  MessageStatusUpdatedDocument,
  MyProfileDocument,
  RecentChatsDocument,
  type ReceiptFieldsFragment,
  RegisterDocument,
  SendSeenStatusDocument,
  SendTextMessageDocument,
  SendTypingStatusDocument,
  SetUserProfileDocument,
  type TypingStatusSubscription,
  TypingStatusDocument,
} from "../client/generated/graphql.js";
import { ParleyClient } from "./parley-client.js";

const url = process.env.PARLEY_URL ?? "http://127.0.0.1:4000/graphql";
const STEP_TIMEOUT_MS = 10_000;

/** Values pushed by a subscription, with a way to wait for the one you expect. */
class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiting: { match: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  push = (item: T): void => {
    this.items.push(item);
    for (const w of this.waiting.filter((w) => w.match(item))) {
      this.waiting.splice(this.waiting.indexOf(w), 1);
      w.resolve(item);
    }
  };

  next(what: string, match: (item: T) => boolean): Promise<T> {
    const found = this.items.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
      this.waiting.push({ match, resolve: (item) => (clearTimeout(timer), resolve(item)) });
    });
  }
}

async function signUp(anonymous: ParleyClient, name: string, nickname: string): Promise<{ client: ParleyClient; jid: string }> {
  const { register } = await anonymous.request(RegisterDocument, { userIdentifier: name });
  const { connect } = await anonymous.request(ConnectDocument, { username: register.username, password: register.password });
  const client = anonymous.withToken(connect.token);
  await client.request(SetUserProfileDocument, { input: { nickname, status: "trying Parley" } });
  return { client, jid: connect.userJid };
}

function fail(error: unknown): never {
  console.error(`example failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

async function main(): Promise<void> {
  const anonymous = new ParleyClient(url);
  const suffix = randomUUID().replace(/-/g, "").slice(0, 8);
  const alice = await signUp(anonymous, `alice${suffix}`, "Alice");
  const bob = await signUp(anonymous, `bob${suffix}`, "Bob");
  console.log(`registered ${alice.jid} and ${bob.jid}`);

  // Listeners. afterRowId "0" replays what was sent before the subscription reached the server
  // (nothing, for new users) and then goes live, so no message falls between the two.
  const bobInbox = new Inbox<MessageFieldsFragment>();
  const aliceInbox = new Inbox<MessageFieldsFragment>();
  const aliceReceipts = new Inbox<ReceiptFieldsFragment>();
  const aliceTyping = new Inbox<TypingStatusSubscription["typingStatus"]>();
  const stops = [
    bob.client.subscribe(MessageReceivedDocument, { afterRowId: "0" }, { next: (d) => bobInbox.push(d.messageReceived), error: fail }),
    alice.client.subscribe(MessageReceivedDocument, { afterRowId: "0" }, { next: (d) => aliceInbox.push(d.messageReceived), error: fail }),
    alice.client.subscribe(MessageStatusUpdatedDocument, {}, { next: (d) => aliceReceipts.push(d.messageStatusUpdated), error: fail }),
    alice.client.subscribe(TypingStatusDocument, { jid: bob.jid }, { next: (d) => aliceTyping.push(d.typingStatus), error: fail }),
  ];
  // Receipts and typing are not replayed: wait until the server holds both users' subscriptions.
  await Promise.all([alice.client.ready(), bob.client.ready()]);

  const { sendTextMessage: sent } = await alice.client.request(SendTextMessageDocument, {
    input: { toJid: bob.jid, messageText: "Hi Bob! Parley works.", msgId: randomUUID() },
  });
  console.log(`alice → bob: "${sent.text}" (${sent.status})`);

  const received = await bobInbox.next("message for Bob", (m) => m.id === sent.id);
  console.log(`bob received "${received.text}" from ${received.fromJid} over the WebSocket`);
  await bob.client.request(SendSeenStatusDocument, { toJid: alice.jid, messageId: received.id });

  const seen = await aliceReceipts.next("seen receipt", (r) => r.messageId === sent.id && r.status === "SEEN");
  console.log(`alice: bob saw it at ${seen.at}`);

  await bob.client.request(SendTypingStatusDocument, { toJid: alice.jid });
  const typing = await aliceTyping.next("typing event", (t) => t.fromJid === bob.jid && t.state === "COMPOSING");
  console.log(`alice: ${typing.fromJid} is typing…`);

  const { sendTextMessage: reply } = await bob.client.request(SendTextMessageDocument, {
    input: { toJid: alice.jid, messageText: "Hi Alice, got it.", replyMessageId: sent.id },
  });
  const answer = await aliceInbox.next("reply from Bob", (m) => m.id === reply.id);
  console.log(`alice received "${answer.text}" in reply to "${answer.replyTo?.text}"`);

  const { chatMessages } = await alice.client.request(ChatMessagesDocument, { jid: bob.jid, limit: 10 });
  const history = chatMessages.messages.map((m) => `${m.fromJid === alice.jid ? "alice" : "bob"}: ${m.text} [${m.status}]`);
  console.log(`alice's history with bob:\n  ${history.join("\n  ")}`);
  if (chatMessages.messages.find((m) => m.id === sent.id)?.status !== "SEEN") throw new Error("Alice's message is not SEEN in her history");

  const { recentChats } = await alice.client.request(RecentChatsDocument);
  const chat = recentChats.find((c) => c.jid === bob.jid);
  if (!chat) throw new Error("Bob is missing from Alice's recent chats");
  console.log(`alice's recent chats: ${chat.profile?.nickname ?? chat.jid}, ${chat.unreadCount} unread`);

  const { myProfile } = await alice.client.request(MyProfileDocument);
  console.log(`alice is ${myProfile.nickname} (${myProfile.status}), online: ${myProfile.isOnline}`);

  for (const stop of stops) stop();
  await Promise.all([alice.client.close(), bob.client.close()]);
  console.log("example finished");
}

main().catch(fail);
