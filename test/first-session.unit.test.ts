// The README's first session is examples/first-session.mjs, which CI runs against a real server:
// the script a reader pastes is the one known to work.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(join(process.cwd(), path), "utf8");

describe("README: A first session", () => {
  it("pastes examples/first-session.mjs word for word", () => {
    const block = /node --input-type=module <<'EOF'\n([\s\S]*?)^EOF$/m.exec(read("README.md"))?.[1];
    expect(block).toBe(read("examples/first-session.mjs"));
  });
});
