// What the Redis subscriber hears sets off work for every listener (a group message: a write to
// each member's socket). A burst read all at once kept the process on that one connection, and
// the database's answers and new requests waited behind it: the subscriber reads what has come,
// then lets the event loop go round (redisConnection's readPerTurn).
import { execFileSync } from "node:child_process";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createRealtime, type Realtime } from "../src/realtime/pubsub.js";
import { topics } from "../src/realtime/topics.js";

describe.runIf(process.env.REDIS_URL)("the Redis subscriber under a burst", () => {
  const opened: Realtime[] = [];
  afterAll(async () => {
    for (const r of opened) await r.pubsub.close();
  });

  it("lets the event loop go round between what it reads: a burst of 4 MB is not handled in one turn", async () => {
    const namespace = `reads-${process.pid}-${Date.now()}`;
    const config = loadConfig({ NODE_ENV: "test", JWT_SECRET: "x".repeat(32), REDIS_URL: process.env.REDIS_URL, REDIS_NAMESPACE: namespace });
    const realtime = createRealtime(config, pino({ level: "silent" }));
    opened.push(realtime);
    const topic = topics.messageStatus(1);
    const count = 100;
    // The turn of the event loop each message was heard in: a ticker counts turns from the first.
    const heard: number[] = [];
    let turn = 0;
    const tick = () => {
      turn += 1;
      if (heard.length < count) setImmediate(tick);
    };
    await realtime.pubsub.listen(topic, () => {
      if (heard.length === 0) setImmediate(tick);
      heard.push(turn);
      // Each message costs the process some work, as a group message's fan-out does: meanwhile
      // Redis fills the socket again.
      const until = performance.now() + 3;
      while (performance.now() < until) {
        /* working */
      }
    });
    // Published by another process while this one is blocked (execFileSync), so that the whole
    // burst waits in the socket and Redis's buffer when this process reads again.
    const publisher = `
      const { Redis } = require("ioredis");
      const redis = new Redis(process.argv[1]);
      const body = JSON.stringify({ messageId: "m", chatJid: "c", userJid: "u", status: "DELIVERED", at: "x".repeat(40000) });
      Promise.all(Array.from({ length: ${count} }, () => redis.publish(process.argv[2], body))).then(() => redis.quit());
    `;
    execFileSync(process.execPath, ["-e", publisher, process.env.REDIS_URL!, config.redisPrefix + topic.name], { cwd: process.cwd() });
    await expect.poll(() => heard.length, { timeout: 10_000 }).toBe(count);
    // 64 KB a read: a message and a half a turn, and what one more read brought before the pause.
    expect(heard.filter((t) => t === 0).length).toBeLessThanOrEqual(4);
    // Spread over many turns of the loop, not a few.
    expect(new Set(heard).size).toBeGreaterThan(count / 5);
  });
});
