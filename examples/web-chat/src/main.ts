// The web chat example: sign in, recent chats with unread counts, one conversation with history
// pages, text and images, typing and receipt ticks, over @parley/client, which reconnects and
// resumes by itself: the page only renders what the client hands it.
import { type Message, ParleyClient, ParleyError, type RecentChat } from "@parley/client";

const params = new URLSearchParams(location.search);
// ?server= wins over PARLEY_URL, so that one build can be pointed at any server (the test does).
const url: string = params.get("server") ?? import.meta.env.PARLEY_URL ?? "http://localhost:4000/graphql";
const pageSize = Number(params.get("pageSize") ?? 20);

function find<T extends Element = HTMLElement>(selector: string): T {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`the page has no ${selector}`);
  return element;
}

const signIn = find<HTMLFormElement>("#sign-in");
const chatView = find("#chat");
const stateBadge = find(".state");
const chatList = find(".chats");
const peerName = find(".peer");
const typingNote = find(".typing");
const olderButton = find<HTMLButtonElement>(".older");
const messageList = find(".messages ol");
const composer = find<HTMLFormElement>("#composer");
const textInput = find<HTMLInputElement>('#composer input[name="text"]');
const imageInput = find<HTMLInputElement>('#composer input[name="image"]');

const client = new ParleyClient({ url });
/** The token of the session, for the one call that is not GraphQL: uploads to POST /media. */
let token = "";
let me = "";
let openJid: string | undefined;
/** The open conversation, by message id: a message delivered twice is still shown once. */
let shown = new Map<string, Message>();
/** Receipts may arrive before the answer to the send that caused them: kept apart, applied when shown. */
const receipts = new Map<string, Message["status"]>();
const RANK = { SENT: 0, DELIVERED: 1, SEEN: 2 } as const;

find(".server").textContent = `Server: ${url}`;

function showError(where: Element, error: unknown): void {
  const message = error instanceof ParleyError ? `${error.code ?? "error"}: ${error.message}` : String(error);
  where.querySelector(".error")!.textContent = message;
}

// ---- signing in

signIn.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(signIn);
  void start(String(form.get("username")), String(form.get("password")), false);
});
find("#sign-in button[name=register]").addEventListener("click", () => {
  const form = new FormData(signIn);
  void start(String(form.get("username")), "", true);
});

async function start(username: string, password: string, register: boolean): Promise<void> {
  try {
    if (register) password = (await client.register(username)).password;
    const session = await client.connect(username, password);
    token = session.token;
    me = session.userJid;
  } catch (error) {
    return showError(signIn, error);
  }
  signIn.hidden = true;
  chatView.hidden = false;
  find(".me").textContent = username;
  find(".me").title = me;
  await refreshChats();
}

// ---- connection state and events

client.on("state", (state) => {
  stateBadge.dataset.state = state;
  stateBadge.textContent = state;
});
client.on("error", (error) => showError(chatView, error));

client.on("message", (message) => {
  if (message.chatJid === openJid) {
    shown.set(message.id, message);
    renderMessages();
    if (message.fromJid !== me) void client.sendSeenStatus(message.chatJid, message.id).then(refreshChats);
  }
  if (message.fromJid === openJid) typingNote.hidden = true;
  void refreshChats();
});

client.on("messageStatus", (receipt) => {
  const before = receipts.get(receipt.messageId) ?? "SENT";
  if (RANK[receipt.status] > RANK[before]) receipts.set(receipt.messageId, receipt.status);
  if (shown.has(receipt.messageId)) renderMessages();
});

// A COMPOSING that is not refreshed ends by itself (the server sends GONE after a few seconds).
client.on("typing", (event) => {
  if (event.chatJid !== openJid || event.fromJid === me) return;
  typingNote.hidden = event.state !== "COMPOSING";
});

// ---- recent chats

let refreshing: Promise<void> | undefined;
let refreshAgain = false;

/** One refresh at a time; events during one ask for one more after it, not one each. */
async function refreshChats(): Promise<void> {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      refreshAgain = false;
      try {
        renderChats(await client.getRecentChats());
      } catch (error) {
        showError(chatView, error);
      }
    } while (refreshAgain);
  })().finally(() => (refreshing = undefined));
  return refreshing;
}

function renderChats(chats: RecentChat[]): void {
  chatList.replaceChildren(
    ...chats.map((chat) => {
      const item = document.createElement("li");
      item.dataset.jid = chat.jid;
      item.classList.toggle("open", chat.jid === openJid);
      const name = document.createElement("strong");
      name.textContent = chat.profile?.nickname || chat.profile?.username || chat.group?.name || chat.jid;
      const last = document.createElement("span");
      last.className = "last";
      last.textContent = chat.lastMessage ? (chat.lastMessage.text ?? `[${chat.lastMessage.type.toLowerCase()}]`) : "";
      item.append(name, last);
      if (chat.unreadCount > 0) {
        const unread = document.createElement("span");
        unread.className = "unread";
        unread.textContent = String(chat.unreadCount);
        item.append(unread);
      }
      item.addEventListener("click", () => void openChat(chat.jid, name.textContent ?? chat.jid));
      return item;
    }),
  );
}

