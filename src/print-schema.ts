// npm run schema: writes schema/schema.graphql from the TypeGraphQL schema.
// With --check it writes nothing and fails when the committed file is stale.
import "reflect-metadata";
import { readFileSync, writeFileSync } from "node:fs";
import { printedSchema } from "./schema.js";

const file = new URL("../schema/schema.graphql", import.meta.url);
const printed = await printedSchema();
if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(file, "utf8");
  } catch {
    // missing counts as stale
  }
  if (committed !== printed) {
    console.error("schema/schema.graphql is stale: run `npm run schema` and commit it");
    process.exit(1);
  }
  console.log("schema/schema.graphql is current");
} else {
  writeFileSync(file, printed);
  console.log("wrote schema/schema.graphql");
}
