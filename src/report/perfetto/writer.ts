import { open } from 'node:fs/promises';
import {
  EVENT_TABLES,
  Flags,
  IrqKind,
  MarkerKind,
  ProcessKind,
  SOFTIRQ_NAMES,
  WakeupKind,
  kernelMajorMinor,
  type Table,
  type TraceTables,
} from '../../tables/index.js';
import { ProtoWriter } from './protoWriter.js';
import { encodeTaskStateRaw } from './taskStateRaw.js';
import { commonFlagsFromFlags } from '../../ingest/perfetto/commonFlags.js';
import { FtraceId as F } from '../../ingest/perfetto/ftraceEventIds.js';
import { UNKNOWN_KERNEL_RELEASE } from '../../ingest/perfetto/decoder.js';

// Tables -> Perfetto trace. Each input becomes one machine (machine_id, the first one is the
// host) with its own packet sequence: ClockSnapshot (BOOTTIME), SystemInfo, process_tree, then
// per-CPU FtraceEventBundles. sched_switch/sched_waking go in compact_sched form whenever the
// reader can rebuild them exactly (prev_* = previous switch's next_* on that CPU); every other
// row is a verbose event, typed where Perfetto has a proto that carries all our columns, else a
// GenericFtraceEvent whose fields are named after our columns, so reading it back is lossless.

export interface PerfettoWriteInput {
  /** Machine name (SystemInfo.machine_name), e.g. 'host', 'guest', or a policy name. */
  name: string;
  tables: TraceTables;
}

export interface PerfettoWriteOptions {
  /** Write sched_switch / sched_waking in compact_sched form where exact (default true). */
  compact?: boolean;
  /** Events per FtraceEventBundle (default 4096). */
  bundleEvents?: number;
  /** Told about rows that cannot be written (e.g. cpu < 0). */
  onWarning?: (message: string) => void;
  /** Rows written so far (all machines) and the total, every 64k rows. */
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
}

const SEQ_INCREMENTAL_STATE_CLEARED = 1;
const BOOTTIME = 6;
const MONOTONIC = 3;

// Table indices in EVENT_TABLES order.
const T_SWITCH = 0;
const T_WAKEUP = 1;
const T_MIGRATE = 2;
const T_PROCESS = 3;
const T_IRQ = 4;
const T_MARKERS = 7;
const T_GENERIC = 8;

const COMMON = new Set(['tsNs', 'seq', 'cpu', 'pid', 'flags', 'kind']);

/** The whole trace in memory. */
export function writePerfetto(traces: PerfettoWriteInput[], opts: PerfettoWriteOptions = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (const c of encodePerfetto(traces, opts)) {
    parts.push(c);
    n += c.length;
  }
  return Buffer.concat(parts, n);
}

/** Stream the trace to a file; returns bytes written. */
export async function writePerfettoFile(path: string, traces: PerfettoWriteInput[], opts: PerfettoWriteOptions = {}): Promise<number> {
  const fh = await open(path, 'w');
  let n = 0;
  try {
    for (const c of encodePerfetto(traces, opts)) {
      await fh.write(c);
      n += c.length;
    }
  } finally {
    await fh.close();
  }
  return n;
}

/** Yields the trace in chunks of about 1 MiB. */
export function* encodePerfetto(traces: PerfettoWriteInput[], opts: PerfettoWriteOptions = {}): Generator<Uint8Array> {
  const w = new ProtoWriter(1 << 21);
  const progress = { done: 0, total: 0 };
  for (const t of traces) for (const spec of EVENT_TABLES) progress.total += (t.tables[spec.name] as Table).length;
  for (let m = 0; m < traces.length; m++) {
    const enc = new MachineEncoder(w, traces[m]!, m, opts, progress);
    yield* enc.run();
  }
  if (w.len) yield w.take();
}

class MachineEncoder {
  private readonly t: TraceTables;
  private readonly seqId: number;
  private readonly kernel: [number, number];
  private readonly bundleEvents: number;
  private readonly compact: boolean;
  private firstPacket = true;
  private skippedNoCpu = 0;
  private unknownStatePre414 = 0;

