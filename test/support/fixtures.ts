// One-line fixtures: a registered, connected user with a unique id.
import { randomUUID } from "node:crypto";
import { ok } from "./clients.js";
import type { Endpoint } from "./server.js";

export interface TestUser {
  username: string;
  password: string;
  jid: string;
  token: string;
}

export function uniqueName(prefix = "u"): string {
  return `${prefix}${randomUUID().replace(/-/g, "").slice(0, 20)}`;
}

export async function registerUser(server: Endpoint, options: { headers?: Record<string, string> } = {}): Promise<TestUser> {
  const username = uniqueName();
  const { register } = await ok(
    server,
    `mutation($id: String!) { register(userIdentifier: $id) { username password userJid } }`,
    { id: username },
    { headers: options.headers },
  );
  const { connect } = await ok(server, `mutation($u: String!, $p: String!) { connect(username: $u, password: $p) { token } }`, {
    u: register.username,
    p: register.password,
  });
  return { username: register.username, password: register.password, jid: register.userJid, token: connect.token };
}

export const MESSAGE_FIELDS = `id rowId chatType chatJid fromJid toJid type text replyTo { id text } mentionedUserJids isForwarded
  isDeletedForEveryone isFavourite status createdAt`;

/** Sends a text message and returns it; fails the test when the server refuses. */
export async function sendText(
  server: Endpoint,
  from: TestUser,
  to: { jid: string },
  text: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  const { sendTextMessage } = await ok(
    server,
    `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { ${MESSAGE_FIELDS} } }`,
    { input: { toJid: to.jid, messageText: text, ...extra } },
    { token: from.token },
  );
  return sendTextMessage;
}
