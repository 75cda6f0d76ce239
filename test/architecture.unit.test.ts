// The folders of src/ depend on each other one way: every import (type-only ones included, a
// type is knowledge too) goes down the declared layer order of docs/architecture.md, and no
// folder reaches another in a circle.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");

/**
 * Lowest first. A folder may import only folders before it. The composition root (the files at
 * the top of src/ that wire the parts together) may import anything and nothing imports it;
 * config.ts is the typed configuration every layer reads.
 */
const LAYERS = ["config", "db", "realtime", "graphql", "http", "identity", "media", "profiles", "messages", "groups", "chats", "sync", "root"] as const;
const ROOT_FILES = new Set(["app.ts", "main.ts", "migrate.ts", "print-schema.ts", "registry.ts", "schema.ts", "services.ts"]);

/** Imports that go against the order on purpose, each with its reason. Empty: aim to keep it so. */
const ALLOWED: readonly { from: string; to: string; reason: string }[] = [];

type Layer = (typeof LAYERS)[number];

function layerOf(file: string): Layer {
  const path = relative(SRC, file).split(sep);
  if (path.length === 1) {
    if (path[0] === "config.ts") return "config";
    if (ROOT_FILES.has(path[0]!)) return "root";
    throw new Error(`src/${path[0]} is neither config.ts nor a file of the composition root: name it in ROOT_FILES or move it into a layer`);
  }
  const folder = path[0] as Layer;
  if (!LAYERS.includes(folder) || folder === "root" || folder === "config") throw new Error(`src/${path[0]}/ is in no layer: add it to LAYERS`);
  return folder;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

interface Edge {
  from: Layer;
  to: Layer;
  /** file → imported module, as written */
  site: string;
}

/** Every import between two layers: `import`, `import type`, `export … from`, `import("…")`. */
function layerEdges(files: readonly { path: string; text: string }[]): Edge[] {
  const edges: Edge[] = [];
  for (const { path, text } of files) {
    const from = layerOf(path);
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      if (!imported.fileName.startsWith(".")) continue;
      const to = layerOf(resolve(dirname(path), imported.fileName.replace(/\.js$/, ".ts")));
      if (to !== from) edges.push({ from, to, site: `src/${relative(SRC, path)} → ${imported.fileName}` });
    }
  }
  return edges;
}

/**
 * The folder graph's cycles: for each group of folders that reach each other (a strongly
 * connected component), one shortest cycle through its lowest folder, the first repeated at the
 * end. Listing every elementary cycle would drown the one to break first.
 */
function cycles(edges: readonly Edge[]): Layer[][] {
  const next = new Map<Layer, Set<Layer>>();
  for (const e of edges) (next.get(e.from) ?? next.set(e.from, new Set()).get(e.from)!).add(e.to);
  /** The shortest path from a to b (both included), or undefined. */
  const path = (a: Layer, b: Layer): Layer[] | undefined => {
    const before = new Map<Layer, Layer>();
    const queue: Layer[] = [a];
    while (queue.length > 0) {
      const at = queue.shift()!;
      for (const to of next.get(at) ?? []) {
        if (to === b) {
          const found: Layer[] = [b];
          for (let p: Layer | undefined = at; p !== undefined; p = before.get(p)) found.unshift(p);
          return found;
        }
        if (!before.has(to) && to !== a) {
          before.set(to, at);
          queue.push(to);
        }
      }
    }
    return undefined;
  };
  const seen = new Set<Layer>();
  const found: Layer[][] = [];
  for (const start of LAYERS) {
    if (seen.has(start)) continue;
    const cycle = path(start, start);
    if (!cycle) continue;
    found.push(cycle);
    // The rest of its component: folders reachable from start that reach it back.
    for (const other of LAYERS) if (other === start || (path(start, other) && path(other, start))) seen.add(other);
  }
  return found;
}

function againstTheOrder(edges: readonly Edge[]): Edge[] {
  return edges.filter(
    (e) => LAYERS.indexOf(e.to) > LAYERS.indexOf(e.from) && !ALLOWED.some((a) => a.from === e.from && a.to === e.to),
  );
}

const src = sourceFiles(SRC).map((path) => ({ path, text: readFileSync(path, "utf8") }));

describe("architecture", () => {
  it("no folder of src/ reaches another in a circle", () => {
    const found = cycles(layerEdges(src)).map((c) => c.join(" → "));
    expect(found, `folder cycles:\n${found.join("\n")}`).toEqual([]);
  });

  it("every import goes down the layer order (config, db, realtime, graphql, http, identity, media, profiles, messages, groups, chats; the composition root on top)", () => {
    const wrong = againstTheOrder(layerEdges(src)).map((e) => `${e.from} → ${e.to}: ${e.site}`);
    expect(wrong, `imports against the layer order:\n${wrong.join("\n")}`).toEqual([]);
  });

  it("sees type-only imports, re-exports and import() types, and names a cycle", () => {
    const at = (p: string) => join(SRC, p);
    const edges = layerEdges([
      { path: at("messages/a.ts"), text: `import type { X } from "../chats/x.js";` },
      { path: at("chats/b.ts"), text: `export { Y } from "../messages/y.js";` },
      { path: at("media/c.ts"), text: `let z: import("../groups/z.js").Z;` },
    ]);
    expect(edges.map((e) => `${e.from}>${e.to}`)).toEqual(["messages>chats", "chats>messages", "media>groups"]);
    expect(cycles(edges)).toEqual([["messages", "chats", "messages"]]);
    expect(againstTheOrder(edges).map((e) => e.site)).toEqual(["src/messages/a.ts → ../chats/x.js", "src/media/c.ts → ../groups/z.js"]);
  });
});
