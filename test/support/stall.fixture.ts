// Not a test of the suite (no .test.ts): test/watchdog.test.ts runs it in a vitest of its own.
// Its second test never yields to the event loop, as Realtime.ready() once did.
import { expect, it } from "vitest";

async function goRound(): Promise<void> {}

it("passes", () => {
  expect(1).toBe(1);
});

it("goes round on resolved promises", { timeout: 1000 }, async () => {
  for (;;) await goRound();
});
