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

type Tuple<N extends number, T, R extends T[] = []> = R["length"] extends N ? R : Tuple<N, T, [...R, T]>;

/** n registered users at once, as a tuple: `const [alice, bob] = await registerUsers(server, 2)`. */
export async function registerUsers<N extends number>(server: Endpoint, n: N): Promise<Tuple<N, TestUser>> {
  return (await Promise.all(Array.from({ length: n }, () => registerUser(server)))) as Tuple<N, TestUser>;
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

/** A group as createGroup returned it (GROUP_FIELDS). */
export type TestGroup = Record<string, any> & { jid: string; groupId: string };

export const GROUP_FIELDS = `jid groupId name image createdBy { jid } participants { user { jid } role } participantCount myRole`;

/** Creates a group with the admin as creator and the others as members; fails the test when the server refuses. */
export async function createGroup(
  server: Endpoint,
  admin: TestUser,
  members: readonly TestUser[],
  extra: { name?: string; imageUrl?: string } = {},
): Promise<TestGroup> {
  const { createGroup: group } = await ok(
    server,
    `mutation($name: String!, $jids: [ID!]!, $imageUrl: String) { createGroup(name: $name, participantJids: $jids, imageUrl: $imageUrl) { ${GROUP_FIELDS} } }`,
    { name: extra.name ?? uniqueName("group-"), jids: members.map((m) => m.jid), imageUrl: extra.imageUrl },
    { token: admin.token },
  );
  return group;
}

/** The group's current participants as [jid, role] pairs, as the viewer sees them. */
export async function participantsOf(server: Endpoint, viewer: TestUser, group: { jid: string }): Promise<[string, string][]> {
  const { groupParticipants } = await ok(server, `query($jid: ID!) { groupParticipants(jid: $jid) { user { jid } role } }`, { jid: group.jid }, { token: viewer.token });
  return groupParticipants.map((p: { user: { jid: string }; role: string }) => [p.user.jid, p.role]);
}
