// (d) One sender, a group of GROUP_SIZE members, every member subscribed (spread over worker
// threads so that the client is not what limits the run; their event-loop use is reported).
// Phases: 100 messages at 10/s, then 300 at 50/s, sent on a clock (not waiting for each other).
// Latency is per delivery: from the start of the send to the arrival at one member. Parley and the
// floor keep their members subscribed together and take turns within a phase (see PHASES).
import { Worker } from "node:worker_threads";
import { type Child, quiet } from "../support/environment.js";
import { acrossSpans, type Reading, readMetrics, serverFigures } from "../support/metrics.js";
import type { BenchUser, ParleyHttp } from "../support/parley.js";
import { latency, now, round, takingTurns } from "../support/stats.js";
import { floorTarget, parleyTarget, type Destination, type Target } from "../support/targets.js";

const WORKERS = Number(process.env.BENCH_GROUP_WORKERS ?? 2);
/**
 * Each phase's messages are sent in rounds, the targets taking turns (takingTurns). At 10/s every
 * message is done long before the next, so a round is the same run, shorter (BENCH_GROUP_ROUNDS,
 * 4). At 50/s Parley's writer falls behind and a backlog builds over the phase: a shorter burst
 * would measure another state, so it stays one round.
 */
const PHASES = [
  { count: 100, rate: 10, rounds: Number(process.env.BENCH_GROUP_ROUNDS ?? 4) },
  { count: 300, rate: 50, rounds: 1 },
];
const SETTLE_MS = 5_000;

interface Collected {
  ids: string[];
  times: Float64Array;
  elu: number;
}

class Members {
  private constructor(private readonly workers: Worker[]) {}

