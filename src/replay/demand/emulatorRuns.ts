// vCPU thread runs the guest trace does not explain. Under QEMU TCG a vCPU thread whose guest CPU
// is idle still wakes and runs on the host: the main loop hands it the BQL, kicks it for QEMU
// timers, or it runs emulator housekeeping (lab captures: 25-35 % of `CPU n/TCG` runs, 150-360 ms
// per vCPU in 10 s, most a few µs, 10 % over 60-110 µs). Guest-driven demand has no such work, yet
// under an RT vCPU policy it is what a host task waits behind. These runs are replayed at their
// captured times (unknown cause: the time survives a changed schedule) whenever the vCPU is
// halted then.
import type { TraceTables } from '../../tables/index.js';

export interface EmulatorRuns {
  /** Host-clock start of each run, ascending. */
  atNs: Float64Array;
  /** Its length on the host, ns. */
  runNs: Float64Array;
}

/** Guest activity times on guest CPU `cpu` (switches and wakeups there), ascending, host clock. */
function guestActivity(guest: TraceTables, cpu: number): Float64Array {
  const out: number[] = [];
  const sw = guest.sched_switch.cols;
  for (let i = 0; i < guest.sched_switch.length; i++) if (sw.cpu[i] === cpu) out.push(sw.tsNs[i]!);
  const wk = guest.sched_wakeup.cols;
  for (let i = 0; i < guest.sched_wakeup.length; i++) if (wk.cpu[i] === cpu) out.push(wk.tsNs[i]!);
  return Float64Array.from(out).sort();
}

/**
 * Runs [start[k], end[k]] of one vCPU thread (host clock, ascending, non-overlapping) during which
 * its guest CPU logged nothing (guest tables already on the host clock).
 */
export function emulatorRuns(start: ArrayLike<number>, end: ArrayLike<number>, guest: TraceTables, cpu: number, fromNs: number, toNs: number): EmulatorRuns {
  const act = guestActivity(guest, cpu);
  const at: number[] = [];
  const len: number[] = [];
  let j = 0;
  for (let k = 0; k < start.length; k++) {
    const a = start[k]!;
    const b = end[k]!;
    if (a < fromNs || b > toNs) continue;
    while (j < act.length && act[j]! < a) j++;
    if (j < act.length && act[j]! <= b) continue;
    at.push(a);
    len.push(b - a);
  }
  return { atNs: Float64Array.from(at), runNs: Float64Array.from(len) };
}
