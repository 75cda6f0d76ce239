// A first session with @parley/client (the README's, word for word): Alice and Bob sign up and chat.
import { ParleyClient } from "@parley/client";
import WebSocket from "ws"; // Node 20 has no global WebSocket; a browser needs no webSocketImpl

setTimeout(() => (console.error("no answer within 20 s: is the server running?"), process.exit(1)), 20_000).unref();
const url = process.env.PARLEY_URL ?? "http://localhost:4000/graphql";
const run = Date.now().toString(36); // new user names on every run: a name can be registered once
const alice = new ParleyClient({ url, webSocketImpl: WebSocket });
const bob = new ParleyClient({ url, webSocketImpl: WebSocket });

// register hands out a generated password once; connect signs in and opens the WebSocket.
const a = await alice.register(`alice${run}`);
await alice.connect(a.username, a.password);
const b = await bob.register(`bob${run}`);
await bob.connect(b.username, b.password);
await alice.setUserProfile({ nickname: "Alice", status: "Hello" });

bob.on("message", async (message) => {
  console.log(`bob received "${message.text}" from ${message.fromJid}`);
  await bob.sendSeenStatus(message.fromJid, message.id);
});
const seen = new Promise((resolve) => alice.on("messageStatus", (r) => r.status === "SEEN" && resolve(r)));
await alice.ready(); // receipts are not replayed: be listening before sending

const sent = await alice.sendTextMessage({ toJid: bob.userJid, messageText: "Hi Bob!" });
console.log(`alice sent "${sent.text}" to ${sent.toJid}`);
console.log(`alice: seen by ${(await seen).userJid}`);
for (const chat of await bob.getRecentChats()) console.log(`bob's chat with ${chat.profile?.nickname}: "${chat.lastMessage?.text}", ${chat.unreadCount} unread`);
await Promise.all([alice.close(), bob.close()]);
