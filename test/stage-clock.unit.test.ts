// StageClock: what each stage is counted from, whatever order the marks arrive in, and which
// messages are observed at all.
import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Stage, StageClock } from "../src/graphql/stage-clock.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A clock whose performance.now() is set by hand, and what it observed, in milliseconds. */
function clockAt() {
  let now = 0;
  vi.spyOn(performance, "now").mockImplementation(() => now);
  const observed: [string, number][] = [];
  const clock = new StageClock((stage, seconds) => observed.push([stage, Math.round(seconds * 1e6) / 1e3]));
  const mark = (id: string, stage: Exclude<Stage, "door">, at: number) => {
    now = at;
    clock.mark(id, stage);
  };
  return { clock, mark, observed };
}

describe("StageClock", () => {
  it("observes a message once every stage is in, announce after the socket included, announce and broker both from commit", () => {
    const { clock, mark, observed } = clockAt();
    clock.start("m", 0);
    mark("m", "resolver", 1);
    mark("m", "write", 3);
    mark("m", "commit", 6);
    // As on Redis: the recipient's socket wrote the message before the publisher heard PUBLISH answered.
    mark("m", "broker", 7);
    mark("m", "render", 9);
    mark("m", "socket", 10);
    expect(observed).toEqual([]);
    mark("m", "announce", 12);
    expect(observed).toHaveLength(7);
    expect(Object.fromEntries(observed)).toEqual({ resolver: 1, write: 2, commit: 3, announce: 6, broker: 1, render: 2, socket: 1 });
    // Forgotten once observed: a later copy's marks time nothing.
    mark("m", "socket", 20);
    expect(observed).toHaveLength(7);
  });

  it("counts only the first mark of a stage, and observes nothing of ids never started or of messages missing a stage", () => {
    const { clock, mark, observed } = clockAt();
    clock.start("group", 0);
    clock.start("replayed", 0);
    for (const [stage, at] of [["resolver", 1], ["write", 2], ["commit", 3], ["announce", 4]] as const) {
      mark("group", stage, at);
      mark("replayed", stage, at);
    }
    // Two members' streams hear the group message; the first of each stage counts.
    mark("group", "broker", 5);
    mark("group", "broker", 8);
    mark("group", "render", 9);
    // Read from the database rather than heard live: no broker stage.
    mark("replayed", "render", 9);
    mark("replayed", "socket", 10);
    mark("never-started", "socket", 10);
    expect(observed).toEqual([]);
    mark("group", "socket", 11);
    expect(Object.fromEntries(observed)).toMatchObject({ broker: 2, render: 4, socket: 2 });
    expect(observed).toHaveLength(7);
  });
});
