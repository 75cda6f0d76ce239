// The cost limit counts lists at their largest size: every client operation fits the default limit
// with the largest sizes it can ask for, and queries that could answer with megabytes do not; a
// document whose variables cannot change its cost is counted once.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type DocumentNode,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  parse,
  typeFromAST,
} from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { CostLimit } from "../src/graphql/cost.js";
import { parleySchema } from "../src/schema.js";

const OPERATIONS = join(process.cwd(), "client", "operations");
const documents: DocumentNode = {
  kind: Kind.DOCUMENT,
  definitions: readdirSync(OPERATIONS)
    .filter((f) => f.endsWith(".graphql"))
    .flatMap((f) => parse(readFileSync(join(OPERATIONS, f), "utf8")).definitions),
};
const operations = documents.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

/** The largest value each list variable of the client operations may take. */
const ids = (n: number) => Array.from({ length: n }, (_, i) => `id${i}`);
const LARGEST: Record<string, unknown> = { messageIds: ids(50), toJids: ids(50), jids: ids(100), participantJids: ids(999) };
const LARGEST_LIMIT: Record<string, number> = { ChatMessages: 100, Profiles: 1000, Sync: 100 };

/** A value of the type: the largest where it is a list variable above, the least otherwise. */
function someValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return someValue(type.ofType);
  if (isListType(type)) return [someValue(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) return Object.fromEntries(Object.values(type.getFields()).map((f) => [f.name, someValue(f.type)]));
  return { Int: 1, Float: 1, Boolean: true }[type.name] ?? "x";
}

function largestVariables(schema: GraphQLSchema, operation: OperationDefinitionNode): Record<string, unknown> {
  const name = operation.name!.value;
  return Object.fromEntries(
    (operation.variableDefinitions ?? []).map((d) => {
      const variable = d.variable.name.value;
      const value = variable === "limit" ? LARGEST_LIMIT[name] : LARGEST[variable];
      return [variable, value ?? someValue(typeFromAST(schema, d.type as never) as GraphQLInputType)];
    }),
  );
}

const PROFILE_FIELDS = `jid username nickname image status mobileNumber email gender birthday location language allowType
  messageSettings adminForbidType level role isOnline lastSeenAt updatedAt customFields { key value }`;
