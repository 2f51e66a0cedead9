import type { LatencyStats } from './types.js';

// Summary statistics over per-activation latencies. Percentiles use the nearest-rank method
// (the smallest value with at least p of the samples at or below it), so every reported number
// is a latency that actually occurred and tables can be checked by hand.

export function nearestRank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const k = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[k - 1]!;
}

/** LatencyStats (µs) of latencies given in ns. count 0 gives NaN statistics. */
export function latencyStatsFromNs(latencyNs: ArrayLike<number>): LatencyStats {
  const n = latencyNs.length;
  const sorted = Float64Array.from(latencyNs).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const us = (ns: number) => ns / 1000;
  return {
    count: n,
    minUs: n ? us(sorted[0]!) : NaN,
    avgUs: n ? us(sum / n) : NaN,
    p50Us: us(nearestRank(sorted, 0.5)),
    p99Us: us(nearestRank(sorted, 0.99)),
    p999Us: us(nearestRank(sorted, 0.999)),
    maxUs: n ? us(sorted[n - 1]!) : NaN,
  };
}