find<HTMLFormElement>("#new-chat").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const username = String(new FormData(form).get("username"));
  try {
    await openChat(await client.getJid(username), username);
    form.reset();
  } catch (error) {
    showError(chatView, error);
  }
});

// ---- one conversation

async function openChat(jid: string, name: string): Promise<void> {
  openJid = jid;
  shown = new Map();
  peerName.textContent = name;
  typingNote.hidden = true;
  composer.hidden = false;
  for (const item of chatList.children) item.classList.toggle("open", (item as HTMLElement).dataset.jid === jid);
  const page = await client.getChatMessages(jid, { limit: pageSize });
  if (openJid !== jid) return;
  for (const message of page.messages) if (!shown.has(message.id)) shown.set(message.id, message);
  olderButton.hidden = !page.hasMore;
  renderMessages();
  messageList.lastElementChild?.scrollIntoView();
  await markSeen();
}

olderButton.addEventListener("click", async () => {
  const jid = openJid;
  const oldest = [...shown.values()].sort(byRowId)[0];
  if (!jid || !oldest) return;
  const page = await client.getChatMessages(jid, { lastRowId: oldest.rowId, position: "UP", limit: pageSize });
  if (openJid !== jid) return;
  for (const message of page.messages) if (!shown.has(message.id)) shown.set(message.id, message);
  olderButton.hidden = !page.hasMore;
  renderMessages();
  messageList.firstElementChild?.scrollIntoView();
});

/** Seen up to the newest message of the other side: the sender's ticks turn blue, the unread count drops. */
async function markSeen(): Promise<void> {
  const newest = [...shown.values()].filter((m) => m.fromJid !== me).sort(byRowId).at(-1);
  if (newest && openJid) await client.sendSeenStatus(openJid, newest.id);
  await refreshChats();
}

function byRowId(a: Message, b: Message): number {
  const d = BigInt(a.rowId) - BigInt(b.rowId);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

function statusOf(message: Message): Message["status"] {
  const receipt = receipts.get(message.id);
  return receipt && RANK[receipt] > RANK[message.status] ? receipt : message.status;
}

function renderMessages(): void {
  const atBottom = messageList.parentElement!.scrollHeight - messageList.parentElement!.scrollTop - messageList.parentElement!.clientHeight < 40;
  messageList.replaceChildren(
    ...[...shown.values()].sort(byRowId).map((message) => {
      const item = document.createElement("li");
      const mine = message.fromJid === me;
      item.className = mine ? "message mine" : "message";
      item.dataset.id = message.id;
      if (message.media?.thumbImage) {
        const image = document.createElement("img");
        image.src = `data:image/jpeg;base64,${message.media.thumbImage}`;
        image.alt = message.media.fileName ?? "image";
        item.append(image);
      }
      if (message.text) item.append(message.text);
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = new Date(message.createdAt as string).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      if (mine) {
        const status = statusOf(message);
        const ticks = document.createElement("span");
        ticks.className = "ticks";
        ticks.dataset.status = status;
        ticks.title = status.toLowerCase();
        ticks.textContent = status === "SENT" ? "✓" : "✓✓";
        meta.append(ticks);
      }
      item.append(meta);
      return item;
    }),
  );
  if (atBottom) messageList.lastElementChild?.scrollIntoView();
}

// ---- sending

let typingSentAt = 0;

// Typing is refreshed every 3 s while keys are pressed, not sent on every key.
textInput.addEventListener("input", () => {
  if (!openJid || Date.now() - typingSentAt < 3_000) return;
  typingSentAt = Date.now();
  void client.sendTypingStatus(openJid).catch(() => undefined);
});

composer.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = textInput.value.trim();
  if (!openJid || !text) return;
  textInput.value = "";
  typingSentAt = 0;
  await send(() => client.sendTextMessage({ toJid: openJid!, messageText: text }));
  void client.sendTypingGoneStatus(openJid).catch(() => undefined);
});

imageInput.addEventListener("change", async () => {
  const file = imageInput.files?.[0];
  imageInput.value = "";
  if (!openJid || !file) return;
  await send(async () => {
    const fileToken = await upload(file);
    return client.sendImageMessage({ toJid: openJid!, fileToken });
  });
});

async function send(sending: () => Promise<Message>): Promise<void> {
  try {
    const message = await sending();
    if (message.chatJid === openJid) {
      shown.set(message.id, message);
      renderMessages();
      messageList.lastElementChild?.scrollIntoView();
    }
    await refreshChats();
  } catch (error) {
    showError(find(".conversation"), error);
  }
}

/** POST /media beside /graphql, one file per form (README "Media"); its fileToken goes into the send. */
async function upload(file: File): Promise<string> {
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await fetch(new URL("/media", url), { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
  const body = (await response.json()) as { fileToken?: string; error?: string };
  if (!response.ok || !body.fileToken) throw new Error(`upload refused (${response.status}): ${body.error ?? "no fileToken"}`);
  return body.fileToken;
}
