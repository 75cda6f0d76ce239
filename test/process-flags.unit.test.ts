// The flags node runs Parley with: npm start (package.json) and the Docker image (its CMD) give the
// same ones, and the bench reads them from the start script, so what is measured is what runs.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

function startScriptFlags(): string[] | undefined {
  const { scripts } = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  return /\bnode((?:\s+--\S+)*)\s+dist\/main\.js\b/.exec(scripts.start)?.[1]!.split(/\s+/).filter(Boolean);
}

function dockerCmd(): string[] {
  const line = readFileSync(resolve(ROOT, "Dockerfile"), "utf8")
    .split("\n")
    .find((l) => l.startsWith("CMD "));
  return JSON.parse(line!.slice("CMD ".length)) as string[];
}

describe("node's flags for the server process", () => {
  it("npm start and the Docker image's CMD run dist/main.js with the same flags, the young generation's semi-space size among them", () => {
    const flags = startScriptFlags();
    expect(flags).toBeDefined();
    expect(flags).toContainEqual(expect.stringMatching(/^--max-semi-space-size=\d+$/));
    expect(dockerCmd()).toEqual(["node", ...flags!, "dist/main.js"]);
  });
});
