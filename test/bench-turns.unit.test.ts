// The bench's comparisons across targets that take turns: how the messages are split into rounds,
// and how a target's rounds are read back as one run (its metrics over several spans, its
// latencies over every round's samples).
import { describe, expect, it } from "vitest";
import { acrossSpans, grew, type Reading } from "../bench/support/metrics.js";
import { takingTurns } from "../bench/support/stats.js";
import { combinedRuns, type PairsResult } from "../bench/workloads/pairs.js";

describe("takingTurns", () => {
  it("splits the messages into rounds that add up to them, as even as whole numbers allow, every other round in the opposite order", () => {
    const steps = [...takingTurns(100, 6, ["parley", "floor"])];
    expect(steps.map((s) => s.share)).toEqual([16, 17, 17, 16, 17, 17]);
    expect(steps.reduce((sum, s) => sum + s.share, 0)).toBe(100);
    expect(steps.map((s) => s.order)).toEqual([
      ["parley", "floor"],
      ["floor", "parley"],
      ["parley", "floor"],
      ["floor", "parley"],
      ["parley", "floor"],
      ["floor", "parley"],
    ]);
    expect(steps.every((s) => s.rounds === 6)).toBe(true);
  });

  it("holds the rounds to 1..count, so that no round is empty", () => {
    expect([...takingTurns(3, 10, [0])].map((s) => [s.share, s.rounds])).toEqual([
      [1, 3],
      [1, 3],
      [1, 3],
    ]);
    expect([...takingTurns(300, 0, [0])].map((s) => [s.share, s.rounds])).toEqual([[300, 1]]);
    expect([...takingTurns(300, Number.NaN, [0])].map((s) => s.share)).toEqual([300]);
  });
});

describe("acrossSpans", () => {
  it("reads what grew over several spans as one, for every series, those that first appear in a later reading included", () => {
    const reading = (entries: [string, number][]): Reading => new Map(entries);
    const spans: [Reading, Reading][] = [
      [reading([["a_sum", 10], ['b{stage="x"}', 1]]), reading([["a_sum", 13], ['b{stage="x"}', 2]])],
      [reading([["a_sum", 20], ['b{stage="x"}', 5]]), reading([["a_sum", 24], ['b{stage="x"}', 9], ["c", 7]])],
    ];
    const [before, after] = acrossSpans(spans);
    expect(grew(before, after, "a_sum")).toBe(7);
    expect(grew(before, after, "b", 'stage="x"')).toBe(5);
    expect(grew(before, after, "c")).toBe(7);
  });
});

describe("combinedRuns", () => {
  const run = (over: Partial<PairsResult>): PairsResult => ({
    workload: "pairs",
    target: "floor",
    pairs: 1,
    perSender: 50,
    window: 1,
    sent: 50,
    delivered: 50,
    lost: 0,
    duplicates: 0,
    errors: 0,
    msgsPerSec: 0,
    latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 },
    seconds: 1,
    clientElu: 0,
    serverCores: 0,
    ...over,
  });

  it("sums the counts, takes the percentiles over every round's samples and the rates over the rounds' time", () => {
    const combined = combinedRuns([
      { result: run({ seconds: 1, clientElu: 0.2, serverCores: 0.5 }), samples: Array.from({ length: 50 }, () => 1) },
      { result: run({ seconds: 3, delivered: 49, lost: 1, clientElu: 0.6, serverCores: 0.1 }), samples: Array.from({ length: 49 }, () => 3) },
    ]);
    expect(combined).toMatchObject({ perSender: 100, sent: 100, delivered: 99, lost: 1, seconds: 4, msgsPerSec: 25, clientElu: 0.5, serverCores: 0.2 });
    // 50 samples of 1 ms and 49 of 3 ms: the p50 is the 50th, the p95 and the max are 3.
    expect(combined.latencyMs).toEqual({ p50: 1, p95: 3, p99: 3, max: 3 });
  });
});
