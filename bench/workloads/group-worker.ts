// A worker thread of the group bench: holds a share of the members' subscriptions and notes when
// each message reaches each of them; the main thread collects the notes after each phase.
import { parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import type { BenchUser } from "../support/parley.js";
import { now } from "../support/stats.js";
import { eachLimited, floorTarget, parleyTarget, type Subscription } from "../support/targets.js";

interface Input {
  kind: "parley" | "floor";
  url: string;
  users: BenchUser[];
  /** Whose deliveries are not counted: the sender's own copy. */
  senderId: number;
}

const input = workerData as Input;
const target = input.kind === "parley" ? parleyTarget(input.url) : floorTarget(input.url);
let ids: string[] = [];
let times: number[] = [];
let elu = performance.eventLoopUtilization();

const subscriptions: Subscription[] = [];
await eachLimited(input.users, 25, async (user) => {
  const counted = user.id !== input.senderId;
  subscriptions.push(
    await target.subscribe(user, (id) => {
      if (!counted) return;
      ids.push(id);
      times.push(now());
    }),
  );
});
parentPort!.postMessage({ type: "ready" });

parentPort!.on("message", (m: { type: "start" | "count" | "collect" | "close" }) => {
  // A round starts: the event loop's use is counted from here to the collect after it.
  if (m.type === "start") {
    elu = performance.eventLoopUtilization();
    parentPort!.postMessage({ type: "start" });
  }
  if (m.type === "count") parentPort!.postMessage({ type: "count", count: ids.length });
  if (m.type === "collect") {
    const busy = performance.eventLoopUtilization(elu);
    parentPort!.postMessage({ type: "collect", ids, times: Float64Array.from(times), elu: busy.utilization });
    ids = [];
    times = [];
    elu = performance.eventLoopUtilization();
  }
  if (m.type === "close") {
    for (const s of subscriptions) s.close();
    setTimeout(() => process.exit(0), 200);
  }
});
