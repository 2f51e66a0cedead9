import { decodeTaskStateMask, kernelMajorMinor } from '../../tables/index.js';
import type { MachineState } from './machineState.js';
import { gU8, sortBuilderRows } from './sortRows.js';

// End-of-trace pass over one machine, once every bundle is in:
//  - every table is put in time order (bundles are not monotonic per CPU across packets);
//  - compact_sched switches get prev_* from the previous switch on the same CPU, and compact
//    wakings get their waker (the task running on that CPU), walking switches and wakings in
//    that time order; a waking at the same instant as a switch sees the task switched in;
//  - raw prev_state values become the canonical mask, now that SystemInfo's kernel is known.

const MAX_CPU = 1024;

function flags(n: number, rows: { a: Int32Array; n: number }): Uint8Array | null {
  if (!rows.n) return null;
  const f = new Uint8Array(n);
  for (let k = 0; k < rows.n; k++) f[rows.a[k]!] = 1;
  return f;
}

export function fixupMachine(ms: MachineState): void {
  const b = ms.b;
  const swN = b.sched_switch.length;
  const wkN = b.sched_wakeup.length;
  let swCompact = flags(swN, ms.compactSwitch);
  let wkCompact = flags(wkN, ms.compactWaking);
  const swPerm = sortBuilderRows(b.sched_switch as never);
  if (swPerm && swCompact) swCompact = gU8(swCompact, swPerm, swN);
  const wkPerm = sortBuilderRows(b.sched_wakeup as never);
  if (wkPerm && wkCompact) wkCompact = gU8(wkCompact, wkPerm, wkN);
  for (const t of [b.sched_migrate, b.sched_process, b.irq, b.hrtimer, b.kvm, b.markers, b.generic]) sortBuilderRows(t as never);

  const c = b.sched_switch.c;
  const wk = b.sched_wakeup.c;
  if (swCompact || wkCompact) {
    const curPid = new Int32Array(MAX_CPU).fill(-1);
    const curComm = new Int32Array(MAX_CPU).fill(-1);
    const curPrio = new Int32Array(MAX_CPU).fill(-1);
    let i = 0;
    let j = 0;
    while (i < swN || j < wkN) {
      if (j < wkN && (i >= swN || wk.tsNs[j]! < c.tsNs[i]!)) {
        if (wkCompact && wkCompact[j]) wk.pid[j] = curPid[wk.cpu[j]!]!;
        j++;
        continue;
      }
      const cpu = c.cpu[i]!;
      if (swCompact && swCompact[i]) {
        c.prevPid[i] = curPid[cpu]!;
        c.prevComm[i] = curComm[cpu]!;
        c.prevPrio[i] = curPrio[cpu]!;
        c.pid[i] = curPid[cpu]!;
      }
      curPid[cpu] = c.nextPid[i]!;
      curComm[cpu] = c.nextComm[i]!;
      curPrio[cpu] = c.nextPrio[i]!;
      i++;
    }
  }
  if (swN) {
    const kernel = kernelMajorMinor(ms.kernel);
    if (!kernel) b.warn('no kernel version in SystemInfo: sched_switch prev_state decoded with the >= 4.14 layout');
    const cache = new Int32Array(4096).fill(-2);
    for (let i = 0; i < swN; i++) {
      const raw = c.prevState[i]!;
      if (raw >= 0 && raw < 4096) {
        let v = cache[raw]!;
        if (v === -2) v = cache[raw] = decodeTaskStateMask(raw, kernel);
        c.prevState[i] = v;
      } else c.prevState[i] = decodeTaskStateMask(raw, kernel);
    }
  }
}
