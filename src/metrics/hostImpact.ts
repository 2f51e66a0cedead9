import type { TraceTables } from '../tables/index.js';
import type { HostShare } from './compareTypes.js';

// How much host CPU the other (non-vCPU) host threads got: the cost side of boosting vCPUs.
// Computed from host sched_switch alone: on each CPU, the task switched in runs until the next
// switch on that CPU. Before a CPU's first switch its prev task is charged from the trace start,
// after its last switch the next task is charged until the trace end.

/** Share of host CPU time (and the busiest non-vCPU threads) (CPUs x trace span) spent in vCPU threads, other threads and idle (pid 0). */
export function hostCpuShare(host: TraceTables, vcpuTids: ReadonlySet<number>, topN = 5): HostShare | null {
  const sw = host.sched_switch;
  if (sw.length === 0) return null;
  const startNs = host.meta.startNs;
  const endNs = host.meta.endNs;
  const spanNs = endNs - startNs;
  if (!(spanNs > 0)) return null;
  const { tsNs, cpu, prevPid, nextPid } = sw.cols;
  let maxCpu = 0;
  for (let i = 0; i < sw.length; i++) if (cpu[i]! > maxCpu) maxCpu = cpu[i]!;
  // Per-CPU "who runs since when" in typed arrays: no per-event allocation.
  const curPid = new Int32Array(maxCpu + 1).fill(-1);
  const curSince = new Float64Array(maxCpu + 1);
  let vcpu = 0;
  let idle = 0;
  let other = 0;
  const perTid = new Map<number, number>();
  const charge = (pid: number, ns: number) => {
    if (ns <= 0) return;
    if (pid === 0) idle += ns;
    else if (vcpuTids.has(pid)) vcpu += ns;
    else {
      other += ns;
      perTid.set(pid, (perTid.get(pid) ?? 0) + ns);
    }
  };
  let seenCpus = 0;
  for (let i = 0; i < sw.length; i++) {
    const c = cpu[i]!;
    if (c < 0) continue;
    if (curPid[c] === -1) seenCpus++;
    charge(prevPid[i]!, tsNs[i]! - (curPid[c] === -1 ? startNs : curSince[c]!));
    curPid[c] = nextPid[i]!;
    curSince[c] = tsNs[i]!;
  }
  for (let c = 0; c <= maxCpu; c++) if (curPid[c] !== -1) charge(curPid[c]!, endNs - curSince[c]!);
  // CPUs with no switch at all were idle (or ran one task throughout: unknowable, call it idle).
  const cpus = Math.max(host.meta.cpuCount ?? 0, seenCpus);
  idle += (cpus - seenCpus) * spanNs;
  const total = cpus * spanNs;
  const commOf = latestComms(host);
  const topOther = [...perTid]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, topN)
    .map(([tid, ns]) => ({ tid, comm: commOf.get(tid) ?? '', share: ns / total }));
  return { vcpu: vcpu / total, other: other / total, idle: idle / total, spanNs, cpus, topOther };
}

/** tid -> its last comm in the threads table. */
export function latestComms(t: TraceTables): Map<number, string> {
  const m = new Map<number, string>();
  const { tid, comm } = t.threads.cols;
  for (let i = 0; i < t.threads.length; i++) m.set(tid[i]!, t.strings[comm[i]!] ?? '');
  return m;
}