const aliased = (n: number, selection: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join(" ")} }`;

describe("the query cost", () => {
  let cost: CostLimit;
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await parleySchema();
    cost = new CostLimit(schema, loadConfig({}));
  });

  const costOf = (query: string, variables?: Record<string, unknown>) => {
    const document = parse(query);
    return cost.cost(document, document.definitions[0] as OperationDefinitionNode, variables);
  };

  it.each(operations.map((o) => [o.name!.value, o] as const))("of the client operation %s fits the default limit at its largest sizes", (_name, operation) => {
    const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...documents.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)] };
    const found = cost.cost(document, operation, largestVariables(schema, operation));
    expect(found).toBeGreaterThan(0);
    expect(found).toBeLessThanOrEqual(cost.max);
  });

  it("multiplies a list's items by its largest size, through nesting", () => {
    // groups (20 by default) × participants (MAX_GROUP_SIZE 1000) × (user + its jid).
    expect(costOf(`{ groups { participants { user { jid } } } }`)).toBe(1 + 20 * (1 + 1000 * (1 + 1)));
    expect(costOf(`{ groups(limit: 2) { name } }`)).toBe(1 + 2 * 1);
    expect(costOf(`query($n: Int) { chatMessages(jid: "x", limit: $n) { messages { id } } }`, { n: 10 })).toBe(1 + 10 * (1 + 1));
    expect(costOf(`mutation { forwardMessages(toJids: ["a", "b"], messageIds: ["m1", "m2", "m3"]) { id } }`)).toBe(1 + 6);
  });

  it("refuses the amplifying query: 15 aliases of groups' participants' profiles", () => {
    const query = aliased(15, `groups { participants { user { ${PROFILE_FIELDS} } } }`);
    const document = parse(query);
    const refusal = cost.refusal(document, document.definitions[0] as OperationDefinitionNode, {});
    expect(refusal?.message).toMatch(/^Query cost limit of 250000 exceeded: this operation costs \d+ /);
    expect(refusal?.extensions).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED", maxCost: 250_000 });
    // Even one group at a time: 15 full groups of full profiles is megabytes.
    expect(costOf(aliased(15, `group(jid: "g") { participants { user { ${PROFILE_FIELDS} } } }`))).toBeGreaterThan(cost.max);
  });

  it("lets an ordinary large page through: a chat page of 50, one full group", () => {
    expect(costOf(`{ chatMessages(jid: "x", limit: 50) { hasMore messages { id rowId text fromJid toJid createdAt status media { url fileName } replyTo { id text } } } }`)).toBeLessThan(cost.max);
    expect(costOf(`{ group(jid: "g") { name participants { role joinedAt user { ${PROFILE_FIELDS} } } } }`)).toBeLessThan(cost.max);
  });

  it("refuses a fragment bomb without counting it out", () => {
    const fragments = Array.from({ length: 20 }, (_, i) => `fragment F${i} on UserProfile { a: jid ${i < 19 ? `...F${i + 1} b: username ...F${i + 1}` : ""} }`).join("\n");
    const document = parse(`{ myProfile { ...F0 } }\n${fragments}`);
    expect(cost.refusal(document, document.definitions[0] as OperationDefinitionNode, {})?.message).toMatch(/selects more than 20000 fields/);
  });
});

// The cost of an operation is counted once when its variables cannot change it (the send
// mutations, sent again and again): on each request only the variables are checked to fit.
describe("the query cost of a document sent again", () => {
  let counted = 0;
  const items = {
    type: new GraphQLList(GraphQLString),
    args: { limit: { type: GraphQLInt }, filter: { type: GraphQLString } },
    extensions: {
      complexity: ({ args, childComplexity }: { args: { limit?: number }; childComplexity: number }) => {
        counted += 1;
        return 1 + (args.limit ?? 10) * Math.max(childComplexity, 1);
      },
    },
  };
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: { items, echo: { type: GraphQLString, args: { text: { type: GraphQLString } } } } }),
  });
  const limit = new CostLimit(schema, loadConfig({}));
  const costs = (query: string, variables: Record<string, unknown>[]) => {
    const document = parse(query);
    const operation = document.definitions[0] as OperationDefinitionNode;
    counted = 0;
    return { costs: variables.map((v) => limit.cost(document, operation, v)), counted };
  };

  it("is counted once when no variable reaches a counted argument or a directive", () => {
    const query = `query($text: String, $f: String) { items(limit: 3, filter: "x") echo(text: $text) more: echo(text: $f) }`;
    expect(costs(query, [{ text: "a" }, { text: "b", f: "c" }, {}])).toEqual({ costs: [6, 6, 6], counted: 1 });
  });

  it("is counted with each request's variables when they reach a counted argument", () => {
    expect(costs(`query($n: Int) { items(limit: $n) }`, [{ n: 2 }, { n: 5 }, {}])).toEqual({ costs: [3, 6, 11], counted: 3 });
    expect(costs(`query($f: String) { items(limit: 1, filter: $f) }`, [{ f: "a" }, { f: "b" }])).toEqual({ costs: [2, 2], counted: 2 });
  });

  it("is counted with each request's variables when they decide a directive", () => {
    expect(costs(`query($show: Boolean!) { items(limit: 4) @include(if: $show) echo }`, [{ show: true }, { show: false }])).toEqual({ costs: [6, 1], counted: 1 });
  });

  it("answers variables that do not fit as before, once counted: not at all (execution refuses them)", () => {
    const query = `query($text: String!) { items(limit: 3) echo(text: $text) }`;
    expect(costs(query, [{ text: "a" }, { text: 5 }, {}, { text: "b" }])).toEqual({ costs: [5, undefined, undefined, 5], counted: 1 });
  });
});
