// The flags `npm start` gives node before dist/main.js, read from package.json's start script (the
// Dockerfile's CMD has the same, test/process-flags.unit.test.ts): the bench runs Parley's
// process as production does.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The start script's node flags, of the package whose folder is root. */
export function startScriptFlags(root: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { start: string } };
  const flags = /\bnode((?:\s+--\S+)*)\s+dist\/main\.js\b/.exec(scripts.start)?.[1];
  if (flags === undefined) throw new Error(`package.json's start script does not run node dist/main.js: ${scripts.start}`);
  return flags.split(/\s+/).filter(Boolean);
}