  constructor(
    private readonly w: ProtoWriter,
    private readonly input: PerfettoWriteInput,
    private readonly machineId: number,
    private readonly opts: PerfettoWriteOptions,
    private readonly progress: { done: number; total: number },
  ) {
    this.t = input.tables;
    this.seqId = machineId + 1;
    this.kernel = kernelMajorMinor(this.t.meta.kernelVersion) ?? [4, 14];
    this.bundleEvents = Math.max(1, opts.bundleEvents ?? 4096);
    this.compact = opts.compact ?? true;
  }

  /** Open a TracePacket with the fields every packet of this machine carries. */
  private beginPacket(): number {
    const w = this.w;
    const at = w.begin(1);
    w.uint(10, this.seqId);
    if (this.machineId) w.uint(98, this.machineId);
    if (this.firstPacket) {
      w.uint(13, SEQ_INCREMENTAL_STATE_CLEARED);
      w.uint(87, 1);
      this.firstPacket = false;
    }
    return at;
  }

  *run(): Generator<Uint8Array> {
    const w = this.w;
    const meta = this.t.meta;
    const t0 = Math.max(0, meta.startNs);
    // ClockSnapshot: we only have BOOTTIME; MONOTONIC is given equal so the UI has both.
    let p = this.beginPacket();
    let s = w.begin(6);
    for (const id of [BOOTTIME, MONOTONIC]) {
      const c = w.begin(1);
      w.uint(1, id);
      w.uint(2, t0);
      w.end(c);
    }
    w.uint(2, BOOTTIME);
    w.end(s);
    w.end(p);
    // SystemInfo
    p = this.beginPacket();
    s = w.begin(45);
    const u = w.begin(1);
    w.string(1, 'Linux');
    w.string(3, meta.kernelVersion ?? UNKNOWN_KERNEL_RELEASE);
    w.end(u);
    // Only a count the CPU table confirms: a reader derives cpuCount from the events otherwise.
    if (meta.cpuCount && this.t.cpus.length === meta.cpuCount) w.uint(8, meta.cpuCount);
    w.string(17, this.input.name);
    w.end(s);
    w.end(p);
    const sync = meta.extra['remoteClockSync'] as { offsetNs: number; uncertaintyNs: number; rounds: number } | undefined;
    if (this.machineId && sync && Number.isFinite(sync.offsetNs)) this.clockSync(t0, sync);
    this.processTree();
    yield* this.bundles();
    if (this.skippedNoCpu) this.opts.onWarning?.(`${this.input.name}: ${this.skippedNoCpu} events with unknown CPU not written (ftrace bundles need a CPU)`);
    if (this.unknownStatePre414) this.opts.onWarning?.(`${this.input.name}: ${this.unknownStatePre414} unknown prev_state values written as R (a pre-4.14 layout cannot express unknown)`);
  }

  /** Synthesize sync rounds that reproduce the recorded offset and uncertainty exactly. */
  private clockSync(hostNs: number, sync: { offsetNs: number; uncertaintyNs: number; rounds: number }): void {
    const w = this.w;
    const u = Math.max(0, Math.round(sync.uncertaintyNs));
    const h1 = hostNs + u;
    const c1 = h1 + sync.offsetNs - u;
    const c2 = h1 + sync.offsetNs + u;
    const h2 = h1 + 2 * u;
    const snap = (field: number, ts: number) => {
      const a = w.begin(field);
      const c = w.begin(1);
      w.uint(1, BOOTTIME);
      w.uint(2, ts);
      w.end(c);
      w.end(a);
    };
    const p = this.beginPacket();
    const s = w.begin(107);
    for (let r = 0; r < Math.max(1, sync.rounds); r++) {
      for (const [c, h] of [[c1, h1], [c2, h2]] as const) {
        const e = w.begin(1);
        snap(2, c);
        snap(3, h);
        w.end(e);
      }
    }
    w.end(s);
    w.end(p);
  }

