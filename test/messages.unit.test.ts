// Unit tests of dense message logic: the status a viewer sees, and the subscription queue.
import { describe, expect, it } from "vitest";
import { statusFor } from "../src/messages/message-view.js";
import { AsyncQueue } from "../src/realtime/async-queue.js";

describe("statusFor", () => {
  const at = new Date();
  const row = { senderId: 1 };

  it("the sender sees the furthest status every recipient reached", () => {
    expect(statusFor(row, 1, undefined, undefined)).toBe("SENT");
    expect(statusFor(row, 1, undefined, { total: 0, delivered: 0, seen: 0 })).toBe("SENT");
    expect(statusFor(row, 1, undefined, { total: 2, delivered: 1, seen: 0 })).toBe("SENT");
    expect(statusFor(row, 1, undefined, { total: 2, delivered: 2, seen: 1 })).toBe("DELIVERED");
    expect(statusFor(row, 1, undefined, { total: 2, delivered: 2, seen: 2 })).toBe("SEEN");
  });

  it("a recipient sees their own status only", () => {
    const everyone = { total: 2, delivered: 2, seen: 2 };
    expect(statusFor(row, 2, { deliveredAt: at, seenAt: at }, everyone)).toBe("SEEN");
    expect(statusFor(row, 3, { deliveredAt: at, seenAt: null }, everyone)).toBe("DELIVERED");
    expect(statusFor(row, 4, { deliveredAt: null, seenAt: null }, everyone)).toBe("SENT");
    expect(statusFor(row, 5, undefined, everyone)).toBe("SENT");
  });
});

describe("AsyncQueue", () => {
  it("hands items over in order, whether pushed before or after the read", async () => {
    const queue = new AsyncQueue<number>();
    const it = queue[Symbol.asyncIterator]();
    queue.push(1);
    queue.push(2);
    expect(await it.next()).toEqual({ value: 1, done: false });
    expect(await it.next()).toEqual({ value: 2, done: false });
    const third = it.next();
    queue.push(3);
    expect(await third).toEqual({ value: 3, done: false });
  });

  it("ends a waiting reader and drops what comes later", async () => {
    const queue = new AsyncQueue<number>();
    const it = queue[Symbol.asyncIterator]();
    const waiting = it.next();
    queue.end();
    expect(await waiting).toEqual({ value: undefined, done: true });
    queue.push(3);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it("tells a taker of an item once the task that pushed it is done, with the rest of that task's items waiting behind it", async () => {
    const queue = new AsyncQueue<number>();
    const told: { value: number | undefined; waiting: number }[] = [];
    queue.takeBy({ took: (step) => told.push({ value: step.value, waiting: queue.size }) });
    // A burst heard in one read of the broker: the consumer learns of it as a whole.
    queue.push(1);
    queue.push(2);
    queue.push(3);
    expect(told).toEqual([]);
    await Promise.resolve();
    expect(told).toEqual([{ value: 1, waiting: 2 }]);
  });

  it("an ended queue tells its taker it is done, and not of what was pushed before the end", async () => {
    const queue = new AsyncQueue<number>();
    const told: IteratorResult<number>[] = [];
    queue.takeBy({ took: (step) => told.push(step) });
    queue.push(1);
    queue.end();
    await Promise.resolve();
    expect(told).toEqual([{ value: undefined, done: true }]);
  });
});
