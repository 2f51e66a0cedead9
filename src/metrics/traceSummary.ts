import type { LostWindow, TraceTables, UnparsedSummary } from '../tables/index.js';
import { missingSwitchIns, missingSwitchInsWarning, type MissingSwitchIns } from '../tables/missingSwitchIns.js';
import { detectVcpuThreads, type VcpuThread } from '../align/vcpuThreadNames.js';

// What `inspect` shows for one machine of a trace, computed from its tables only.

export interface ThreadCpuTime {
  tid: number;
  comm: string;
  /** Time on CPU between sched_switch in and out, ns (ticks for raw-counter traces). */
  cpuTimeNs: number;
  /** Times it was switched in. */
  switchIns: number;
}

export interface TraceSummary {
  source: string;
  format: string;
  formatDetail: string;
  machine: string;
  clock: string;
  timeUnit: 'ns' | 'ticks';
  cpus: number | null;
  kernelVersion: string | null;
  startNs: number;
  endNs: number;
  durationNs: number;
  totalEvents: number;
  events: Record<string, number>;
  threads: number;
  topThreads: ThreadCpuTime[];
  vcpuThreads: VcpuThread[];
  lost: LostWindow[];
  warnings: string[];
  unparsed: UnparsedSummary;
}

/**
 * CPU time per thread from sched_switch: a CPU runs next_pid from one switch to the next. The
 * first task on each CPU counts from that CPU's first event, the last one until its last event.
 * Idle (pid 0) is left out.
 */
export function cpuTimeByThread(t: TraceTables, missingIns: MissingSwitchIns = missingSwitchIns(t)): Map<number, { ns: number; ins: number }> {
  const sw = t.sched_switch;
  const { tsNs, cpu, prevPid, nextPid } = sw.cols;
  const since = new Map<number, number>();
  const out = new Map<number, { ns: number; ins: number }>();
  const add = (tid: number, ns: number, ins: number) => {
    if (tid <= 0) return;
    const r = out.get(tid);
    if (r) {
      r.ns += ns;
      r.ins += ins;
    } else out.set(tid, { ns, ins });
  };
  const firstByCpu = new Map<number, number>();
  const lastByCpu = new Map<number, number>();
  for (let i = 0; i < t.cpus.length; i++) {
    firstByCpu.set(t.cpus.cols.cpu[i]!, t.cpus.cols.firstTsNs[i]!);
    lastByCpu.set(t.cpus.cols.cpu[i]!, t.cpus.cols.lastTsNs[i]!);
  }
  const running = new Map<number, number>();
  // A prev whose switch-in is missing ran from its estimated start, not from the CPU's last switch.
  const missing = missingIns.startNs;
  for (let i = 0; i < sw.length; i++) {
    const c = cpu[i]!;
    const start = Number.isNaN(missing[i]!) ? (since.get(c) ?? firstByCpu.get(c) ?? tsNs[i]!) : missing[i]!;
    add(prevPid[i]!, tsNs[i]! - start, 0);
    add(nextPid[i]!, 0, 1);
    since.set(c, tsNs[i]!);
    running.set(c, nextPid[i]!);
  }
  for (const [c, tid] of running) add(tid, (lastByCpu.get(c) ?? since.get(c)!) - since.get(c)!, 0);
  return out;
}

/** Last comm of each tid (from the threads table). */
function lastComms(t: TraceTables): Map<number, string> {
  const m = new Map<number, string>();
  const { tid, comm } = t.threads.cols;
  for (let i = 0; i < t.threads.length; i++) if (comm[i]! >= 0) m.set(tid[i]!, t.strings[comm[i]!]!);
  return m;
}

export function summarizeTrace(t: TraceTables, opts: { topThreads?: number } = {}): TraceSummary {
  const meta = t.meta;
  const comms = lastComms(t);
  const missingIns = missingSwitchIns(t);
  const times = cpuTimeByThread(t, missingIns);
  const missingWarning = missingSwitchInsWarning(missingIns, t.sched_switch.length);
  const top = [...times.entries()]
    .map(([tid, r]) => ({ tid, comm: comms.get(tid) ?? '', cpuTimeNs: r.ns, switchIns: r.ins }))
    .sort((a, b) => b.cpuTimeNs - a.cpuTimeNs || a.tid - b.tid)
    .slice(0, opts.topThreads ?? 10);
  const totalEvents = Object.values(meta.eventCounts).reduce((a, b) => a + b, 0);
  return {
    source: meta.source,
    format: meta.format,
    formatDetail: meta.formatDetail,
    machine: meta.machine,
    clock: meta.clock,
    timeUnit: meta.timeUnit,
    cpus: meta.cpuCount,
    kernelVersion: meta.kernelVersion,
    startNs: meta.startNs,
    endNs: meta.endNs,
    durationNs: meta.endNs - meta.startNs,
    totalEvents,
    events: meta.eventCounts,
    threads: new Set(t.threads.cols.tid).size,
    topThreads: top,
    vcpuThreads: detectVcpuThreads(t),
    lost: meta.lost,
    warnings: missingWarning ? [...meta.warnings, missingWarning] : meta.warnings,
    unparsed: meta.unparsed,
  };
}
