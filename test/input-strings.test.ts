// Strings are checked once, at the door: a NUL or an unpaired surrogate in any string argument or
// input field of any operation is BAD_USER_INPUT naming the field, on HTTP (as a variable or
// written in the document) and on WebSocket, before anything runs.
import type { GraphQLField, GraphQLSchema } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parleySchema } from "../src/schema.js";
import { gql, type GqlError, ok, WsClient } from "./support/clients.js";
import { registerUser, type TestUser } from "./support/fixtures.js";
import { argsWith, leastSelection, operationOf, pathName, type RootKind, rootFields, stringPaths } from "./support/operations.js";
import { startServer, type TestServer } from "./support/server.js";

const NUL = "a\u0000b";
const LONE_SURROGATE = "a\uD83Db";
const LONE_LOW_SURROGATE = "\uDE00a";

const schema: GraphQLSchema = await parleySchema();

type Case = { kind: RootKind; field: GraphQLField<unknown, unknown>; at: string; args: (bad: string) => Record<string, unknown> };
const cases = (kinds: RootKind[]): [string, Case][] =>
  kinds.flatMap((kind) =>
    rootFields(schema, kind).flatMap((field) =>
      stringPaths(field).map((path): [string, Case] => {
        const at = pathName(path);
        return [`${field.name}(${at})`, { kind, field, at, args: (bad) => argsWith(field, path, bad) }];
      }),
    ),
  );
const HTTP = cases(["query", "mutation"]);
const WS = cases(["query", "mutation", "subscription"]);

function expectRefusal(errors: readonly GqlError[] | undefined, at: string): void {
  expect(errors, `errors for ${at}`).toHaveLength(1);
  expect(errors![0]).toMatchObject({
    message: `${at}: must not contain NUL or unpaired surrogates`,
    extensions: { code: "BAD_USER_INPUT", statusCode: 400, field: at },
  });
}

describe("strings at the door", () => {
  let server: TestServer;
  let user: TestUser;
  let ws: WsClient;
  beforeAll(async () => {
    server = await startServer();
    user = await registerUser(server);
    ws = await WsClient.connect(server, user.token);
  });
  afterAll(async () => {
    await ws.close();
  });

  it("the table covers the strings the issue found (messageText, nickname, status, location, group names, message ids, file tokens, email)", () => {
    const names = HTTP.map(([name]) => name);
    for (const expected of ["sendTextMessage(input.messageText)", "setUserProfile(input.nickname)", "setUserProfile(input.status)", "setUserProfile(input.location)", "setUserProfile(input.email)", "createGroup(name)", "setGroupProfile(name)", "message(id)", "sendImageMessage(input.fileToken)", "downloadMedia(fileToken)", "setUserProfile(input.customFields[0].value)", "deleteMessagesForMe(messageIds[0])"]) {
      expect(names).toContain(expected);
    }
  });

  it.each(HTTP)("HTTP, a NUL in a variable: %s", async (_, { kind, field, at, args }) => {
    const { query, variables } = operationOf(kind, field, args(NUL), leastSelection(field.type));
    const result = await gql(server, query, variables, { token: user.token });
    expect(result.status).toBe(400);
    expect(result.data ?? null).toBeNull();
    expectRefusal(result.errors, at);
  });

  it.each(HTTP)("HTTP, a NUL written in the document: %s", async (_, { kind, field, at, args }) => {
    const { query } = operationOf(kind, field, args(NUL), leastSelection(field.type), true);
    const result = await gql(server, query, {}, { token: user.token });
    expect(result.status).toBe(400);
    expectRefusal(result.errors, at);
  });

  it.each(HTTP)("HTTP, an unpaired surrogate in a variable: %s", async (_, { kind, field, at, args }) => {
    const { query, variables } = operationOf(kind, field, args(at.length % 2 ? LONE_SURROGATE : LONE_LOW_SURROGATE), leastSelection(field.type));
    const result = await gql(server, query, variables, { token: user.token });
    expect(result.status).toBe(400);
    expectRefusal(result.errors, at);
  });

  it.each(WS)("WebSocket, a NUL or an unpaired surrogate in a variable: %s", async (_, { kind, field, at, args }) => {
    const { query, variables } = operationOf(kind, field, args(at.length % 2 ? NUL : LONE_SURROGATE), leastSelection(field.type));
    if (kind === "subscription") {
      const subscription = ws.subscribe(query, variables);
      expectRefusal((await subscription.failure()) as GqlError[], at);
    } else {
      expectRefusal((await ws.execute(query, variables)).errors as GqlError[], at);
    }
  });

  it("nothing was stored: the profile keeps its values, and well-formed text with emoji passes", async () => {
    const { setUserProfile } = await ok(server, `mutation { setUserProfile(input: { nickname: "Zoë 🎉", status: "ok 👍🏽" }) { nickname status } }`, {}, { token: user.token });
    expect(setUserProfile).toEqual({ nickname: "Zoë 🎉", status: "ok 👍🏽" });
  });
});
