import type { LatencyStats } from './types.js';

// Summary statistics over per-activation latencies. Percentiles use the nearest-rank method on
// the sorted sample, so a reported p99 is always a latency that really occurred.

export function latencyStats(latencyNs: ArrayLike<number>): LatencyStats {
  const n = latencyNs.length;
  if (n === 0) return { count: 0, minUs: 0, avgUs: 0, p50Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 };
  const sorted = Float64Array.from(latencyNs).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const rank = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]! / 1000;
  return {
    count: n,
    minUs: sorted[0]! / 1000,
    avgUs: sum / n / 1000,
    p50Us: rank(0.5),
    p99Us: rank(0.99),
    p999Us: rank(0.999),
    maxUs: sorted[n - 1]! / 1000,
  };
}

/** Round a stats object to `digits` decimals for printing and JSON (the raw values stay exact). */
export function roundStats(s: LatencyStats, digits = 1): LatencyStats {
  const f = 10 ** digits;
  const r = (v: number) => Math.round(v * f) / f;
  return {
    count: s.count,
    minUs: r(s.minUs),
    avgUs: r(s.avgUs),
    p50Us: r(s.p50Us),
    p99Us: r(s.p99Us),
    p999Us: r(s.p999Us),
    maxUs: r(s.maxUs),
  };
}
