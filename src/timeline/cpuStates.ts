import { TableBuilder, type Table, type TraceTables } from '../tables/index.js';
import { CPU_STATES, CpuState } from './schema.js';

export type CpuStatesTable = Table<(typeof CPU_STATES)['columns']>;

/** Per-CPU busy/idle intervals from sched_switch; each CPU starts at its first switch. */
export function cpuStates(t: TraceTables): CpuStatesTable {
  const b = new TableBuilder(CPU_STATES, Math.max(64, t.sched_switch.length));
  const since = new Map<number, { ts: number; tid: number }>();
  const S = t.sched_switch.cols;
  const emit = (cpu: number, from: number, to: number, tid: number) => {
    const r = b.row();
    b.c.tsNs[r] = from;
    b.c.endNs[r] = to;
    b.c.cpu[r] = cpu;
    b.c.state[r] = tid > 0 ? CpuState.BUSY : CpuState.IDLE;
    b.c.tid[r] = tid > 0 ? tid : -1;
  };
  for (let i = 0; i < t.sched_switch.length; i++) {
    const cpu = S.cpu[i]!;
    const ts = S.tsNs[i]!;
    const cur = since.get(cpu);
    if (cur) emit(cpu, cur.ts, ts, cur.tid);
    else if (ts > t.meta.startNs) emit(cpu, t.meta.startNs, ts, S.prevPid[i]!);
    since.set(cpu, { ts, tid: S.nextPid[i]! });
  }
  const end = t.meta.endNs;
  for (const [cpu, cur] of [...since].sort((a, z) => a[0] - z[0])) emit(cpu, cur.ts, Math.max(end, cur.ts), cur.tid);
  return b.finish();
}
