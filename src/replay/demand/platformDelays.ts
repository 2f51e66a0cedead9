// Empirical platform delays measured on a capture (sched-model.md §9.1: idle-exit latency,
// interrupt delivery and emulation costs are "empirical"). They do not depend on which thread the
// host scheduler picks, so the replay samples them under any policy; what does depend on the
// schedule (waiting for a CPU, steal) is left to the engine.
import type { TraceTables } from '../../tables/index.js';
import { Flags } from '../../tables/flags.js';
import { WakeupKind } from '../../tables/schema.js';
import type { PlatformSamples } from './types.js';
import { lowerBound } from '../../tables/sortedSearch.js';

/**
 * Longest delay taken as a platform delay. Longer gaps in a capture are a thread waiting for a CPU,
 * a lost event or a mis-paired wakeup, which the replay must produce (or not) itself.
 */
export const MAX_PLATFORM_DELAY_NS = 2_000_000;

/** Sorted copy of the plausible samples, or undefined when too few are left to be a distribution. */
export function sampleSet(xs: number[], min = 20): Float64Array | undefined {
  const kept = xs.filter((x) => x >= 0 && x <= MAX_PLATFORM_DELAY_NS);
  if (kept.length < min) return undefined;
  return Float64Array.from(kept).sort();
}

/** The distributions among `gaps` that have enough plausible samples, keyed as given. */
export function platformSamples(gaps: { [K in keyof PlatformSamples]?: number[] }): PlatformSamples {
  const out: PlatformSamples = {};
  for (const [k, xs] of Object.entries(gaps) as Array<[keyof PlatformSamples, number[]]>) {
    const set = sampleSet(xs);
    if (set) out[k] = set;
  }
  return out;
}

interface ThreadTimes {
  /** sched_waking times (sorted) and whether each came from a hardirq, and who woke. */
  wakeTs: Float64Array;
  wakeHardirq: Uint8Array;
  wakeBy: Int32Array;
  /** switch-in / switch-out times (sorted). */
  inTs: Float64Array;
  outTs: Float64Array;
}

/** sched_waking when the trace has it (the waker's context), else sched_wakeup. */
function wakeKindOf(t: TraceTables): number {
  const wk = t.sched_wakeup.cols;
  for (let i = 0; i < t.sched_wakeup.length; i++) if (wk.kind[i] === WakeupKind.WAKING) return WakeupKind.WAKING;
  return WakeupKind.WAKEUP;
}

function threadTimes(t: TraceTables, tid: number, want: number): ThreadTimes {
  const wk = t.sched_wakeup.cols;
  const w: number[] = [];
  for (let i = 0; i < t.sched_wakeup.length; i++) if (wk.tid[i] === tid && wk.kind[i] === want) w.push(i);
  w.sort((x, y) => wk.tsNs[x]! - wk.tsNs[y]! || x - y);
  const sw = t.sched_switch.cols;
  const ins: number[] = [];
  const outs: number[] = [];
  for (let i = 0; i < t.sched_switch.length; i++) {
    if (sw.nextPid[i] === tid) ins.push(sw.tsNs[i]!);
    if (sw.prevPid[i] === tid) outs.push(sw.tsNs[i]!);
  }
  return {
    wakeTs: Float64Array.from(w, (i) => wk.tsNs[i]!),
    wakeHardirq: Uint8Array.from(w, (i) => (wk.flags[i] !== Flags.UNKNOWN && (wk.flags[i]! & Flags.HARDIRQ) !== 0 ? 1 : 0)),
    wakeBy: Int32Array.from(w, (i) => wk.pid[i]!),
    inTs: Float64Array.from(ins).sort(),
    outTs: Float64Array.from(outs).sort(),
  };
}

export interface TcgDelayInput {
  host: TraceTables;
  /** The QEMU main-loop thread on the host. */
  mainTid: number;
  /** Host tid of each guest CPU's vCPU thread (index = guest CPU). */
  vcpuTids: number[];
  /** Guest timer wakeups on the host clock: (hard expiry, waking ts, guest CPU) triples. */
  timerWakes: number[];
  /** Host run time of vCPU thread `tid` within [a, b]. */
  ran: (tid: number, a: number, b: number) => number;
}

