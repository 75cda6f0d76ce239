// Example: two users chat through Parley with @parley/client. Alice and Bob register and
// connect; Bob listens for messages, Alice for receipts, typing and replies; Alice writes, Bob
// receives it live and marks it seen, Alice sees the receipt, Bob types and replies, and Alice
// reads the conversation back. Exits non-zero if any step does not happen.
//
//   PARLEY_URL=http://127.0.0.1:4000/graphql npm run example
import { randomUUID } from "node:crypto";
import { type Message, ParleyClient, type Receipt, type TypingEvent } from "@parley/client";
import WebSocket from "ws";

const url = process.env.PARLEY_URL ?? "http://127.0.0.1:4000/graphql";
const STEP_TIMEOUT_MS = 10_000;

/** Values pushed by a listener, with a way to wait for the one you expect. */
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

async function signUp(name: string, nickname: string): Promise<{ client: ParleyClient; jid: string }> {
  // Node 20 has no global WebSocket: the ws package's is passed in (a browser needs nothing).
  const client = new ParleyClient({ url, webSocketImpl: WebSocket });
  client.on("error", (error) => console.error(`${name}: ${error.code}: ${error.message}`));
  const { username, password } = await client.register(name);
  const { userJid } = await client.connect(username, password);
  await client.setUserProfile({ nickname, status: "trying Parley" });
  return { client, jid: userJid };
}

function fail(error: unknown): never {
  console.error(`example failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

async function main(): Promise<void> {
  const suffix = randomUUID().replace(/-/g, "").slice(0, 8);
  const alice = await signUp(`alice${suffix}`, "Alice");
  const bob = await signUp(`bob${suffix}`, "Bob");
  console.log(`registered ${alice.jid} and ${bob.jid}`);

  const bobInbox = new Inbox<Message>();
  const aliceInbox = new Inbox<Message>();
  const aliceReceipts = new Inbox<Receipt>();
  const aliceTyping = new Inbox<TypingEvent>();
  bob.client.on("message", bobInbox.push);
  alice.client.on("message", aliceInbox.push);
  alice.client.on("messageStatus", aliceReceipts.push);
  alice.client.on("typing", aliceTyping.push);
  // Receipts and typing are not replayed: wait until the server holds Alice's new listeners.
  await alice.client.ready();

  const sent = await alice.client.sendTextMessage({ toJid: bob.jid, messageText: "Hi Bob! Parley works.", msgId: randomUUID() });
  console.log(`alice → bob: "${sent.text}" (${sent.status})`);

  const received = await bobInbox.next("message for Bob", (m) => m.id === sent.id);
  console.log(`bob received "${received.text}" from ${received.fromJid} over the WebSocket`);
  await bob.client.sendSeenStatus(alice.jid, received.id);

  const seen = await aliceReceipts.next("seen receipt", (r) => r.messageId === sent.id && r.status === "SEEN");
  console.log(`alice: bob saw it at ${seen.at}`);

  await bob.client.sendTypingStatus(alice.jid);
  const typing = await aliceTyping.next("typing event", (t) => t.fromJid === bob.jid && t.state === "COMPOSING");
  console.log(`alice: ${typing.fromJid} is typing…`);

  const reply = await bob.client.sendTextMessage({ toJid: alice.jid, messageText: "Hi Alice, got it.", replyMessageId: sent.id });
  const answer = await aliceInbox.next("reply from Bob", (m) => m.id === reply.id);
  console.log(`alice received "${answer.text}" in reply to "${answer.replyTo?.text}"`);

  const page = await alice.client.getChatMessages(bob.jid, { limit: 10 });
  const history = page.messages.map((m) => `${m.fromJid === alice.jid ? "alice" : "bob"}: ${m.text} [${m.status}]`);
  console.log(`alice's history with bob:\n  ${history.join("\n  ")}`);
  if (page.messages.find((m) => m.id === sent.id)?.status !== "SEEN") throw new Error("Alice's message is not SEEN in her history");

  const chat = (await alice.client.getRecentChats()).find((c) => c.jid === bob.jid);
  if (!chat) throw new Error("Bob is missing from Alice's recent chats");
  console.log(`alice's recent chats: ${chat.profile?.nickname ?? chat.jid}, ${chat.unreadCount} unread`);

  const me = await alice.client.getMyProfile();
  console.log(`alice is ${me.nickname} (${me.status}), online: ${me.isOnline}`);

  await Promise.all([alice.client.close(), bob.client.close()]);
  console.log("example finished");
}

main().catch(fail);