  static async open(target: Target, users: BenchUser[], senderId: number): Promise<Members> {
    const share = Math.ceil(users.length / WORKERS);
    const workers = Array.from({ length: WORKERS }, (_, i) => {
      return new Worker(new URL("./group-worker.js", import.meta.url), {
        workerData: { kind: target.kind, url: target.url, users: users.slice(i * share, (i + 1) * share), senderId },
      });
    });
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once("error", reject);
            w.once("message", (m: { type: string }) => (m.type === "ready" ? resolve() : reject(new Error(`worker said ${m.type}`))));
          }),
      ),
    );
    return new Members(workers);
  }

  private ask<T>(type: string): Promise<T[]> {
    return Promise.all(
      this.workers.map((w) => new Promise<T>((resolve) => {
        const on = (m: { type: string }) => {
          if (m.type !== type) return;
          w.off("message", on);
          resolve(m as T);
        };
        w.on("message", on);
        w.postMessage({ type });
      })),
    );
  }

  async count(): Promise<number> {
    return (await this.ask<{ count: number }>("count")).reduce((a, b) => a + b.count, 0);
  }

  /** Marks the start of a round: each worker's event-loop use (Collected.elu) is counted from here. */
  async start(): Promise<void> {
    await this.ask("start");
  }

  collect(): Promise<Collected[]> {
    return this.ask<Collected>("collect");
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => new Promise((resolve) => {
      w.once("exit", resolve);
      w.postMessage({ type: "close" });
    })));
  }

  /** Waits until `expected` deliveries were noted, or no progress for SETTLE_MS. */
  async settle(expected: number): Promise<void> {
    let last = -1;
    let since = now();
    for (;;) {
      const count = await this.count();
      if (count >= expected) return;
      if (count !== last) {
        last = count;
        since = now();
      } else if (now() - since > SETTLE_MS) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function sendPhase(target: Target, sender: BenchUser, to: Destination, label: string, count: number, rate: number) {
  const sentAt = new Map<string, number>();
  let errors = 0;
  const sends: Promise<void>[] = [];
  const start = now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const id = `${label}.${i}`;
    sentAt.set(id, now());
    sends.push(
      target.send(sender, to, id, `group message ${i}`).catch((error: unknown) => {
        errors++;
        sentAt.delete(id);
        if (errors <= 3) console.error(`${target.kind} group send failed:`, error);
      }),
    );
  }
  await Promise.all(sends);
  return { sentAt, errors, start };
}

export async function groupBench(deps: { parley: Child; floor: Child; http: ParleyHttp; members: BenchUser[]; log: (...a: unknown[]) => void; emit: (line: object) => void }) {
  const [sender, ...others] = deps.members;
  const created = await deps.http.gql<{ createGroup: { jid: string; groupId: string } }>(
    `mutation ($name: String!, $jids: [ID!]!) { createGroup(name: $name, participantJids: $jids) { jid groupId } }`,
    { name: "bench group", jids: others.map((u) => u.jid) },
    sender!.token,
  );
  const groupKey = "bench-group";
  await fetch(`${deps.floor.url}/groups`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ key: groupKey, members: deps.members.map((u) => u.id) }),
  });
  const to: Destination = { groupJid: created.createGroup.jid, groupKey };
  const recipients = others.length;
  const lines: Record<string, unknown>[] = [];
  const opened = [];
  for (const [target, child] of [[parleyTarget(deps.parley.url), deps.parley], [floorTarget(deps.floor.url), deps.floor]] as const) {
    deps.log(`group on ${target.kind}: subscribing ${deps.members.length} members over ${WORKERS} worker threads`);
    const members = await Members.open(target, deps.members, sender!.id);
    // One message to prove every subscription live before measuring.
    await target.send(sender!, to, "warm.0", "warm-up");
    await members.settle(recipients);
    const warm = await members.collect();
    const warmed = warm.reduce((a, c) => a + c.ids.length, 0);
    if (warmed < recipients) throw new Error(`${target.kind}: only ${warmed} of ${recipients} members got the warm-up message`);
    opened.push({ target, child, members });
  }
  for (const phase of PHASES) {
    const runs = opened.map(() => ({ samples: [] as number[], seconds: 0, messages: 0, errors: 0, cpuMs: 0, elu: new Array<number>(WORKERS).fill(0), spans: [] as [Reading, Reading][] }));
    for (const { round: turn, rounds, share: count, order } of takingTurns(phase.count, phase.rounds, [0, 1])) {
      for (const i of order) {
        const { target, child, members } = opened[i]!;
        const run = runs[i]!;
        // Each round on idle servers: the previous one's receipts are written seconds after its deliveries.
        const waited = await quiet([deps.parley, deps.floor]);
        deps.log(`group on ${target.kind}: ${count} messages at ${phase.rate}/s (round ${turn + 1} of ${rounds}, after ${round(waited, 1)} s for the servers to go idle)`);
        const before = target.kind === "floor" ? undefined : await readMetrics(target.url);
        await members.start();
        const cpu0 = child.cpuMs();
        const sent = await sendPhase(target, sender!, to, `r${phase.rate}.${turn}`, count, phase.rate);
        await members.settle(sent.sentAt.size * recipients);
        run.cpuMs += child.cpuMs() - cpu0;
        if (before) run.spans.push([before, await readMetrics(target.url)]);
        const collected = await members.collect();
        let last = sent.start;
        for (const c of collected) {
          for (let k = 0; k < c.ids.length; k++) {
            const at = sent.sentAt.get(c.ids[k]!);
            if (at === undefined) continue;
            run.samples.push(c.times[k]! - at);
            if (c.times[k]! > last) last = c.times[k]!;
          }
        }
        const seconds = (last - sent.start) / 1000;
        collected.forEach((c, w) => (run.elu[w]! += c.elu * seconds));
        run.seconds += seconds;
        run.messages += sent.sentAt.size;
        run.errors += sent.errors;
      }
    }
    opened.forEach(({ target }, i) => {
      const run = runs[i]!;
      const expected = run.messages * recipients;
      lines.push({
        workload: "group",
        target: target.kind,
        members: deps.members.length,
        rate: phase.rate,
        messages: run.messages,
        errors: run.errors,
        deliveries: run.samples.length,
        lost: expected - run.samples.length,
        deliveriesPerSec: round(run.samples.length / run.seconds, 0),
        latencyMs: latency(run.samples),
        seconds: round(run.seconds),
        clientElu: run.elu.map((e) => round(e / run.seconds)),
        serverCores: round(run.cpuMs / (run.seconds * 1000)),
        ...(run.spans.length > 0 ? { server: serverFigures(...acrossSpans(run.spans), run.seconds) } : {}),
      });
      deps.emit(lines.at(-1)!);
    });
  }
  for (const { members } of opened) await members.close();
  const summary = PHASES.map(({ rate }) => {
    const p = lines.find((l) => l.target === "parley" && l.rate === rate)! as { deliveriesPerSec: number; latencyMs: { p99: number }; lost: number };
    const f = lines.find((l) => l.target === "floor" && l.rate === rate)! as typeof p;
    const throughputRatio = round(p.deliveriesPerSec / f.deliveriesPerSec);
    const p99Ratio = round(p.latencyMs.p99 / f.latencyMs.p99);
    return {
      workload: "group-vs-floor",
      rate,
      throughputRatio,
      p99Ratio,
      lost: p.lost,
      // As the pairs' flags: judged on the ratios as printed.
      pass: rate === 10 ? { lost: p.lost === 0, p99Under250: p.latencyMs.p99 < 250, p99: p99Ratio <= 1.5 } : { lost: p.lost === 0, throughput: throughputRatio >= 0.7 },
    };
  });
  return summary;
}