/** Longest gap accepted between two steps of one timer delivery (beyond it they are unrelated). */
const MAX_STEP_NS = MAX_PLATFORM_DELAY_NS;
/** The main loop's interrupt wakeup may be logged marginally before the guest expiry (clock error). */
const EARLY_NS = 2_000;

/**
 * The QEMU TCG timer path (sched-model.md §7) measured step by step: guest timer expiry -> the main
 * loop's wakeup from the host timer interrupt (QEMU's deadline for the guest timer plus host interrupt
 * delivery) -> main loop runs -> it wakes the halted vCPU thread (timer work) -> vCPU thread runs ->
 * the guest's wakeup of the timer's task (emulated interrupt entry). Waiting for a CPU between the
 * steps is the schedule's business and is not sampled.
 */
export function tcgDelays(x: TcgDelayInput): { tcgTimerLagNs?: Float64Array; tcgKickNs?: Float64Array; tcgIrqEntryNs?: Float64Array } {
  const want = wakeKindOf(x.host);
  const main = threadTimes(x.host, x.mainTid, want);
  const vcpu = x.vcpuTids.map((tid) => (tid > 0 ? threadTimes(x.host, tid, want) : null));
  const lag: number[] = [];
  const kick: number[] = [];
  const entry: number[] = [];
  const tw = x.timerWakes;
  for (let k = 0; k + 2 < tw.length; k += 3) {
    const hard = tw[k]!;
    const gWake = tw[k + 1]!;
    const v = vcpu[tw[k + 2]!];
    // 1. main-loop wakeup from a hardirq (its ppoll timer), after the guest expiry
    let m = lowerBound(main.wakeTs, hard - EARLY_NS);
    while (m < main.wakeTs.length && !main.wakeHardirq[m] && main.wakeTs[m]! < gWake) m++;
    if (m >= main.wakeTs.length) continue;
    const mWake = main.wakeTs[m]!;
    if (mWake > gWake || mWake - hard > MAX_STEP_NS) continue;
    lag.push(Math.max(0, mWake - hard));
    if (!v) continue;
    // 2. main loop runs, then wakes the vCPU thread before switching out
    const mIn = main.inTs[lowerBound(main.inTs, mWake)];
    if (mIn === undefined || mIn > gWake) continue;
    const vw = lowerBound(v.wakeTs, mIn);
    const mOut = main.outTs[lowerBound(main.outTs, mIn)] ?? Infinity;
    if (vw >= v.wakeTs.length) continue;
    const vWake = v.wakeTs[vw]!;
    if (vWake > gWake || vWake > mOut || v.wakeBy[vw] !== x.mainTid) continue;
    kick.push(vWake - mIn);
    // 3. vCPU thread runs; the guest wakes the task while it keeps running
    const vIn = v.inTs[lowerBound(v.inTs, vWake)];
    if (vIn === undefined || vIn > gWake) continue;
    if (x.ran(x.vcpuTids[tw[k + 2]!]!, vIn, gWake) < gWake - vIn - 1_000) continue;
    entry.push(gWake - vIn);
  }
  const out: { tcgTimerLagNs?: Float64Array; tcgKickNs?: Float64Array; tcgIrqEntryNs?: Float64Array } = {};
  const l = sampleSet(lag);
  const kk = sampleSet(kick);
  const e = sampleSet(entry);
  if (l) out.tcgTimerLagNs = l;
  if (kk) out.tcgKickNs = kk;
  if (e) out.tcgIrqEntryNs = e;
  return out;
}

/** Host thread id of the QEMU main loop: the lowest-tid `qemu-system*` thread seen, or -1. */
export function qemuMainTid(names: Map<number, string>, exclude: Set<number>): number {
  let best = -1;
  for (const [tid, n] of names) if (!exclude.has(tid) && /^qemu-system/.test(n) && (best < 0 || tid < best)) best = tid;
  return best;
}
