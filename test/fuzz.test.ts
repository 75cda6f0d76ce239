// Schema fuzz: a few hundred random but valid operations built from the schema, with hostile
// arguments, run on both doors against a real server as a signed-in user. Every answer must be
// data or GraphQL errors with a documented code: no INTERNAL_SERVER_ERROR, no 5xx, no crash.
// Seeded: FUZZ_SEED replays a run (the seed is in every failure message), FUZZ_RUNS sets its size.
import {
  type GraphQLField,
  type GraphQLInputType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATUS_BY_CODE } from "../src/graphql/errors.js";
import { parleySchema } from "../src/schema.js";
import { gql, type GqlError, ok, WsClient } from "./support/clients.js";
import { createGroup, registerUsers, sendText, type TestUser } from "./support/fixtures.js";
import { operationOf, Random, randomSelection, type RootKind, rootFields } from "./support/operations.js";
import { startServer, type TestServer } from "./support/server.js";

const SEED = Number(process.env.FUZZ_SEED ?? 1414);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** The run stops drawing new operations after this long, so that the file stays well under a minute. */
const TIME_BUDGET_MS = 30_000;

const schema = await parleySchema();
/** logout would end the session the rest of the run needs; everything else is fair game. */
const FIELDS: [RootKind, GraphQLField<unknown, unknown>][] = (["query", "mutation", "subscription"] as const).flatMap((kind) =>
  rootFields(schema, kind)
    .filter((f) => f.name !== "logout")
    .map((f): [RootKind, GraphQLField<unknown, unknown>] => [kind, f]),
);
const DOCUMENTED = new Set(Object.keys(STATUS_BY_CODE).filter((code) => code !== "INTERNAL_SERVER_ERROR"));

const HOSTILE_STRINGS = [
  "",
  " ",
  "x",
  "a\u0000b",
  "\uD800",
  "x\uDC00",
  "😀👍🏽 Zoë",
  "x".repeat(5000),
  "é".repeat(3000),
  "'; DROP TABLE users; --",
  "%00%ff",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "\u202eevil",
  "a".repeat(65),
  "1",
  "-1",
  "99999999999999999999999",
  "1e309",
  "@",
  "x@localhost",
  "x@mix.localhost",
  "00:00",
  "99:99",
  "https://example.com/a.png",
  "data:image/png;base64,AAAA",
];
const UNSTORABLE = ["a\u0000b", "\u0000", "\uD800", "x\uDC00y", "ok\uD83D"];
const INTS = [0, 1, -1, 3, 50, 101, 1001, 2147483647, -2147483648];
const FLOATS = [0, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2];

describe("schema fuzz", () => {
  let server: TestServer;
  let me: TestUser;
  let ws: WsClient;
  /** Real jids and ids mixed into the strings, so that operations reach past "not found". */
  let known: string[];

  beforeAll(async () => {
    server = await startServer();
    const [self, other] = await registerUsers(server, 2);
    me = self;
    const group = await createGroup(server, me, [other]);
    const message = await sendText(server, me, other, "hello");
    known = [me.jid, other.jid, group.jid, group.groupId, message.id, message.rowId, me.username];
    ws = await WsClient.connect(server, me.token);
  });
  afterAll(async () => {
    await ws.close();
  });

  function value(random: Random, type: GraphQLInputType, depth = 0): unknown {
    if (isNonNullType(type)) return value(random, type.ofType, depth);
    if (random.chance(0.08)) return null;
    if (isListType(type)) return Array.from({ length: random.int(4) }, () => value(random, type.ofType, depth + 1));
    if (isEnumType(type)) return random.pick(type.getValues()).name;
    if (isInputObjectType(type)) {
      return Object.fromEntries(
        Object.values(type.getFields()).flatMap((f) =>
          isNonNullType(f.type) || (depth < 3 && random.chance(0.5)) ? [[f.name, value(random, f.type, depth + 1)]] : [],
        ),
      );
    }
    switch (type.name) {
      case "Int":
        return random.pick(INTS);
      case "Float":
        return random.pick(FLOATS);
      case "Boolean":
        return random.chance(0.5);
      default:
        if (random.chance(0.35)) return random.pick(known);
        // The strings that once reached the database and encoders: often enough to meet every field.
        if (random.chance(0.25)) return random.pick(UNSTORABLE);
        return random.pick(HOSTILE_STRINGS);
    }
  }

  /** What is wrong with an answer's errors, if anything. */
  function undocumented(errors: readonly GqlError[] | undefined): string | undefined {
    const bad = (errors ?? []).filter((e) => !DOCUMENTED.has(String(e.extensions?.code)));
    return bad.length ? JSON.stringify(bad).slice(0, 500) : undefined;
  }

  it(`answers every operation with data or documented errors on both doors (seed ${SEED})`, async () => {
    const random = new Random(SEED);
    const failures: string[] = [];
    const started = Date.now();
    let runs = 0;
    for (; runs < RUNS && Date.now() - started < TIME_BUDGET_MS; runs++) {
      const [kind, field] = random.pick(FIELDS);
      const args = Object.fromEntries(
        field.args.flatMap((a) => (isNonNullType(a.type) || random.chance(0.5) ? [[a.name, value(random, a.type)]] : [])),
      );
      const selection = randomSelection(random, field.type, 3);
      const overHttp = kind !== "subscription" && random.chance(0.6);
      const operation = operationOf(kind, field, args, selection, overHttp && random.chance(0.3));
      const where = `seed ${SEED}, run ${runs}, ${overHttp ? "HTTP" : "WebSocket"}: ${operation.query.slice(0, 300)} ${JSON.stringify(operation.variables).slice(0, 300)}`;
      if (overHttp) {
        const result = await gql(server, operation.query, operation.variables, { token: me.token });
        if (result.status >= 500) failures.push(`${where} → HTTP ${result.status}`);
        if (result.data == null && !result.errors?.length) failures.push(`${where} → neither data nor errors`);
        const wrong = undocumented(result.errors);
        if (wrong) failures.push(`${where} → ${wrong}`);
      } else if (kind === "subscription") {
        const subscription = ws.subscribe(operation.query, operation.variables);
        // A query behind it on the same socket: whatever the subscription answered by then is judged.
        await ws.execute(`{ __typename }`);
        subscription.dispose();
        for (const errors of [...subscription.received.map((e) => e.errors), ...subscription.errors]) {
          const wrong = Array.isArray(errors) ? undocumented(errors as GqlError[]) : errors === undefined ? undefined : `the subscription failed: ${String(errors)}`;
          if (wrong) failures.push(`${where} → ${wrong}`);
        }
      } else {
        const result = await ws.execute(operation.query, operation.variables).catch((error: unknown) => ({ errors: undefined, closed: String(error) }));
        if ("closed" in result) failures.push(`${where} → the socket failed: ${result.closed}`);
        else {
          if (result.data == null && !result.errors?.length) failures.push(`${where} → neither data nor errors`);
          const wrong = undocumented(result.errors as GqlError[] | undefined);
          if (wrong) failures.push(`${where} → ${wrong}`);
        }
      }
    }
    expect(failures, `FUZZ_SEED=${SEED}: ${failures.length} of ${runs} operations failed`).toEqual([]);
    expect(runs).toBeGreaterThanOrEqual(Math.min(RUNS, 100));
    // Still serving on both doors.
    expect(await ok(server, `{ myProfile { jid } }`, {}, { token: me.token })).toEqual({ myProfile: { jid: me.jid } });
    expect((await ws.execute(`{ __typename }`)).data).toEqual({ __typename: "Query" });
  });
});
