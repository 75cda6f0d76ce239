// Where a message's time goes inside Parley (STAGE_TIMINGS, src/graphql/stage-clock.ts): the
// parley_message_stage_seconds histogram read from GET /metrics before and after a run, turned
// into the mean milliseconds of each stage over the messages timed in between.
const SERIES = "parley_message_stage_seconds";
const LINE = new RegExp(`^${SERIES}_(sum|count)\\{stage="(\\w+)"\\} (\\S+)$`);

/** The stages after the door (time zero), as Parley lists them. */
export const STAGES = ["resolver", "write", "commit", "announce", "broker", "render", "socket"] as const;
/**
 * announce (the publishes answered) runs beside broker, both counted from commit
 * (src/graphql/stage-clock.ts SINCE): the others add up to door → the recipient's socket.
 */
const PATH = STAGES.filter((stage) => stage !== "announce");

/** Each stage's sum (seconds) and count, as /metrics had them at one moment. */
export type StageTotals = Map<string, { sum: number; count: number }>;

export interface StageFigures {
  /** Messages timed during the run: every stage counts each of them once. */
  stagesTimed: number;
  /** Mean milliseconds per stage, each from the stage before (resolver: from the door). */
  stagesMs: Record<(typeof STAGES)[number], number>;
  /** The sum of all but announce: door to the recipient's socket, to set beside the client's send → receive p50. */
  stagesTotalMs: number;
}

export async function readStages(url: string): Promise<StageTotals> {
  const response = await fetch(`${url}/metrics`);
  if (!response.ok) throw new Error(`GET ${url}/metrics answered ${response.status}`);
  const totals: StageTotals = new Map();
  for (const line of (await response.text()).split("\n")) {
    const match = LINE.exec(line);
    if (!match) continue;
    const [, part, stage, value] = match;
    const one = totals.get(stage!) ?? { sum: 0, count: 0 };
    one[part as "sum" | "count"] = Number(value);
    totals.set(stage!, one);
  }
  return totals;
}

/** The figures of the messages timed between two readings; undefined when none was (STAGE_TIMINGS off). */
export function stageFigures(before: StageTotals, after: StageTotals): StageFigures | undefined {
  const delta = (stage: string) => {
    const a = after.get(stage) ?? { sum: 0, count: 0 };
    const b = before.get(stage) ?? { sum: 0, count: 0 };
    return { sum: a.sum - b.sum, count: a.count - b.count };
  };
  const timed = delta("socket").count;
  if (timed === 0) return undefined;
  const ms = Object.fromEntries(STAGES.map((stage) => [stage, (delta(stage).sum / timed) * 1000])) as StageFigures["stagesMs"];
  const total = PATH.reduce((sum, stage) => sum + ms[stage], 0);
  return {
    stagesTimed: timed,
    stagesMs: Object.fromEntries(STAGES.map((stage) => [stage, Number(ms[stage].toFixed(3))])) as StageFigures["stagesMs"],
    stagesTotalMs: Number(total.toFixed(2)),
  };
}
