import { isRunnableState, type TraceTables } from '../tables/index.js';
import type { ProbeLatency } from './types.js';
import type { DeadlineCount } from './compareTypes.js';
import { lowerBound } from '../tables/sortedSearch.js';

// Deadline misses ("audio glitches") of a periodic consumer, derived from a schedule.
//
// Model (documented in README "Compare and report"): the probe task is a periodic consumer whose
// period k starts at its activation a_k (the time the work became due: the probe's intended
// timer expiry, ProbeLatency.activationTsNs). It gets the CPU at s_k = a_k + latency_k. Its work
// for the period completes at c_k = the first sched_switch at or after s_k in which one of the
// probe's threads switches out *blocked* (prev_state not R/R+); switch-outs while still runnable
// (preemption) only interrupt the burst. A buffer of F frames at R Hz holds D = F / R seconds of
// audio, filled once per period: the period misses when c_k > a_k + D (the buffer ran dry before
// the refill). Periods with no blocking switch-out before the end of the trace are "unfinished"
// and counted as neither. When the tables have no sched_switch rows for the probe at all (a
// probe measured from markers only), c_k = s_k: the miss then depends on the wakeup latency alone.

/** Per-activation response time c_k - a_k in ns; NaN for unfinished periods. */
export function responseTimesNs(probe: ProbeLatency, tables: TraceTables): Float64Array {
  const tids = new Set(probe.tids);
  const sw = tables.sched_switch;
  const ts = sw.cols.tsNs;
  const prevPid = sw.cols.prevPid;
  const prevState = sw.cols.prevState;
  const nextPid = sw.cols.nextPid;
  const blockedOut: number[] = [];
  let seen = false;
  for (let i = 0; i < sw.length; i++) {
    if (tids.has(prevPid[i]!)) {
      seen = true;
      if (!isRunnableState(prevState[i]!)) blockedOut.push(ts[i]!);
    } else if (!seen && tids.has(nextPid[i]!)) seen = true;
  }
  const n = probe.activationTsNs.length;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = probe.activationTsNs[k]!;
    const s = a + probe.latencyNs[k]!;
    if (!seen) {
      out[k] = s - a;
      continue;
    }
    const j = lowerBound(blockedOut, s);
    out[k] = j < blockedOut.length ? blockedOut[j]! - a : NaN;
  }
  return out;
}

export function bufferDurationNs(frames: number, sampleRateHz: number): number {
  return (frames / sampleRateHz) * 1e9;
}

/** Count misses of one buffer duration over response times from responseTimesNs(). */
export function countDeadlineMisses(responseNs: Float64Array, bufferNs: number): DeadlineCount {
  let periods = 0;
  let misses = 0;
  let unfinished = 0;
  for (let k = 0; k < responseNs.length; k++) {
    const r = responseNs[k]!;
    if (Number.isNaN(r)) {
      unfinished++;
      continue;
    }
    periods++;
    if (r > bufferNs) misses++;
  }
  return { periods, misses, unfinished };
}
