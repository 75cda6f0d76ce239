// The typed client covers the API: every root field of schema/schema.graphql has an operation in
// client/operations/, and every operation there is valid against the schema (what codegen reads).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema, type DocumentNode, Kind, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";

const OPERATIONS = join(process.cwd(), "client", "operations");
const schema = buildSchema(readFileSync(join(process.cwd(), "schema", "schema.graphql"), "utf8"));
const documents: DocumentNode = {
  kind: Kind.DOCUMENT,
  definitions: readdirSync(OPERATIONS)
    .filter((f) => f.endsWith(".graphql"))
    .flatMap((f) => parse(readFileSync(join(OPERATIONS, f), "utf8")).definitions),
};

describe("client/operations", () => {
  it("are valid against the schema", () => {
    expect(validate(schema, documents).map((e) => e.message)).toEqual([]);
  });

  it.each(["query", "mutation", "subscription"] as const)("cover every %s field of the schema", (kind) => {
    const root = kind === "query" ? schema.getQueryType() : kind === "mutation" ? schema.getMutationType() : schema.getSubscriptionType();
    const covered = new Set(
      documents.definitions.flatMap((d) =>
        d.kind === Kind.OPERATION_DEFINITION && d.operation === kind
          ? d.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []))
          : [],
      ),
    );
    const missing = Object.keys(root?.getFields() ?? {}).filter((field) => !covered.has(field));
    expect(missing).toEqual([]);
  });
});
