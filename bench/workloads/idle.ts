// (e) Idle subscribed sockets: what one costs the server in memory. SOCKETS users each hold one
// socket with a live messageReceived subscription (the floor: one subscribed WebSocket each) and
// send nothing; the server's resident set before and after, divided by the sockets.
import { readFileSync } from "node:fs";
import type { Child } from "../support/environment.js";
import type { BenchUser } from "../support/parley.js";
import { round } from "../support/stats.js";
import { eachLimited, type Subscription, type Target } from "../support/targets.js";

export interface IdleResult {
  workload: "idle";
  target: string;
  sockets: number;
  /** Resident set growth per socket, KiB. */
  kbPerSocket: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  seconds: number;
}

/** VmRSS of a process in KiB (Linux /proc). */
function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)![1]);
}

/** The median of a few readings taken a little apart, so that one GC's moment does not decide. */
async function steadyRssKb(pid: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 400));
    readings.push(rssKb(pid));
  }
  return readings.sort((a, b) => a - b)[2]!;
}

/** How many messageReceived subscriptions the Parley process holds, from its /metrics. */
async function liveSubscriptions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("parley_graphql_active_subscriptions") && l.includes('operation="messageReceived"'));
  return line ? Number(line.split(" ").pop()) : 0;
}

export async function idleBench(deps: { target: Target; child: Child; users: BenchUser[]; log: (...parts: unknown[]) => void }): Promise<IdleResult> {
  const { target, child, users } = deps;
  const pid = child.process.pid!;
  const before = await steadyRssKb(pid);
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
  const after = await steadyRssKb(pid);
  for (const s of subscriptions) s.close();
  return {
    workload: "idle",
    target: target.kind,
    sockets: users.length,
    kbPerSocket: round((after - before) / users.length, 1),
    rssBeforeMb: round(before / 1024, 1),
    rssAfterMb: round(after / 1024, 1),
    seconds: round(seconds),
  };
}
