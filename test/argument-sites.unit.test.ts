// Where an operation's arguments are, as the door's checks (strings, cost) read them: every field
// taking arguments, in the operation and its fragments, in document order; found once per tree.
import { type OperationDefinitionNode, parse } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { argumentSites } from "../src/graphql/argument-sites.js";
import { parleySchema } from "../src/schema.js";

describe("argumentSites", () => {
  let schema: Awaited<ReturnType<typeof parleySchema>>;
  beforeAll(async () => {
    schema = await parleySchema();
  });

  const SEND = `mutation($input: SendTextMessageInput!) { sendTextMessage(input: $input) { id ...Reply } }
    fragment Reply on Message { replyTo { id } }
    fragment Profile on Query { a: jid(username: "a") b: noSuchField(x: 1) }`;

  it("lists the fields that take arguments, the fragments' too, in document order, leaving out fields the schema does not know", () => {
    const document = parse(SEND);
    const sites = argumentSites(schema, document, document.definitions[0] as OperationDefinitionNode);
    expect(sites.map((s) => `${s.field.name}(${s.node.arguments!.map((a) => a.name.value).join(",")})`)).toEqual(["sendTextMessage(input)", "jid(username)"]);
  });

  it("walks a tree once: the same tree sent again gets the same list, another tree a list of its own", () => {
    const document = parse(SEND);
    const operation = document.definitions[0] as OperationDefinitionNode;
    const first = argumentSites(schema, document, operation);
    expect(argumentSites(schema, document, operation)).toBe(first);
    const again = parse(SEND);
    expect(argumentSites(schema, again, again.definitions[0] as OperationDefinitionNode)).not.toBe(first);
  });
});
