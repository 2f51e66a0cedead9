import { decodeTaskStateMask, kernelMajorMinor } from '../../tables/index.js';
import type { MachineState } from './machineState.js';

// End-of-trace pass over one machine, once every bundle is in:
//  - compact_sched switches get prev_* from the previous switch on the same CPU, and compact
//    wakings get their waker (the task running on that CPU), both in per-CPU time order; bundles
//    are not monotonic per CPU across packets, so arrival order is not good enough;
//  - raw prev_state values become the canonical mask, now that SystemInfo's kernel is known.

function byTime(ts: Float64Array, seq: Uint32Array, rows: number[]): void {
  for (let k = 1; k < rows.length; k++) {
    const a = rows[k - 1]!;
    const z = rows[k]!;
    if (ts[z]! < ts[a]! || (ts[z] === ts[a] && seq[z]! < seq[a]!)) {
      rows.sort((x, y) => ts[x]! - ts[y]! || seq[x]! - seq[y]!);
      return;
    }
  }
}

export function fixupMachine(ms: MachineState): void {
  const b = ms.b;
  const sw = b.sched_switch;
  const n = sw.length;
  const c = sw.c;
  if (ms.compactSwitch.n || ms.compactWaking.n) {
    const compact = new Uint8Array(n);
    for (let k = 0; k < ms.compactSwitch.n; k++) compact[ms.compactSwitch.a[k]!] = 1;
    const swByCpu = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const cpu = c.cpu[i]!;
      let l = swByCpu.get(cpu);
      if (!l) swByCpu.set(cpu, (l = []));
      l.push(i);
    }
    const wk = b.sched_wakeup.c;
    const wkByCpu = new Map<number, number[]>();
    for (let k = 0; k < ms.compactWaking.n; k++) {
      const i = ms.compactWaking.a[k]!;
      const cpu = wk.cpu[i]!;
      let l = wkByCpu.get(cpu);
      if (!l) wkByCpu.set(cpu, (l = []));
      l.push(i);
    }
    const cpus = new Set([...swByCpu.keys(), ...wkByCpu.keys()]);
    for (const cpu of cpus) {
      const rows = swByCpu.get(cpu) ?? [];
      const wrows = wkByCpu.get(cpu) ?? [];
      byTime(c.tsNs, c.seq, rows);
      byTime(wk.tsNs, wk.seq, wrows);
      let curPid = -1;
      let curComm = -1;
      let curPrio = -1;
      let w = 0;
      for (const i of rows) {
        const t = c.tsNs[i]!;
        // A waking at the same instant as a switch sees the task switched in.
        while (w < wrows.length && wk.tsNs[wrows[w]!]! < t) wk.pid[wrows[w++]!] = curPid;
        if (compact[i]) {
          c.prevPid[i] = curPid;
          c.prevComm[i] = curComm;
          c.prevPrio[i] = curPrio;
          c.pid[i] = curPid;
        }
        curPid = c.nextPid[i]!;
        curComm = c.nextComm[i]!;
        curPrio = c.nextPrio[i]!;
      }
      while (w < wrows.length) wk.pid[wrows[w++]!] = curPid;
    }
  }
  if (n) {
    const kernel = kernelMajorMinor(ms.kernel);
    if (!kernel) b.warn('no kernel version in SystemInfo: sched_switch prev_state decoded with the >= 4.14 layout');
    const cache = new Int32Array(4096).fill(-2);
    for (let i = 0; i < n; i++) {
      const raw = c.prevState[i]!;
      if (raw >= 0 && raw < 4096) {
        let v = cache[raw]!;
        if (v === -2) v = cache[raw] = decodeTaskStateMask(raw, kernel);
        c.prevState[i] = v;
      } else c.prevState[i] = decodeTaskStateMask(raw, kernel);
    }
  }
}
