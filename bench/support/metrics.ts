// Parley's GET /metrics read at two moments, and what its process did in between: the share of
// the time it spent in garbage collection, and the message writer's batches (how many, their
// messages, their time to commit and to announced). Counters and histogram sums only, so a
// reading is a map of series (name with its labels, as served) to value.
import { round } from "./stats.js";

/** Each sample of /metrics at one moment, keyed by its name and labels as served: `name_sum{phase="write"}`. */
export type Reading = Map<string, number>;

const SAMPLE = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/;

export async function readMetrics(url: string): Promise<Reading> {
  const response = await fetch(`${url}/metrics`);
  if (!response.ok) throw new Error(`GET ${url}/metrics answered ${response.status}`);
  const reading: Reading = new Map();
  for (const line of (await response.text()).split("\n")) {
    const match = SAMPLE.exec(line);
    if (match) reading.set(match[1]!, Number(match[2]));
  }
  return reading;
}

/** How much a sample grew between two readings; with labels undefined, every series of the name summed. */
export function grew(before: Reading, after: Reading, name: string, labels?: string): number {
  if (labels !== undefined) return (after.get(`${name}{${labels}}`) ?? 0) - (before.get(`${name}{${labels}}`) ?? 0);
  let sum = 0;
  for (const [key, value] of after) if (key === name || key.startsWith(`${name}{`)) sum += value - (before.get(key) ?? 0);
  return sum;
}

/**
 * Spans between pairs of readings as one, for grew and what reads through it: a reading of nothing
 * and one of what grew over all of them (runs of one target taken in turns with another's).
 */
export function acrossSpans(spans: readonly (readonly [before: Reading, after: Reading])[]): [Reading, Reading] {
  const grown: Reading = new Map();
  for (const [before, after] of spans) for (const [key, value] of after) grown.set(key, (grown.get(key) ?? 0) + value - (before.get(key) ?? 0));
  return [new Map(), grown];
}

export interface ServerFigures {
  /** Seconds of the run the process spent in garbage collection, as a share of the run (nodejs_gc_duration_seconds). */
  gcShare: number;
  /** Batches the message writer committed and announced. */
  batches: number;
  /** Their mean messages. */
  messagesPerBatch: number;
  /** Their mean time from start to COMMIT answered, and from the commit to the publishes answered. */
  batchWriteMs: number;
  batchAnnounceMs: number;
}

/** What the process did between two readings, over a run of seconds. */
export function serverFigures(before: Reading, after: Reading, seconds: number): ServerFigures {
  const batches = grew(before, after, "parley_message_batch_messages_count");
  const mean = (sum: number) => (batches > 0 ? sum / batches : 0);
  return {
    gcShare: round(grew(before, after, "nodejs_gc_duration_seconds_sum") / seconds, 3),
    batches,
    messagesPerBatch: round(mean(grew(before, after, "parley_message_batch_messages_sum")), 1),
    batchWriteMs: round(mean(grew(before, after, "parley_message_batch_seconds_sum", 'phase="write"')) * 1000, 2),
    batchAnnounceMs: round(mean(grew(before, after, "parley_message_batch_seconds_sum", 'phase="announce"')) * 1000, 2),
  };
}
