// Where a message's time goes inside Parley (STAGE_TIMINGS, src/graphql/stage-clock.ts): the
// parley_message_stage_seconds histogram read from GET /metrics before and after a run, turned
// into the mean milliseconds of each stage over the messages timed in between.
import { grew, type Reading } from "./metrics.js";

const SERIES = "parley_message_stage_seconds";

/** The stages after the door (time zero), as Parley lists them. */
export const STAGES = ["resolver", "write", "commit", "announce", "broker", "render", "socket"] as const;
/**
 * announce (the publishes answered) runs beside broker, both counted from commit
 * (src/graphql/stage-clock.ts SINCE): the others add up to door → the recipient's socket.
 */
const PATH = STAGES.filter((stage) => stage !== "announce");

export interface StageFigures {
  /** Messages timed during the run: every stage counts each of them once. */
  stagesTimed: number;
  /** Mean milliseconds per stage, each from the stage before (resolver: from the door). */
  stagesMs: Record<(typeof STAGES)[number], number>;
  /** The sum of all but announce: door to the recipient's socket, to set beside the client's send → receive p50. */
  stagesTotalMs: number;
}

/** The figures of the messages timed between two readings; undefined when none was (STAGE_TIMINGS off). */
export function stageFigures(before: Reading, after: Reading): StageFigures | undefined {
  const delta = (stage: string, part: "sum" | "count") => grew(before, after, `${SERIES}_${part}`, `stage="${stage}"`);
  const timed = delta("socket", "count");
  if (timed === 0) return undefined;
  const ms = Object.fromEntries(STAGES.map((stage) => [stage, (delta(stage, "sum") / timed) * 1000])) as StageFigures["stagesMs"];
  const total = PATH.reduce((sum, stage) => sum + ms[stage], 0);
  return {
    stagesTimed: timed,
    stagesMs: Object.fromEntries(STAGES.map((stage) => [stage, Number(ms[stage].toFixed(3))])) as StageFigures["stagesMs"],
    stagesTotalMs: Number(total.toFixed(2)),
  };
}
