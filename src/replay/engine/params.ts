// Scheduler parameters, defaulting to the kernel's (sched-model.md §2.1, §3.2, §4, §6.3, §9.1).
// Every field can be overridden from the CLI or the library.

export type FairMode = 'cfs' | 'eevdf';

export interface SchedParams {
  fair: FairMode;
  /** Online CPUs of this scheduler (host pCPUs or guest vCPUs): picks the LOG scaling factor. */
  cpus: number;
  hz: number;
  /** CFS (<= 6.5); 0 = derive from cpus. */
  latencyNs: number;
  minGranularityNs: number;
  wakeupGranularityNs: number;
  /** EEVDF base slice; 0 = derive (0.75 ms x factor, or 0.70 ms for >= 6.15). */
  baseSliceNs: number;
  /** RR slice, ns (100 ms, counted in ticks). */
  rrSliceNs: number;
  /** RT throttling; runtime < 0 disables it. */
  rtRuntimeNs: number;
  rtPeriodNs: number;
  /** Wake a fair task on an idle allowed CPU when its previous CPU is busy (select_idle_sibling). */
  wakeIdle: boolean;
  /** Cross-CPU wakeup (IPI) latency, ns. */
  wakeIpiNs: number;
  /** Kernel version >= 6.15: 0.70 ms base slice. */
  slice070: boolean;
  /** EEVDF RUN_TO_PARITY (sched feature, default on). */
  runToParity: boolean;
  /**
   * EEVDF DELAY_DEQUEUE + DELAY_ZERO (>= 6.12, sched-model.md §3.7): a task that blocks in debt
   * stays queued (delayed) while the others advance V, so it wakes with the debt left (keeping its
   * vruntime), or with lag 0 once V has passed it. Before 6.12 the debt survives any sleep.
   */
  delayDequeue: boolean;
  /**
   * EEVDF, >= 6.12 (sched-model.md §3.7 "Class switch"): leaving the fair class resets the lag, so a
   * task boosted to RT and later returned to SCHED_NORMAL is placed at V with a fresh deadline.
   * Before 6.12 it re-used the lag recorded when it left.
   */
  lagResetOnClassChange: boolean;
}

export function logFactor(cpus: number): number {
  const n = Math.max(1, Math.min(8, cpus));
  return 1 + Math.floor(Math.log2(n));
}

export function defaultSchedParams(cpus: number, fair: FairMode = 'cfs', hz = 250): SchedParams {
  return {
    fair,
    cpus,
    hz,
    latencyNs: 0,
    minGranularityNs: 0,
    wakeupGranularityNs: 0,
    baseSliceNs: 0,
    rrSliceNs: 100_000_000,
    rtRuntimeNs: 950_000_000,
    rtPeriodNs: 1_000_000_000,
    wakeIdle: true,
    wakeIpiNs: 0,
    slice070: false,
    runToParity: true,
    delayDequeue: false,
    lagResetOnClassChange: false,
  };
}

/** Parameters with every derived value filled in. */
export interface ResolvedSched extends SchedParams {
  tickNs: number;
  rrTicks: number;
}

export function resolveSched(p: SchedParams): ResolvedSched {
  const f = logFactor(p.cpus);
  const tickNs = Math.floor((1e9 + p.hz / 2) / p.hz);
  return {
    ...p,
    latencyNs: p.latencyNs || 6_000_000 * f,
    minGranularityNs: p.minGranularityNs || 750_000 * f,
    wakeupGranularityNs: p.wakeupGranularityNs || 1_000_000 * f,
    baseSliceNs: p.baseSliceNs || (p.slice070 ? 700_000 : 750_000) * f,
    tickNs,
    rrTicks: Math.max(1, Math.round(p.rrSliceNs / tickNs)),
  };
}

/** Scheduler family for a kernel version string: EEVDF from 6.6 (sched-model.md §0). */
export function fairModeForKernel(version: string | null | undefined): FairMode | null {
  const m = version ? /(\d+)\.(\d+)/.exec(version) : null;
  if (!m) return null;
  const v = Number(m[1]) * 1000 + Number(m[2]);
  return v >= 6006 ? 'eevdf' : 'cfs';
}

export function kernelHasSlice070(version: string | null | undefined): boolean {
  const m = version ? /(\d+)\.(\d+)/.exec(version) : null;
  return !!m && Number(m[1]) * 1000 + Number(m[2]) >= 6015;
}

export function kernelHasDelayDequeue(version: string | null | undefined): boolean {
  const m = version ? /(\d+)\.(\d+)/.exec(version) : null;
  return !!m && Number(m[1]) * 1000 + Number(m[2]) >= 6012;
}
