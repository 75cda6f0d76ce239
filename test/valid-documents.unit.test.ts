// The socket door's store of parsed, validated documents: a document sent again is the same tree
// (parsed once, one copy however many subscriptions hold it); refusals are never stored; the
// store stays within its bounds.
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { CostLimit } from "../src/graphql/cost.js";
import { parseOptions, validationRules } from "../src/graphql/limits.js";
import { type DocumentRules, ValidDocuments } from "../src/graphql/operation.js";
import { parleySchema } from "../src/schema.js";

const RECEIVED = "subscription { messageReceived { id rowId fromJid } }";
const DELETED = "subscription { messagesDeleted { messageIds } }";

describe("ValidDocuments", () => {
  let rules: DocumentRules;
  beforeAll(async () => {
    const config = loadConfig({});
    const schema = await parleySchema();
    rules = { schema, parseOptions: parseOptions(config), rules: validationRules(config), cost: new CostLimit(schema, config) };
  });

  it("answers a document sent again with the tree it parsed the first time", () => {
    const documents = new ValidDocuments(rules);
    const first = documents.parseAndValidate(RECEIVED);
    const again = documents.parseAndValidate(RECEIVED);
    expect(first.errors).toBeUndefined();
    expect(again.document).toBe(first.document);
  });

  it("refuses an invalid document every time, with the field named, and keeps nothing of it", () => {
    const documents = new ValidDocuments(rules, { documents: 10, textChars: 10_000 });
    const bad = "subscription { messageReceived { noSuchField } }";
    for (let i = 0; i < 2; i++) {
      const result = documents.parseAndValidate(bad);
      expect(result.document).toBeUndefined();
      expect(result.errors?.[0]?.message).toMatch(/noSuchField/);
    }
    const unparsable = documents.parseAndValidate("subscription {");
    expect(unparsable.errors?.[0]?.extensions.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("holds at most the number of documents it is given, forgetting the least recently used", () => {
    const documents = new ValidDocuments(rules, { documents: 1, textChars: 10_000 });
    const first = documents.parseAndValidate(RECEIVED).document;
    expect(documents.parseAndValidate(DELETED).errors).toBeUndefined();
    expect(documents.parseAndValidate(RECEIVED).document).not.toBe(first);
  });

  it("keeps no document longer than its bound on text", () => {
    const documents = new ValidDocuments(rules, { documents: 10, textChars: RECEIVED.length - 1 });
    const first = documents.parseAndValidate(RECEIVED).document;
    expect(documents.parseAndValidate(RECEIVED).document).not.toBe(first);
  });
});