  /** One process_tree packet per distinct first-seen time, so threads known only from it keep that time. */
  private processTree(): void {
    const w = this.w;
    const th = this.t.threads;
    const c = th.cols;
    const strs = this.t.strings;
    const byTs = new Map<number, number[]>();
    const mainComm = new Map<number, number>();
    for (let i = 0; i < th.length; i++) {
      if (c.tid[i]! < 0 || c.comm[i]! < 0) continue;
      const ts = c.firstTsNs[i]!;
      let l = byTs.get(ts);
      if (!l) byTs.set(ts, (l = []));
      l.push(i);
      if (c.tgid[i] === c.tid[i]) mainComm.set(c.tid[i]!, c.comm[i]!);
    }
    let first = true;
    for (const ts of [...byTs.keys()].sort((a, z) => a - z)) {
      const p = this.beginPacket();
      if (ts >= 0) w.uint(8, ts);
      const s = w.begin(2);
      if (first) {
        for (const [pid, comm] of [...mainComm].sort((a, z) => a[0] - z[0])) {
          const e = w.begin(1);
          w.int(1, pid);
          w.string(3, strs[comm]!);
          w.end(e);
        }
        first = false;
      }
      for (const i of byTs.get(ts)!) {
        const e = w.begin(2);
        w.int(1, c.tid[i]!);
        w.string(2, strs[c.comm[i]!]!);
        if (c.tgid[i]! >= 0) w.int(3, c.tgid[i]!);
        w.end(e);
      }
      w.end(s);
      w.end(p);
    }
  }

  /** Merge every event table by (tsNs, seq), split per CPU into bundles. */
  private *bundles(): Generator<Uint8Array> {
    const tables = EVENT_TABLES.map((spec) => this.t[spec.name] as Table);
    const ts = tables.map((t) => (t.cols as Record<string, Float64Array>)['tsNs']!);
    const seq = tables.map((t) => (t.cols as Record<string, Uint32Array>)['seq']!);
    const cpuCol = tables.map((t) => (t.cols as Record<string, Int32Array>)['cpu']!);
    const ptr = new Array<number>(tables.length).fill(0);
    const pend = new Map<number, PendingBundle>();
    const lost = this.lostByCpu();
    const run = new Map<number, CpuRun>();
    const sw = this.t.sched_switch.cols;
    const wk = this.t.sched_wakeup.cols;
    for (;;) {
      let best = -1;
      for (let k = 0; k < tables.length; k++) {
        const i = ptr[k]!;
        if (i >= tables[k]!.length) continue;
        if (best < 0) { best = k; continue; }
        const j = ptr[best]!;
        if (ts[k]![i]! < ts[best]![j]! || (ts[k]![i] === ts[best]![j] && seq[k]![i]! < seq[best]![j]!)) best = k;
      }
      if (best < 0) break;
      const row = ptr[best]!++;
      const cpu = cpuCol[best]![row]!;
      if (cpu < 0) { this.skippedNoCpu++; continue; }
      const tsNs = ts[best]![row]!;
      let pb = pend.get(cpu);
      const lw = lost.get(cpu);
      let lostWin: LostMark | null = null;
      if (lw && lw.length && tsNs >= lw[0]!.endNs) {
        lostWin = lw.shift()!;
        if (pb && pb.n) this.flush(cpu, pb);
      }
      if (!pb) pend.set(cpu, (pb = new PendingBundle()));
      if (lostWin) pb.lost = lostWin;
      let r = run.get(cpu);
      if (!r) run.set(cpu, (r = { have: false, pid: -1, comm: -1, prio: -1 }));
      let compact = false;
      if (best === T_SWITCH) {
        compact =
          this.compact && r.have && sw.flags[row] === Flags.UNKNOWN && sw.nextComm[row]! >= 0 &&
          sw.prevPid[row] === r.pid && sw.prevComm[row] === r.comm && sw.prevPrio[row] === r.prio && sw.pid[row] === r.pid &&
          !this.switchTie(row);
        r.have = true;
        r.pid = sw.nextPid[row]!;
        r.comm = sw.nextComm[row]!;
        r.prio = sw.nextPrio[row]!;
      } else if (best === T_WAKEUP) {
        compact =
          this.compact && wk.kind[row] === WakeupKind.WAKING && wk.flags[row] === Flags.UNKNOWN && wk.success[row] === -1 &&
          wk.comm[row]! >= 0 && wk.pid[row] === (r.have ? r.pid : -1) && !this.switchAt(cpu, tsNs);
      }
      pb.push(best, row, compact);
      if ((++this.progress.done & 0xffff) === 0) this.opts.onProgress?.(this.progress.done, this.progress.total);
      if (pb.n >= this.bundleEvents) this.flush(cpu, pb);
      if (this.w.len >= 1 << 20) yield this.w.take();
    }
    for (const cpu of [...pend.keys()].sort((a, z) => a - z)) {
      const pb = pend.get(cpu)!;
      if (pb.n) this.flush(cpu, pb);
    }
    // Loss windows after the last event of a CPU: an empty bundle carries them.
    for (const [cpu, lw] of [...lost].sort((a, z) => a[0] - z[0])) {
      for (const l of lw) {
        const pb = new PendingBundle();
        pb.lost = l;
        this.flush(cpu, pb);
      }
    }
  }

