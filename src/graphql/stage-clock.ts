// Where the time of one message goes, door to socket (STAGE_TIMINGS): each part of the path marks
// its stage against the message's id, and once every stage is marked the time of each from the
// one it follows is observed (parley_message_stage_seconds) and the id forgotten.
// Made by app.ts only when the setting is on; every part that marks holds it as possibly
// undefined, so with the setting off the path pays one undefined check per mark. Each process
// keeps its own records: a message is timed when its sender and recipient are on one process.
import { performance } from "node:perf_hooks";
import { LRUCache } from "lru-cache";

/**
 * The stages of a message's path, as listed (announce and broker run side by side, see SINCE):
 * the request arrived (HTTP request, or the subscribe
 * message of a mutation over graphql-ws), the send resolver entered, the writer's batch holding
 * it began, the batch committed, its publishes resolved, the recipient's listener heard it,
 * it was rendered for the recipient's socket (onNext), the recipient's socket wrote it.
 */
export const STAGES = ["door", "resolver", "write", "commit", "announce", "broker", "render", "socket"] as const;
export type Stage = (typeof STAGES)[number];

/** Told the seconds a message took to reach stage from the stage it is counted from (SINCE). */
export type StageObserver = (stage: Exclude<Stage, "door">, seconds: number) => void;

/**
 * The stage each is counted from: the one listed before it, except broker. The publisher hears
 * its PUBLISH answered at about the time the broker hands the message to the recipient's
 * listener (in-process, after: the listener runs inside the publish), and often after the
 * recipient's socket has written it; the sender's answer waits for the publishes, the recipient
 * does not. So announce and broker both count from commit, and door → socket is the sum of the
 * other stages.
 */
export const SINCE: Record<Exclude<Stage, "door">, Stage> = {
  resolver: "door",
  write: "resolver",
  commit: "write",
  announce: "commit",
  broker: "commit",
  render: "broker",
  socket: "render",
};

const INDEX = Object.fromEntries(STAGES.map((stage, i) => [stage, i])) as Record<Stage, number>;

/**
 * Messages timed at once. One that never reaches every stage (sent to nobody listening, a repeated
 * msgId, replayed from the database rather than heard live, a socket gone) is pushed out by later
 * ones instead of kept for ever.
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
   * member's stream marks the same id, and each stage is that of the first copy to reach it. Ids
   * never started (sent without a msgId, or on another process) are not timed. Once every stage
   * is marked (socket or announce last), the message is observed whole and forgotten: every stage
   * counts the same messages, so the means of all but announce add up to door → socket.
   */
  mark(id: string, stage: Exclude<Stage, "door">): void {
    const times = this.times.get(id);
    if (!times) return;
    const i = INDEX[stage];
    if (!Number.isNaN(times[i]!)) return;
    times[i] = performance.now();
    if (times.some(Number.isNaN)) return;
    this.times.delete(id);
    for (const [s, since] of Object.entries(SINCE) as [Exclude<Stage, "door">, Stage][]) {
      this.observe(s, (times[INDEX[s]]! - times[INDEX[since]]!) / 1000);
    }
  }
}
