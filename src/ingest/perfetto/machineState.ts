import { MachineBuilder } from '../../tables/index.js';
import type { EventDescriptor } from './selfDescribing.js';

/** Growable Int32 list (row indices), no per-element objects. */
export class IntList {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/** Growable Float64 scratch list, reset per use. */
export class NumList {
  a = new Float64Array(256);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/** tids seen in events, as a bitmap (pid_max <= 2^22 on Linux) with a Set for anything larger. */
export class TidSet {
  private readonly bits = new Uint8Array(1 << 19);
  private readonly big = new Set<number>();
  add(tid: number): void {
    if (tid >= 0 && tid < 1 << 22) this.bits[tid >> 3]! |= 1 << (tid & 7);
    else this.big.add(tid);
  }
  has(tid: number): boolean {
    if (tid >= 0 && tid < 1 << 22) return (this.bits[tid >> 3]! & (1 << (tid & 7))) !== 0;
    return this.big.has(tid);
  }
}

export interface TreeThread {
  tid: number;
  tgid: number;
  name: string;
  tsNs: number;
  /** From ProcessTree.processes (name = cmdline[0]) rather than .threads. */
  process: boolean;
}

/** Everything the reader keeps for one machine (host = machine_id 0, or a guest) while streaming. */
export class MachineState {
  readonly b: MachineBuilder;
  /** SystemInfo facts */
  kernel: string | null = null;
  machineName: string | null = null;
  numCpus: number | null = null;
  /** sched_switch rows decoded from compact_sched, whose prev_* are filled at the end. */
  readonly compactSwitch = new IntList();
  /** compact sched_waking rows whose waker (pid) is filled at the end. */
  readonly compactWaking = new IntList();
  /** Newest event time per CPU, for the start of lost-data windows. */
  readonly lastTsByCpu = new Map<number, number>();
  lastTsNs = -1;
  /** Self-describing ftrace event layouts by FtraceEvent field id (v50+ bundles, field 11). */
  readonly selfDescribed = new Map<number, EventDescriptor>();
  /** tgid learned from process_tree and sched_process_exit. */
  readonly tgids = new Map<number, number>();
  readonly treeThreads: TreeThread[] = [];
  /** Remote clock sync rounds [c1, h1, c2, h2] on BOOTTIME. */
  readonly syncRounds: Array<[number, number, number, number]> = [];
  /** Latest ClockSnapshot: clock id -> (clock ts, boottime ts at the same instant). */
  readonly clockOffsets = new Map<number, number>();

  constructor(
    readonly machineId: number,
    source: string,
  ) {
    this.b = new MachineBuilder(source, 'perfetto');
    this.b.meta.clock = 'boot';
  }

  noteTs(cpu: number, tsNs: number): void {
    const prev = this.lastTsByCpu.get(cpu);
    if (prev === undefined || tsNs > prev) this.lastTsByCpu.set(cpu, tsNs);
    if (tsNs > this.lastTsNs) this.lastTsNs = tsNs;
  }
}
