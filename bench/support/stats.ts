// Summaries of latency samples (milliseconds) and of throughput, rounded for one JSON line.

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** The nearest-rank percentile of sorted samples. */
function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

export function latency(samples: ArrayLike<number>): Latency {
  const sorted = Float64Array.from(samples).sort();
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(percentile(sorted, 100)),
  };
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across worker threads. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * count messages sent in rounds by targets taking turns: each round's share (as even as whole
 * numbers allow) and the targets' order, every other round the opposite one. Targets measured one
 * after another read the machine's own drift as a difference between them (it moves by half within
 * a minute on the 2-core machines the bench runs on). rounds is held to 1..count, so that no round
 * is empty; each step says how many there are.
 */
export function* takingTurns<T>(count: number, rounds: number, targets: readonly T[]): Generator<{ round: number; rounds: number; share: number; order: readonly T[] }> {
  const total = Math.max(1, Math.min(count, Math.floor(rounds) || 1));
  for (let round = 0; round < total; round++) {
    const share = Math.floor(((round + 1) * count) / total) - Math.floor((round * count) / total);
    yield { round, rounds: total, share, order: round % 2 === 0 ? targets : [...targets].reverse() };
  }
}
