// (a)/(b) One-to-one: every sender sends its messages to its partner with at most `window`
// sent and not yet received; a message counts when the partner's subscription delivers it.
import { performance } from "node:perf_hooks";
import type { BenchUser } from "../support/parley.js";
import { type Latency, latency, now, round } from "../support/stats.js";
import { eachLimited, type Subscription, type Target } from "../support/targets.js";

export interface Pair {
  sender: BenchUser;
  receiver: BenchUser;
}

export interface PairsResult {
  workload: "pairs";
  target: string;
  pairs: number;
  perSender: number;
  window: number;
  sent: number;
  delivered: number;
  lost: number;
  duplicates: number;
  errors: number;
  msgsPerSec: number;
  latencyMs: Latency;
  seconds: number;
  /** Share of the bench client's event loop that was busy: near 1 means the client limited the run. */
  clientElu: number;
  /** CPU cores the server process used on average. */
  serverCores: number;
}

/** A slot is given up after this long without the message arriving (it then counts as lost). */
const STALL_MS = 10_000;
/** After the last send, how long to wait for stragglers without any progress. */
const SETTLE_MS = 5_000;

interface Flight {
  pair: number;
  sentAt: number;
  received: boolean;
}

export class PairsBench {
  private readonly flights = new Map<string, Flight>();
  private readonly inflight: number[];
  private readonly wake: ((() => void) | undefined)[];
  private readonly samples: number[] = [];
  private subscriptions: Subscription[] = [];
  private duplicates = 0;
  private lastReceive = 0;

  constructor(
    private readonly target: Target,
    private readonly pairs: Pair[],
    private readonly serverCpuMs: () => number,
  ) {
    this.inflight = pairs.map(() => 0);
    this.wake = pairs.map(() => undefined);
  }

  /** Subscribes every receiver and proves each subscription live with one message. */
  async open(): Promise<void> {
    this.subscriptions = new Array(this.pairs.length);
    await eachLimited(this.pairs, 20, async ({ receiver }, i) => {
      this.subscriptions[i] = await this.target.subscribe(receiver, (id) => this.received(id));
    });
    // graphql-ws answers a subscribe before the server listens: a message sent at once can come
    // before its subscription does (no afterRowId: nothing is replayed). Warm up until each pair's arrives.
    for (let attempt = 1; ; attempt++) {
      const warm = await this.run(1, 1, `warm${attempt}`);
      if (warm.lost === 0) break;
      if (attempt === 3) throw new Error(`${this.target.kind}: ${warm.lost} warm-up messages did not arrive, three times`);
    }
  }

  close(): void {
    for (const s of this.subscriptions) s.close();
  }

  /** The latencies of the last run, in the order the messages arrived. */
  get lastSamples(): readonly number[] {
    return [...this.samples];
  }

  private received(id: string): void {
    const flight = this.flights.get(id);
    if (!flight) return; // another run's traffic on the shared Redis
    if (flight.received) {
      this.duplicates++;
      return;
    }
    flight.received = true;
    const at = now();
    this.lastReceive = at;
    this.samples.push(at - flight.sentAt);
    this.inflight[flight.pair]!--;
    this.wake[flight.pair]?.();
  }

  private slot(pair: number, window: number): Promise<void> {
    if (this.inflight[pair]! < window) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // Give up on what is outstanding: those messages count as lost unless they still come.
        this.inflight[pair] = 0;
        this.wake[pair] = undefined;
        resolve();
      }, STALL_MS);
      this.wake[pair] = () => {
        if (this.inflight[pair]! >= window) return;
        clearTimeout(timer);
        this.wake[pair] = undefined;
        resolve();
      };
    });
  }

  async run(perSender: number, window: number, label = `w${window}`): Promise<PairsResult> {
    this.flights.clear();
    this.samples.length = 0;
    this.duplicates = 0;
    this.inflight.fill(0);
    let sent = 0;
    let errors = 0;
    const elu = performance.eventLoopUtilization();
    const cpu0 = this.serverCpuMs();
    const start = now();
    this.lastReceive = start;
    await Promise.all(
      this.pairs.map(async ({ sender, receiver }, pair) => {
        const sends: Promise<void>[] = [];
        for (let seq = 0; seq < perSender; seq++) {
          await this.slot(pair, window);
          // msgIds are unique per target and sender: Parley over HTTP and over its socket share one
          // database, where a msgId sent again returns the stored message and announces nothing, and
          // one of another sender is refused (the unloaded run's one pair is pair 0 too).
          const id = `${this.target.kind}.${label}.${sender.id}.${seq}`;
          this.flights.set(id, { pair, sentAt: now(), received: false });
          this.inflight[pair]!++;
          sends.push(
            this.target.send(sender, { user: receiver }, id, `bench message ${seq} from ${sender.username}`).then(
              () => void sent++,
              (error: unknown) => {
                errors++;
                this.flights.delete(id);
                this.inflight[pair]!--;
                this.wake[pair]?.();
                if (errors <= 3) console.error(`${this.target.kind} send failed:`, error);
              },
            ),
          );
        }
        await Promise.all(sends);
      }),
    );
    await this.settle(() => this.samples.length >= sent);
    const end = this.lastReceive;
    const busy = performance.eventLoopUtilization(elu);
    const seconds = (end - start) / 1000;
    return {
      workload: "pairs",
      target: this.target.kind,
      pairs: this.pairs.length,
      perSender,
      window,
      sent,
      delivered: this.samples.length,
      lost: sent - this.samples.length,
      duplicates: this.duplicates,
      errors,
      msgsPerSec: round(this.samples.length / seconds, 0),
      latencyMs: latency(this.samples),
      seconds: round(seconds),
      clientElu: round(busy.utilization),
      serverCores: round((this.serverCpuMs() - cpu0) / (end - start)),
    };
  }

  private async settle(done: () => boolean): Promise<void> {
    let count = this.samples.length;
    let still = now();
    while (!done() && now() - still < SETTLE_MS) {
      await new Promise((r) => setTimeout(r, 50));
      if (this.samples.length !== count) {
        count = this.samples.length;
        still = now();
      }
    }
  }
}

/**
 * One target's runs as one result: counts summed, latency over every run's samples, rates over the
 * runs' time (runs of one target taken in turns with other targets', see the unloaded workload).
 */
export function combinedRuns(runs: readonly { result: PairsResult; samples: readonly number[] }[]): PairsResult {
  const first = runs[0]!.result;
  const sum = (pick: (r: PairsResult) => number) => runs.reduce((total, { result }) => total + pick(result), 0);
  const seconds = sum((r) => r.seconds);
  const delivered = sum((r) => r.delivered);
  const weighted = (pick: (r: PairsResult) => number) => round(sum((r) => pick(r) * r.seconds) / seconds);
  return {
    ...first,
    perSender: sum((r) => r.perSender),
    sent: sum((r) => r.sent),
    delivered,
    lost: sum((r) => r.lost),
    duplicates: sum((r) => r.duplicates),
    errors: sum((r) => r.errors),
    msgsPerSec: round(delivered / seconds, 0),
    latencyMs: latency(runs.flatMap(({ samples }) => samples)),
    seconds: round(seconds),
    clientElu: weighted((r) => r.clientElu),
    serverCores: weighted((r) => r.serverCores),
  };
}
