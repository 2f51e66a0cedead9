import type { Trace } from '../tables/index.js';

// What a replay run produces. The replayed schedule is an ordinary Trace (format 'replay'):
// one machine for the host plus one per guest, with the same tables as an ingested trace, so
// latency measurement, timelines and the Perfetto writer work on it unchanged.

export interface BoostStats {
  /** Number of NORMAL -> BOOSTED transitions over all vCPUs. */
  boosts: number;
  /** Total time vCPU threads spent boosted, ns. */
  boostedNs: number;
  /** Boost transitions by reason: timer, irq-inject, nmi, halt, guest-irq, guest-softirq, guest-rt, ... */
  byReason: Record<string, number>;
  /** RT throttling events (rt_runtime exhausted) on host CPUs. */
  throttles: number;
  /** Times the preempt-disabled cap forced an unboost. */
  capHits: number;
}

export interface ReplayResult {
  policy: string;
  /** Every parameter that shaped this run (policy params, scheduler, HZ, seed...), for reproduction. */
  params: Record<string, unknown>;
  trace: Trace;
  boost: BoostStats;
  /** Simulated events processed. */
  simulatedEvents: number;
  warnings: string[];
}
