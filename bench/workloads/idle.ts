// (e) Idle subscribed sockets: what one costs the server in memory. SOCKETS users each hold one
// socket with a live messageReceived subscription (the floor: one subscribed WebSocket each) and
// send nothing; the server's memory before and after (each after a full GC, read through the
// inspector), divided by the sockets.
import type { Child } from "../support/environment.js";
import { Inspector } from "../support/inspector.js";
import { readMetrics } from "../support/metrics.js";
import type { BenchUser } from "../support/parley.js";
import { round } from "../support/stats.js";
import { eachLimited, type Subscription, type Target } from "../support/targets.js";

export interface IdleResult {
  workload: "idle";
  target: string;
  sockets: number;
  /** Growth per socket after a full GC, KiB: the resident set, and the live JavaScript heap within it. */
  kbPerSocket: number;
  heapKbPerSocket: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  seconds: number;
}

/** How many messageReceived subscriptions the Parley process holds, from its /metrics. */
async function liveSubscriptions(url: string): Promise<number> {
  return (await readMetrics(url)).get('parley_graphql_active_subscriptions{operation="messageReceived"}') ?? 0;
}

export async function idleBench(deps: { target: Target; child: Child; users: BenchUser[]; log: (...parts: unknown[]) => void }): Promise<IdleResult> {
  const { target, child, users } = deps;
  const inspector = await Inspector.connect(child.inspectPort!);
  try {
    // BENCH_IDLE_CLASSES=1: also what the sockets hold, by class (two heap snapshots; slow).
    const classes = process.env.BENCH_IDLE_CLASSES === "1";
    const classesBefore = classes ? await inspector.heapByClass() : undefined;
    const before = await inspector.memoryAfterGc();
    const start = Date.now();
    const subscriptions: Subscription[] = new Array(users.length);
    deps.log(`idle on ${target.kind}: opening ${users.length} subscribed sockets`);
    await eachLimited(users, 50, async (user, i) => {
      subscriptions[i] = await target.subscribe(user, () => undefined);
    });
    if (target.kind !== "floor") {
      // graphql-ws acknowledges the socket before the subscription is set up: wait for all of them.
      const deadline = Date.now() + 60_000;
      while ((await liveSubscriptions(target.url)) < users.length) {
        if (Date.now() > deadline) throw new Error(`${target.kind}: subscriptions did not all go live within 60 s`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const seconds = (Date.now() - start) / 1000;
    // Whatever setting up the sockets left to finish (timers, first pings) settles first.
    await new Promise((r) => setTimeout(r, 2000));
    const after = await inspector.memoryAfterGc();
    if (classesBefore) {
      const grown = [...(await inspector.heapByClass())]
        .map(([key, { count, bytes }]) => ({ key, count: (count - (classesBefore.get(key)?.count ?? 0)) / users.length, bytes: (bytes - (classesBefore.get(key)?.bytes ?? 0)) / users.length }))
        .filter((c) => c.bytes > 16)
        .sort((a, b) => b.bytes - a.bytes);
      deps.log(`idle on ${target.kind}: heap growth per socket by class (bytes, objects):`);
      for (const c of grown.slice(0, 40)) deps.log(`  ${round(c.bytes, 0)} B  ${round(c.count, 2)}  ${c.key}`);
    }
    for (const s of subscriptions) s.close();
    const perSocket = (bytes: number) => round(bytes / 1024 / users.length, 1);
    return {
      workload: "idle",
      target: target.kind,
      sockets: users.length,
      kbPerSocket: perSocket(after.rss - before.rss),
      heapKbPerSocket: perSocket(after.heapUsed - before.heapUsed),
      rssBeforeMb: round(before.rss / 1048576, 1),
      rssAfterMb: round(after.rss / 1048576, 1),
      seconds: round(seconds),
    };
  } finally {
    inspector.close();
  }
}
