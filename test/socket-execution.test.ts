// Queries and mutations over the socket run with graphql-js the first time a document comes and
// from its compiled plan after (src/graphql/compiled-execution.ts), over HTTP through Apollo and
// graphql-js: the same operation answers the same on both doors, data and errors, either way.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, WsClient } from "./support/clients.js";
import { createGroup, MESSAGE_FIELDS, registerUser, sendText, type TestUser, uniqueName } from "./support/fixtures.js";
import { backendName, startServer, type TestServer } from "./support/server.js";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let ws: WsClient;
/** msgIds of this run: the database may hold earlier runs' messages. */
const run = uniqueName("parity");

beforeAll(async () => {
  server = await startServer();
  alice = await registerUser(server);
  bob = await registerUser(server);
  ws = await WsClient.connect(server, alice.token);
  await sendText(server, bob, alice, "hello alice");
  await sendText(server, alice, bob, "hello bob", { msgId: `${run}-1` });
  await sendText(server, alice, bob, "hello again", { msgId: `${run}-2` });
  await createGroup(server, alice, [bob], { name: "parity group" });
});

afterAll(async () => {
  await ws?.close();
});

/** The answer over HTTP and twice over the socket (the first run by graphql-js, the second from the compiled plan). */
async function bothDoors(query: string, variables: Record<string, unknown> = {}, operationName?: string) {
  const http = await gql(server, query, variables, { token: alice.token, operationName });
  const first = await ws.execute(query, variables, operationName);
  const again = await ws.execute(query, variables, operationName);
  return { http: { data: http.data, errors: http.errors }, first: { data: first.data, errors: first.errors }, again: { data: again.data, errors: again.errors } };
}

/** Name, document, its variables (made once the users exist), operation name. */
const cases: [string, string, (() => Record<string, unknown>)?, string?][] = [
  ["a query with nested objects and lists", `{ myProfile { jid username } recentChats(limit: 10) { jid chatType unreadCount isMuted group { name participantCount } lastMessage { text fromJid replyTo { id } } } }`],
  ["aliases, a fragment, @include and @skip", `query Q($yes: Boolean!) { me: myProfile { ...P } again: myProfile @skip(if: $yes) { jid } chats: recentChats(limit: 5) @include(if: $yes) { jid ... on RecentChat { chatType } } } fragment P on UserProfile { jid username }`, () => ({ yes: true })],
  ["__typename and introspection of one type", `{ myProfile { __typename jid } __type(name: "ChatType") { kind enumValues { name } } }`],
  ["the operation chosen by name", `query A { myProfile { jid } } query B { recentChats(limit: 1) { jid } }`, undefined, "B"],
  ["a resolver's error, with its code and path", `{ chatMessages(jid: "nobody@nowhere", limit: 5) { hasMore messages { id text } } }`],
  ["a variable of the wrong type", `query($limit: Int!) { recentChats(limit: $limit) { jid } }`, () => ({ limit: "ten" })],
  ["a variable missing", `query($limit: Int!) { recentChats(limit: $limit) { jid } }`],
  ["a variable never used (a validation error on the variable's definition)", `query($unused: Int) { myProfile { jid } }`],
  ["an argument out of range", `{ recentChats(limit: 100000) { jid } }`],
  ["a mutation that repeats a stored msgId", `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { ${MESSAGE_FIELDS} } }`, () => ({ input: { toJid: bob.jid, msgId: `${run}-1`, messageText: "hello bob" } })],
  [
    "two mutations in one operation, run in order",
    `mutation($a: SendTextMessageInput!, $b: SendTextMessageInput!) { first: sendTextMessage(input: $a) { id text } second: sendTextMessage(input: $b) { id text } }`,
    () => ({ a: { toJid: bob.jid, msgId: `${run}-2`, messageText: "hello again" }, b: { toJid: bob.jid, msgId: `${run}-1`, messageText: "hello bob" } }),
  ],
  ["a mutation refused for its input", `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { id } }`, () => ({ input: { toJid: "nobody@nowhere", messageText: "" } })],
];

describe(`queries and mutations over the socket answer as over HTTP (${backendName})`, () => {
  it.each(cases)("%s", async (_name, query, variables = () => ({}), operationName) => {
    const answers = await bothDoors(query, variables(), operationName);
    expect(answers.first).toEqual(answers.http);
    expect(answers.again).toEqual(answers.http);
  });

  it("a subscription's variable of the wrong type is refused in the same words and code as a query's", async () => {
    const query = await ws.execute(`query($after: ID) { chatMessages(jid: "${bob.jid}", lastRowId: $after) { hasMore } }`, { after: { not: "an id" } });
    const subscription = await ws.execute(`subscription($after: ID) { messageReceived(afterRowId: $after) { id } }`, { after: { not: "an id" } });
    expect(query.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", statusCode: 400 });
    expect(subscription.errors?.[0]?.extensions).toEqual(query.errors?.[0]?.extensions);
    expect(subscription.errors?.[0]?.message).toEqual(query.errors?.[0]?.message);
  });

  it("a new message sent over the socket reads back the same as over HTTP", async () => {
    const query = `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { ${MESSAGE_FIELDS} } }`;
    const overHttp = await gql(server, query, { input: { toJid: bob.jid, messageText: "over http", msgId: `${run}-http` } }, { token: alice.token });
    const overWs = await ws.execute(query, { input: { toJid: bob.jid, messageText: "over the socket", msgId: `${run}-ws` } });
    expect(overHttp.errors).toBeUndefined();
    expect(overWs.errors).toBeUndefined();
    const shape = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v === null ? null : typeof v]));
    expect(shape(overWs.data!.sendTextMessage)).toEqual(shape(overHttp.data!.sendTextMessage));
    expect(overWs.data!.sendTextMessage).toMatchObject({ text: "over the socket", fromJid: alice.jid, toJid: bob.jid, chatJid: bob.jid, isForwarded: false, replyTo: null });
  });
});