  private lostByCpu(): Map<number, LostMark[]> {
    const out = new Map<number, LostMark[]>();
    for (const l of this.t.meta.lost) {
      if (l.kind !== 'lost' || l.cpu < 0) continue;
      let a = out.get(l.cpu);
      if (!a) out.set(l.cpu, (a = []));
      a.push({ startNs: l.startNs, endNs: l.endNs });
    }
    for (const a of out.values()) a.sort((x, z) => x.endNs - z.endNs);
    return out;
  }

  /** Another switch on the same CPU at the same instant: order would rest on seq, keep it verbose. */
  private switchTie(row: number): boolean {
    const c = this.t.sched_switch.cols;
    const n = this.t.sched_switch.length;
    const t = c.tsNs[row]!;
    const cpu = c.cpu[row]!;
    for (let j = row - 1; j >= 0 && c.tsNs[j] === t; j--) if (c.cpu[j] === cpu) return true;
    for (let j = row + 1; j < n && c.tsNs[j] === t; j++) if (c.cpu[j] === cpu) return true;
    return false;
  }

  /** A switch on `cpu` at exactly `tsNs` (binary search in the time-sorted switch table). */
  private switchAt(cpu: number, tsNs: number): boolean {
    const c = this.t.sched_switch.cols;
    let lo = 0;
    let hi = this.t.sched_switch.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c.tsNs[mid]! < tsNs) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo; j < this.t.sched_switch.length && c.tsNs[j] === tsNs; j++) if (c.cpu[j] === cpu) return true;
    return false;
  }

  private flush(cpu: number, pb: PendingBundle): void {
    const w = this.w;
    const p = this.beginPacket();
    const b = w.begin(1);
    w.uint(1, cpu);
    if (pb.lost) {
      w.uint(3, 1);
      w.uint(10, Math.max(0, pb.lost.startNs));
    }
    const sw = this.t.sched_switch.cols;
    const wk = this.t.sched_wakeup.cols;
    const cs = new CompactArrays();
    for (let k = 0; k < pb.n; k++) {
      const tab = pb.table[k]!;
      const row = pb.row[k]!;
      if (pb.compact[k]) {
        if (tab === T_SWITCH) cs.addSwitch(sw.tsNs[row]!, this.rawState(sw.prevState[row]!), sw.nextPid[row]!, sw.nextPrio[row]!, sw.nextComm[row]!);
        else cs.addWaking(wk.tsNs[row]!, wk.tid[row]!, wk.targetCpu[row]!, wk.prio[row]!, wk.comm[row]!);
      } else this.event(tab, row);
    }
    if (cs.nSw || cs.nWk) cs.write(w, this.t.strings);
    w.end(b);
    w.end(p);
    pb.n = 0;
    pb.lost = null;
  }

  /** prev_state as raw kernel bits for the kernel we declare in SystemInfo. */
  private rawState(mask: number): number {
    if (mask < 0 && this.kernel[0] * 1000 + this.kernel[1] < 4014) this.unknownStatePre414++;
    return encodeTaskStateRaw(mask, this.kernel);
  }

  /** One verbose FtraceEvent. */
  private event(tab: number, row: number): void {
    const w = this.w;
    const t = this.t;
    const cols = (t[EVENT_TABLES[tab]!.name] as Table).cols as Record<string, ArrayLike<number>>;
    const e = w.begin(2);
    w.uint(1, Math.max(0, cols['tsNs']![row]!));
    w.int(2, cols['pid']![row]!);
    const cf = commonFlagsFromFlags(cols['flags']![row]!);
    if (cf !== null) w.uint(5, cf);
    if (!this.typedPayload(tab, row)) this.genericPayload(tab, row);
    w.end(e);
  }

  private str(id: number): string | null {
    return id >= 0 ? this.t.strings[id]! : null;
  }

  /** Typed Perfetto payload when it carries every column exactly; false otherwise. */
  private typedPayload(tab: number, row: number): boolean {
    const w = this.w;
    const t = this.t;
    const optStr = (field: number, id: number) => {
      if (id >= 0) w.string(field, t.strings[id]!);
    };
    switch (tab) {
      case T_SWITCH: {
        const c = t.sched_switch.cols;
        const s = w.begin(F.SCHED_SWITCH);
        optStr(1, c.prevComm[row]!);
        w.int(2, c.prevPid[row]!);
        w.int(3, c.prevPrio[row]!);
        w.int(4, this.rawState(c.prevState[row]!));
        optStr(5, c.nextComm[row]!);
        w.int(6, c.nextPid[row]!);
        w.int(7, c.nextPrio[row]!);
        w.end(s);
        return true;
      }
      case T_WAKEUP: {
        const c = t.sched_wakeup.cols;
        const id = c.kind[row] === WakeupKind.WAKING ? F.SCHED_WAKING : c.kind[row] === WakeupKind.WAKEUP ? F.SCHED_WAKEUP : F.SCHED_WAKEUP_NEW;
        const s = w.begin(id);
        optStr(1, c.comm[row]!);
        w.int(2, c.tid[row]!);
        w.int(3, c.prio[row]!);
        if (c.success[row] !== -1) w.int(4, c.success[row]!);
        w.int(5, c.targetCpu[row]!);
        w.end(s);
        return true;
      }
      case T_MIGRATE: {
        const c = t.sched_migrate.cols;
        const s = w.begin(F.SCHED_MIGRATE_TASK);
        optStr(1, c.comm[row]!);
        w.int(2, c.tid[row]!);
        w.int(3, c.prio[row]!);
        w.int(4, c.origCpu[row]!);
        w.int(5, c.destCpu[row]!);
        w.end(s);
        return true;
      }
      case T_PROCESS:
        return this.processPayload(row);
      case T_IRQ:
        return this.irqPayload(row);
      case T_MARKERS: {
        const c = t.markers.cols;
        if (c.kind[row] !== MarkerKind.PRINT) return false;
        const text = c.text[row]!;
        const ip = this.str(c.ip[row]!);
        if (text.endsWith('\n') || (ip !== null && !/^0x[0-9a-f]+$/.test(ip)) || ip === '0x0') return false;
        const s = w.begin(F.PRINT);
        if (ip !== null) w.uint64(1, BigInt(ip));
        w.string(2, text);
        w.end(s);
        return true;
      }
      default:
        return false;
    }
  }

  private processPayload(row: number): boolean {
    const w = this.w;
    const c = this.t.sched_process.cols;
    const kind = c.kind[row]!;
    const comm = c.comm[row]!;
    const childComm = c.childComm[row]!;
    const childTid = c.childTid[row]!;
    const prio = c.prio[row]!;
    const str = (field: number, id: number) => {
      if (id >= 0) w.string(field, this.t.strings[id]!);
    };
    const noChild = childComm === -1 && childTid === -1;
    let s: number;
    switch (kind) {
      case ProcessKind.FORK:
        if (prio !== -1) return false;
        s = w.begin(F.SCHED_PROCESS_FORK);
        str(1, comm); w.int(2, c.tid[row]!); str(3, childComm); w.int(4, childTid);
        break;
      case ProcessKind.EXIT:
      case ProcessKind.FREE:
      case ProcessKind.WAIT:
        if (!noChild) return false;
        s = w.begin(kind === ProcessKind.EXIT ? F.SCHED_PROCESS_EXIT : kind === ProcessKind.FREE ? F.SCHED_PROCESS_FREE : F.SCHED_PROCESS_WAIT);
        str(1, comm); w.int(2, c.tid[row]!); w.int(kind === ProcessKind.EXIT ? 4 : 3, prio);
        break;
      case ProcessKind.EXEC:
        if (!noChild || prio !== -1) return false;
        s = w.begin(F.SCHED_PROCESS_EXEC);
        str(1, comm); w.int(2, c.tid[row]!);
        break;
      case ProcessKind.NEWTASK:
        if (!noChild || prio !== -1) return false;
        s = w.begin(F.TASK_NEWTASK);
        w.int(1, c.tid[row]!); str(2, comm);
        break;
      case ProcessKind.RENAME:
        if (childTid !== -1 || prio !== -1) return false;
        s = w.begin(F.TASK_RENAME);
        w.int(1, c.tid[row]!); str(2, comm); str(3, childComm);
        break;
      default:
        return false;
    }
    w.end(s);
    return true;
  }

  private irqPayload(row: number): boolean {
    const w = this.w;
    const c = this.t.irq.cols;
    const kind = c.kind[row]!;
    const event = this.str(c.event[row]!);
    const name = c.name[row]!;
    const num = c.num[row]!;
    const ret = c.ret[row]!;
    const str = (field: number, id: number) => {
      if (id >= 0) w.string(field, this.t.strings[id]!);
    };
    let s: number;
    switch (kind) {
      case IrqKind.IRQ_ENTRY:
        if (event !== 'irq_handler_entry' || ret !== -1) return false;
        s = w.begin(F.IRQ_HANDLER_ENTRY);
        w.int(1, num); str(2, name);
        break;
      case IrqKind.IRQ_EXIT:
        if (event !== 'irq_handler_exit' || name !== -1) return false;
        s = w.begin(F.IRQ_HANDLER_EXIT);
        w.int(1, num);
        if (ret !== -1) w.int(2, ret);
        break;
      case IrqKind.SOFTIRQ_ENTRY:
      case IrqKind.SOFTIRQ_EXIT:
      case IrqKind.SOFTIRQ_RAISE: {
        const ev = ['softirq_raise', 'softirq_entry', 'softirq_exit'][kind - IrqKind.SOFTIRQ_RAISE];
        const derived = num >= 0 && num < SOFTIRQ_NAMES.length ? SOFTIRQ_NAMES[num]! : null;
        if (event !== ev || ret !== -1 || num < 0 || this.str(name) !== derived) return false;
        s = w.begin(kind === IrqKind.SOFTIRQ_ENTRY ? F.SOFTIRQ_ENTRY : kind === IrqKind.SOFTIRQ_EXIT ? F.SOFTIRQ_EXIT : F.SOFTIRQ_RAISE);
        w.int(1, num);
        break;
      }
      case IrqKind.IPI_ENTRY:
      case IrqKind.IPI_EXIT:
        if (event !== (kind === IrqKind.IPI_ENTRY ? 'ipi_entry' : 'ipi_exit') || ret !== -1 || num !== -1) return false;
        s = w.begin(kind === IrqKind.IPI_ENTRY ? F.IPI_ENTRY : F.IPI_EXIT);
        str(1, name);
        break;
      case IrqKind.IPI_RAISE:
        if (event !== 'ipi_raise' || ret !== -1) return false;
        s = w.begin(F.IPI_RAISE);
        if (num !== -1) w.int(1, num);
        str(2, name);
        break;
      case IrqKind.VECTOR_ENTRY:
      case IrqKind.VECTOR_EXIT: {
        const entry = kind === IrqKind.VECTOR_ENTRY;
        if (event !== (entry ? 'local_timer_entry' : 'local_timer_exit') || this.str(name) !== 'local_timer' || ret !== -1) return false;
        s = w.begin(entry ? F.LOCAL_TIMER_ENTRY : F.LOCAL_TIMER_EXIT);
        if (num !== -1) w.int(1, num);
        break;
      }
      default:
        return false;
    }
    w.end(s);
    return true;
  }

  /** GenericFtraceEvent: event name + one field per column (typed tables) or per `k=v` token (generic). */
  private genericPayload(tab: number, row: number): void {
    const w = this.w;
    const t = this.t;
    const spec = EVENT_TABLES[tab]!;
    const s = w.begin(F.GENERIC);
    const field = (name: string, str: string | null, num: number) => {
      const f = w.begin(2);
      w.string(1, name);
      if (str !== null) w.string(3, str);
      else w.int(4, num);
      w.end(f);
    };
    if (tab === T_GENERIC) {
      const c = t.generic.cols;
      w.string(1, t.strings[c.event[row]!] ?? '');
      const text = c.fields[row]!;
      const toks = text.split(' ');
      const kv = toks.map((tok) => /^([^\s=]+)=(\S*)$/.exec(tok));
      if (text && kv.every((m) => m)) for (const m of kv) field(m![1]!, m![2]!, 0);
      else if (text) field('', text, 0);
    } else {
      const cols = (t[spec.name] as Table).cols as Record<string, ArrayLike<number> | string[]>;
      const kind = 'kind' in spec.columns ? (cols['kind'] as Uint8Array)[row]! : -1;
      let name = spec.kinds && kind >= 0 ? spec.kinds[kind]! : spec.name;
      if (spec.name === 'irq') name = t.strings[(cols['event'] as Int32Array)[row]!] ?? name;
      w.string(1, name);
      for (const [col, type] of Object.entries(spec.columns)) {
        if (COMMON.has(col)) continue;
        const v = cols[col]![row]!;
        if (type === 'str') {
          if ((v as number) >= 0) field(col, t.strings[v as number]!, 0);
        } else if (type === 'text') field(col, v as string, 0);
        else field(col, null, v as number);
      }
    }
    w.end(s);
  }
}

