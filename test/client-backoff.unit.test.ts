// The SDK's reconnect delay: full jitter under a ceiling that doubles per attempt and is capped.
import { describe, expect, it } from "vitest";
import { reconnectDelay } from "../client/src/index.js";

describe("reconnectDelay", () => {
  const options = { initialDelayMs: 100, maxDelayMs: 1_000 };

  it("doubles its ceiling per attempt up to maxDelayMs, and never goes over", () => {
    const ceilings = [0, 1, 2, 3, 4, 10, 1_000].map((attempt) => reconnectDelay(attempt, options, () => 0.999999));
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999, 999]);
  });

  it("is a random share of the ceiling, so that clients cut off together spread out", () => {
    expect(reconnectDelay(3, options, () => 0)).toBe(0);
    expect(reconnectDelay(3, options, () => 0.5)).toBe(400);
  });
});
