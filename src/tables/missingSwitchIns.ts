// Switch-ins missing from a trace. Some kernels log a sched_switch whose prev task is not the task
// the CPU's previous sched_switch switched to (seen on a 6.18 host running in a VM: 7-13 % of the
// switches out of idle are absent, without any lost-events marker). Treating such a run as
// unknown loses its CPU time; counting it from the CPU's previous switch counts idle time as
// busy. Its best estimate starts at the later of that switch and the task's last wakeup.
import type { TraceTables } from './traceTables.js';
import { upperBound } from './sortedSearch.js';

export interface MissingSwitchIns {
  /** Per sched_switch row: estimated start of prev's run when its switch-in is missing, else NaN. */
  startNs: Float64Array;
  /** Rows with a missing switch-in, and how many of them followed idle (pid 0) on that CPU. */
  count: number;
  fromIdle: number;
}

/** Wakeup times per tid (all wakeup kinds), ascending. */
function wakeTimes(t: TraceTables): Map<number, Float64Array> {
  const w = t.sched_wakeup.cols;
  const lists = new Map<number, number[]>();
  for (let i = 0; i < t.sched_wakeup.length; i++) {
    const tid = w.tid[i]!;
    let l = lists.get(tid);
    if (!l) lists.set(tid, (l = []));
    l.push(w.tsNs[i]!);
  }
  const out = new Map<number, Float64Array>();
  for (const [tid, l] of lists) out.set(tid, Float64Array.from(l).sort());
  return out;
}

/** Largest value <= x in an ascending array, or -Infinity. */
function lastAtOrBefore(a: Float64Array | undefined, x: number): number {
  if (!a) return -Infinity;
  const i = upperBound(a, x);
  return i > 0 ? a[i - 1]! : -Infinity;
}

export function missingSwitchIns(t: TraceTables): MissingSwitchIns {
  const sw = t.sched_switch.cols;
  const n = t.sched_switch.length;
  const startNs = new Float64Array(n).fill(NaN);
  const current = new Map<number, number>();
  const lastSwitch = new Map<number, number>();
  let wakes: Map<number, Float64Array> | null = null;
  let count = 0;
  let fromIdle = 0;
  for (let i = 0; i < n; i++) {
    const cpu = sw.cpu[i]!;
    const prev = sw.prevPid[i]!;
    const ts = sw.tsNs[i]!;
    const cur = current.get(cpu);
    if (cur !== undefined && cur !== prev && prev > 0) {
      wakes ??= wakeTimes(t);
      startNs[i] = Math.min(ts, Math.max(lastSwitch.get(cpu)!, lastAtOrBefore(wakes.get(prev), ts)));
      count++;
      if (cur === 0) fromIdle++;
    }
    current.set(cpu, sw.nextPid[i]!);
    lastSwitch.set(cpu, ts);
  }
  return { startNs, count, fromIdle };
}

/** One line for warnings, or null when nothing is missing. */
export function missingSwitchInsWarning(m: MissingSwitchIns, switches: number): string | null {
  if (m.count === 0) return null;
  const pct = ((100 * m.count) / Math.max(1, switches)).toFixed(1);
  return (
    `${m.count} sched_switch events (${pct} %) switch out a task whose switch-in is not in the trace ` +
    `(${m.fromIdle} after idle); those runs are taken to start at the task's wakeup or the CPU's previous switch, whichever is later`
  );
}
