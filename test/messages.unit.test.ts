// Unit tests of dense message logic: the status a viewer sees, and the subscription queue.
import { describe, expect, it } from "vitest";
import { statusFor } from "../src/messages/message.service.js";
import { AsyncQueue } from "../src/realtime/async-queue.js";

describe("statusFor", () => {
  const at = new Date();
  const receipt = (userId: number, delivered: boolean, seen: boolean) => ({ userId, deliveredAt: delivered ? at : null, seenAt: seen ? at : null });

  it("the sender sees the furthest status every recipient reached", () => {
    const row = { senderId: 1 };
    expect(statusFor(row, 1, [])).toBe("SENT");
    expect(statusFor(row, 1, [receipt(2, false, false)])).toBe("SENT");
    expect(statusFor(row, 1, [receipt(2, true, false), receipt(3, false, false)])).toBe("SENT");
    expect(statusFor(row, 1, [receipt(2, true, false), receipt(3, true, true)])).toBe("DELIVERED");
    expect(statusFor(row, 1, [receipt(2, true, true), receipt(3, false, true)])).toBe("SEEN");
  });

  it("a recipient sees their own status only", () => {
    const row = { senderId: 1 };
    const receipts = [receipt(2, true, true), receipt(3, false, false)];
    expect(statusFor(row, 2, receipts)).toBe("SEEN");
    expect(statusFor(row, 3, receipts)).toBe("SENT");
    expect(statusFor(row, 4, receipts)).toBe("SENT");
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
});