interface CpuRun {
  have: boolean;
  pid: number;
  comm: number;
  prio: number;
}

interface LostMark {
  startNs: number;
  endNs: number;
}

class PendingBundle {
  table: number[] = [];
  row: number[] = [];
  compact: boolean[] = [];
  n = 0;
  lost: LostMark | null = null;
  push(table: number, row: number, compact: boolean): void {
    this.table[this.n] = table;
    this.row[this.n] = row;
    this.compact[this.n] = compact;
    this.n++;
  }
}

/** compact_sched arrays of one bundle, with the bundle-local comm table. */
class CompactArrays {
  swTs: number[] = [];
  swState: number[] = [];
  swPid: number[] = [];
  swPrio: number[] = [];
  swComm: number[] = [];
  wkTs: number[] = [];
  wkPid: number[] = [];
  wkCpu: number[] = [];
  wkPrio: number[] = [];
  wkComm: number[] = [];
  nSw = 0;
  nWk = 0;
  private lastSw = 0;
  private lastWk = 0;
  private readonly intern = new Map<number, number>();
  private readonly internIds: number[] = [];

  private idx(comm: number): number {
    let i = this.intern.get(comm);
    if (i === undefined) {
      i = this.internIds.length;
      this.intern.set(comm, i);
      this.internIds.push(comm);
    }
    return i;
  }

