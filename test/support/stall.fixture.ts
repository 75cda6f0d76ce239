// Not a test of the suite (no .test.ts): test/watchdog.test.ts runs it in a vitest of its own.
// Its test never yields to the event loop, as Realtime.ready() once did.
import { it } from "vitest";

async function goRound(): Promise<void> {}

it("goes round on resolved promises", { timeout: 1000 }, async () => {
  for (;;) await goRound();
});
