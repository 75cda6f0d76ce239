// Where the time of one message goes, door to socket (STAGE_TIMINGS): each part of the path marks
// its stage against the message's id, and once the recipient's socket wrote the message the
// time between consecutive stages is observed (parley_message_stage_seconds) and the id forgotten.
// Made by app.ts only when the setting is on; every part that marks holds it as possibly
// undefined, so with the setting off the path pays one undefined check per mark. Each process
// keeps its own records: a message is timed when its sender and recipient are on one process.
import { performance } from "node:perf_hooks";
import { LRUCache } from "lru-cache";

/**
 * The stages of a message's path, in order: the request arrived (HTTP request, or the subscribe
 * message of a mutation over graphql-ws), the send resolver entered, the writer's batch holding
 * it began, the batch committed, its publishes resolved, the recipient's listener heard it,
 * graphql-ws rendered it for the recipient (onNext), the recipient's socket wrote it.
 */
export const STAGES = ["door", "resolver", "write", "commit", "announce", "broker", "render", "socket"] as const;
export type Stage = (typeof STAGES)[number];

/** Told the seconds a message spent reaching stage from the stage before it. */
export type StageObserver = (stage: Exclude<Stage, "door">, seconds: number) => void;

const INDEX = Object.fromEntries(STAGES.map((stage, i) => [stage, i])) as Record<Stage, number>;

/**
 * Messages timed at once. One whose recipient never writes it (sent to nobody listening, a
 * repeated msgId, a socket gone) is pushed out by later ones instead of kept for ever.
 */
const MAX_TIMED = 10_000;

export class StageClock {
  private readonly times = new LRUCache<string, Float64Array>({ max: MAX_TIMED });

  constructor(private readonly observe: StageObserver) {}

  /** A message arrived at the door at doorAt (performance.now()): its timing starts afresh. */
  start(id: string, doorAt: number): void {
    const times = new Float64Array(STAGES.length).fill(NaN);
    times[0] = doorAt;
    this.times.set(id, times);
  }

  /**
   * The message reached stage now. Only the first mark of a stage counts: in a group every
   * member's stream marks the same id, and the figures are those of the copy written first.
   * Ids never started (sent without a msgId, or before the setting was on) are not timed.
   */
  mark(id: string, stage: Exclude<Stage, "door">): void {
    const times = this.times.get(id);
    if (!times) return;
    const i = INDEX[stage];
    if (Number.isNaN(times[i]!)) times[i] = performance.now();
    if (stage === "socket") {
      this.times.delete(id);
      this.report(times);
    }
  }

  /**
   * Observes each stage as the time since the latest stage before it. A message missing a stage
   * (replayed from the database instead of heard live) is left out whole, so that every stage
   * counts the same messages and their means add up to the mean of the whole path. Stages are
   * not strictly ordered in time: the broker may hand the event to the recipient's listener
   * before the publisher hears its PUBLISH answered (in-process it always does, inside the
   * publish), and graphql-ws may render it before then too. Such a stage counts 0 and its time
   * stays with the stage before it, so the stages still add up to door → socket, never counted twice.
   */
  private report(times: Float64Array): void {
    if (times.some(Number.isNaN)) return;
    let latest = times[0]!;
    for (let i = 1; i < STAGES.length; i++) {
      const at = times[i]!;
      this.observe(STAGES[i] as Exclude<Stage, "door">, Math.max(0, at - latest) / 1000);
      latest = Math.max(latest, at);
    }
  }
}