  addSwitch(ts: number, state: number, pid: number, prio: number, comm: number): void {
    this.swTs.push(ts - this.lastSw);
    this.lastSw = ts;
    this.swState.push(state);
    this.swPid.push(pid);
    this.swPrio.push(prio);
    this.swComm.push(this.idx(comm));
    this.nSw++;
  }

  addWaking(ts: number, pid: number, cpu: number, prio: number, comm: number): void {
    this.wkTs.push(ts - this.lastWk);
    this.lastWk = ts;
    this.wkPid.push(pid);
    this.wkCpu.push(cpu);
    this.wkPrio.push(prio);
    this.wkComm.push(this.idx(comm));
    this.nWk++;
  }

  write(w: ProtoWriter, strings: readonly string[]): void {
    const c = w.begin(4);
    for (const id of this.internIds) w.string(5, strings[id]!);
    w.packed(1, this.swTs, this.nSw, false);
    w.packed(2, this.swState, this.nSw, true);
    w.packed(3, this.swPid, this.nSw, true);
    w.packed(4, this.swPrio, this.nSw, true);
    w.packed(6, this.swComm, this.nSw, false);
    w.packed(7, this.wkTs, this.nWk, false);
    w.packed(8, this.wkPid, this.nWk, true);
    w.packed(9, this.wkCpu, this.nWk, true);
    w.packed(10, this.wkPrio, this.nWk, true);
    w.packed(11, this.wkComm, this.nWk, false);
    w.end(c);
  }
}
