// A publish to Redis fails when the broker does not answer within its time (issue 16's fail-fast),
// but not when the answer came and the process was too busy to read it.
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createRealtime, type Realtime } from "../src/realtime/pubsub.js";
import { topics } from "../src/realtime/topics.js";

/** Blocks the event loop for ms, as a process saturated with work does. */
function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* spinning */
  }
}

describe.runIf(process.env.REDIS_URL)("publishing to Redis from a busy process", () => {
  const opened: Realtime[] = [];
  afterAll(async () => {
    for (const r of opened) await r.pubsub.close();
  });

  it("a publish answered while the event loop was blocked past the timeout succeeds: the broker answered in time", async () => {
    const config = loadConfig({ NODE_ENV: "test", JWT_SECRET: "x".repeat(32), REDIS_URL: process.env.REDIS_URL, REDIS_NAMESPACE: `busy-${process.pid}` });
    const realtime = createRealtime(config, pino({ level: "silent" }));
    opened.push(realtime);
    // Connected once a publish goes through.
    for (;;) {
      const ok = await realtime.pubsub.publish(topics.messageStatus(1), { messageId: "m", chatJid: "c", userJid: "u", status: "DELIVERED", at: new Date(0).toISOString() }).then(() => true, () => false);
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (let i = 0; i < 3; i++) {
      const publishing = realtime.pubsub.publish(topics.messageStatus(1), { messageId: `m${i}`, chatJid: "c", userJid: "u", status: "DELIVERED", at: new Date(0).toISOString() });
      // Redis answers within a millisecond; the process reads the answer only after 1.5 s (the timeout is 1 s).
      busy(1500);
      await expect(publishing).resolves.toBeUndefined();
    }
  });
});
