import { inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import type { LostWindow, Trace, TraceTables } from '../../tables/index.js';
import { InputError } from '../open.js';
import type { IngestOptions } from '../registry.js';
import { MachineState } from './machineState.js';
import { WT_LEN, WT_VARINT, WireError, WireReader } from './wire.js';
import { decodeFtraceEvent } from './ftraceEvent.js';
import { decodeCompactSched, type CompactResult } from './compactSched.js';
import { fixupMachine } from './fixup.js';
import { buildThreads } from './threads.js';
import { readGenericEventDescriptor } from './selfDescribing.js';
import { splitPackets, type FramingError } from './framing.js';
import { clockSyncEstimate, readClockSnapshot } from './clocks.js';

// TracePacket -> machine state. One decoder per file; packets arrive in file order.

const BOOTTIME = 6;
const MAX_CPU = 1024;
/** Written by our writer when the kernel is unknown (see report/perfetto): read back as null. */
export const UNKNOWN_KERNEL_RELEASE = '4.14.0-vcpu-replay-unknown';

const FTRACE_CLOCK_NAMES = ['boot', 'unknown', 'global', 'local', 'mono_raw'];

export class PerfettoDecoder {
  private readonly machines = new Map<number, MachineState>();
  private readonly seqLastTs = new Map<number, number>();
  private readonly seqsSeen = new Set<number>();
  private readonly r = new WireReader();
  private readonly compactOut: CompactResult = { minTs: Infinity, maxTs: -Infinity, errors: 0 };
  private compactBundles = 0;
  private zlibPackets = 0;
  private zstdPackets = 0;
  packets = 0;

  constructor(
    private readonly path: string,
    private readonly opts: IngestOptions,
  ) {}

  private machine(id: number): MachineState {
    let m = this.machines.get(id);
    if (!m) this.machines.set(id, (m = new MachineState(id, this.path)));
    return m;
  }

  /** Record an error that stops or skips input: fatal in strict mode, else a warning + lost window. */
  reportBroken(message: string, offset: number, kind: LostWindow['kind'], machineId = 0): void {
    const err = new InputError(this.path, message, { offset });
    if (this.opts.strict) throw err;
    const ms = this.machine(machineId);
    ms.b.warn(err.message);
    ms.b.unparsed('', { offset }, message);
    let last = -1;
    for (const m of this.machines.values()) last = Math.max(last, m.lastTsNs);
    ms.b.meta.lost.push({ cpu: -1, startNs: last, endNs: last, events: null, kind, detail: err.message });
  }

  /** Decode one TracePacket at buf[start, end); `offset` is the stream position of buf[start]. */
  packet(buf: Uint8Array, start: number, end: number, offset: number, compressedAt = -1): void {
    this.packets++;
    const r = this.r;
    r.reset(buf, start, end);
    let machineId = 0;
    let seqId = 0;
    let tsNs = -1;
    let clockId = BOOTTIME;
    let dropped = false;
    let dataField = 0;
    let dStart = 0;
    let dEnd = 0;
    try {
      while (r.pos < end) {
        const tag = r.varint();
        const f = tag >>> 3;
        const wt = tag & 7;
        if (f === 0) throw new WireError('invalid field number 0', r.pos);
        if (wt === WT_VARINT) {
          if (f === 98) machineId = r.varint();
          else if (f === 10) seqId = r.varint();
          else if (f === 8) tsNs = r.varint();
          else if (f === 58) clockId = r.varint();
          else if (f === 42) dropped = r.varint() !== 0;
          else r.skip(wt);
        } else if (wt === WT_LEN && (f === 1 || f === 2 || f === 6 || f === 45 || f === 50 || f === 107 || f === 133)) {
          dEnd = r.lenEnd();
          dStart = r.pos;
          dataField = f;
          r.pos = dEnd;
        } else r.skip(wt);
      }
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.brokenPacket(e, offset, start, compressedAt, machineId);
      return;
    }
    if (dataField === 50 || dataField === 133) return this.compressed(buf, dStart, dEnd, dataField, offset, start, machineId);
    const ms = this.machine(machineId);
    const snap = this.snapshot(ms);
    try {
      r.reset(buf, dStart, dEnd);
      let firstTs = tsNs;
      let lastTs = tsNs;
      let bundleCpu = -1;
      switch (dataField) {
        case 1: {
          this.compactOut.minTs = Infinity;
          this.compactOut.maxTs = -Infinity;
          bundleCpu = this.bundle(ms, dStart, dEnd);
          firstTs = this.compactOut.minTs;
          lastTs = this.compactOut.maxTs;
          break;
        }
        case 2:
          this.processTree(ms, dEnd, this.toBoot(ms, tsNs, clockId));
          break;
        case 6:
          readClockSnapshot(r, dEnd, ms.clockOffsets);
          break;
        case 45:
          this.systemInfo(ms, dEnd);
          break;
        case 107:
          this.remoteClockSync(ms, dEnd);
          break;
      }
      // Sequence ids are per machine. The service flags the first packet of every sequence as
      // "dropped before": nothing was lost there.
      const seqKey = machineId * 4294967296 + seqId;
      const firstOnSeq = !this.seqsSeen.has(seqKey);
      this.seqsSeen.add(seqKey);
      if (dropped && !firstOnSeq) {
        const known = (x: number | undefined) => x !== undefined && Number.isFinite(x) && x >= 0;
        const end = known(firstTs) ? firstTs : ms.lastTsNs;
        const prev = this.seqLastTs.get(seqKey);
        ms.b.meta.lost.push({
          cpu: bundleCpu,
          startNs: known(prev) ? prev! : end,
          endNs: end,
          events: null,
          kind: 'packet-dropped',
          detail: `previous_packet_dropped on sequence ${seqId}`,
        });
      }
      if (Number.isFinite(lastTs) && lastTs >= 0) {
        const p = this.seqLastTs.get(seqKey);
        if (p === undefined || lastTs > p) this.seqLastTs.set(seqKey, lastTs);
      }
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.rollback(ms, snap);
      this.brokenPacket(e, offset, start, compressedAt, machineId);
    }
  }

  /** Inside compressed_packets a byte offset means nothing in the file: name the compressed blob instead. */
  private brokenPacket(e: WireError, offset: number, start: number, compressedAt: number, machineId: number): void {
    const at = offset + (e.offset - start);
    if (compressedAt < 0) this.reportBroken(`corrupt packet skipped: ${e.message}`, at, 'corrupt', machineId);
    else this.reportBroken(`corrupt packet inside compressed_packets (decompressed byte ${at}) skipped: ${e.message}`, compressedAt, 'corrupt', machineId);
  }

  private snapshot(ms: MachineState): number[] {
    const b = ms.b;
    return [
      b.sched_switch.length, b.sched_wakeup.length, b.sched_migrate.length, b.sched_process.length, b.irq.length,
      b.hrtimer.length, b.kvm.length, b.markers.length, b.generic.length, ms.compactSwitch.n, ms.compactWaking.n,
    ];
  }

  /** Drop rows of a packet that turned out broken halfway, so only intact packets count. */
  private rollback(ms: MachineState, s: number[]): void {
    const b = ms.b;
    b.sched_switch.length = s[0]!; b.sched_wakeup.length = s[1]!; b.sched_migrate.length = s[2]!;
    b.sched_process.length = s[3]!; b.irq.length = s[4]!; b.hrtimer.length = s[5]!; b.kvm.length = s[6]!;
    b.markers.length = s[7]!; b.generic.length = s[8]!; ms.compactSwitch.n = s[9]!; ms.compactWaking.n = s[10]!;
  }

  private compressed(buf: Uint8Array, s: number, e: number, field: number, offset: number, start: number, machineId: number): void {
    let inner: Uint8Array;
    try {
      inner = field === 50 ? inflateSync(buf.subarray(s, e)) : zstdDecompress(buf.subarray(s, e));
    } catch (err) {
      this.reportBroken(`corrupt ${field === 50 ? 'zlib' : 'zstd'} compressed_packets skipped (${(err as Error).message})`, offset + (s - start), 'corrupt', machineId);
      return;
    }
    if (field === 50) this.zlibPackets++;
    else this.zstdPackets++;
    const innerAt = offset + (s - start);
    const ferr: FramingError | null = splitPackets(inner, (b, ps, pe, off) => this.packet(b, ps, pe, off, innerAt));
    if (ferr) this.reportBroken(`inside compressed packets at decompressed byte ${ferr.offset}: ${ferr.message}`, innerAt, ferr.truncated ? 'truncated' : 'corrupt', machineId);
  }

  private toBoot(ms: MachineState, ts: number, clockId: number): number {
    if (ts < 0 || clockId === BOOTTIME) return ts;
    const off = ms.clockOffsets.get(clockId);
    if (off === undefined) {
      ms.b.warn(`packet timestamps in clock ${clockId} with no ClockSnapshot to convert them: used as BOOTTIME`);
      return ts;
    }
    return ts + off;
  }

  /** FtraceEventBundle; returns its cpu. */
  private bundle(ms: MachineState, s: number, e: number): number {
    const r = this.r;
    // Scalars and event descriptors first: they may follow the events on the wire.
    let cpu = -1;
    let lost = false;
    let ftraceClock = 0;
    let ftraceTs = -1;
    let bootTs = -1;
    let prevEnd = -1;
    while (r.pos < e) {
      const tag = r.varint();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (f === 11 && wt === WT_LEN) {
        const de = r.lenEnd();
        readGenericEventDescriptor(r, de, ms.selfDescribed);
        continue;
      }
      if (wt !== WT_VARINT) { r.skip(wt); continue; }
      const v = r.varint();
      if (f === 1) cpu = v;
      else if (f === 3) lost = v !== 0;
      else if (f === 5) ftraceClock = v;
      else if (f === 6) ftraceTs = v;
      else if (f === 7) bootTs = v;
      else if (f === 10) prevEnd = v;
    }
    if (cpu < 0) cpu = 0;
    if (cpu >= MAX_CPU) throw new WireError(`ftrace bundle cpu ${cpu} >= ${MAX_CPU}`, s);
    let offset = 0;
    if (ftraceClock > 1) {
      const monoRaw = ftraceClock === 4 ? ms.clockOffsets.get(5) : undefined; // MONOTONIC_RAW snapshot
      if (ftraceTs >= 0 && bootTs >= 0) offset = bootTs - ftraceTs;
      else if (monoRaw !== undefined) offset = monoRaw;
      else {
        ms.b.warn(`ftrace clock ${FTRACE_CLOCK_NAMES[ftraceClock] ?? ftraceClock} without a boot-time mapping: timestamps left in that clock`);
        ms.b.meta.clock = FTRACE_CLOCK_NAMES[ftraceClock] ?? 'unknown';
      }
    }
    r.pos = s;
    const out = this.compactOut;
    while (r.pos < e) {
      const tag = r.varint();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (wt === WT_LEN && f === 2) {
        const ee = r.lenEnd();
        const saveEnd = r.end;
        r.end = ee;
        const ts = decodeFtraceEvent(r, ee, ms, cpu, offset);
        r.end = saveEnd;
        if (ts < out.minTs) out.minTs = ts;
        if (ts > out.maxTs) out.maxTs = ts;
      } else if (wt === WT_LEN && f === 4) {
        const ee = r.lenEnd();
        const saveEnd = r.end;
        r.end = ee;
        const before = out.errors;
        decodeCompactSched(r, ee, ms, cpu, offset, out);
        r.end = saveEnd;
        r.pos = ee;
        this.compactBundles++;
        if (out.errors > before) ms.b.unparsed('compact_sched', { offset: s }, `${out.errors - before} compact_sched entries with mismatched arrays or comm index out of range`);
      } else r.skip(wt);
    }
    if (lost) {
      const start = prevEnd >= 0 ? prevEnd + offset : (ms.lastTsByCpu.get(cpu) ?? out.minTs);
      ms.b.meta.lost.push({ cpu, startNs: start, endNs: Number.isFinite(out.minTs) ? out.minTs : start, events: null, kind: 'lost', detail: 'lost_events: the kernel overwrote events in this CPU buffer' });
    }
    if (Number.isFinite(out.maxTs)) ms.noteTs(cpu, out.maxTs);
    return cpu;
  }

  private processTree(ms: MachineState, e: number, tsNs: number): void {
    const r = this.r;
    while (r.pos < e) {
      const tag = r.varint();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (wt !== WT_LEN || (f !== 1 && f !== 2)) { r.skip(wt); continue; }
      const ee = r.lenEnd();
      let id = 0;
      let tgid = -1;
      let name: string | null = null;
      while (r.pos < ee) {
        const t2 = r.varint();
        const f2 = t2 >>> 3;
        const w2 = t2 & 7;
        if (w2 === WT_VARINT && f2 === 1) id = r.svarint() | 0;
        else if (f === 2 && w2 === WT_VARINT && f2 === 3) tgid = r.svarint() | 0;
        else if (w2 === WT_LEN && ((f === 2 && f2 === 2) || (f === 1 && f2 === 3))) {
          const s = r.string();
          if (name === null) name = s; // processes: cmdline[0]
        } else r.skip(w2);
      }
      if (f === 1) {
        ms.tgids.set(id, id);
        if (name !== null) ms.treeThreads.push({ tid: id, tgid: id, name, tsNs, process: true });
      } else {
        if (tgid >= 0) ms.tgids.set(id, tgid);
        if (name !== null) ms.treeThreads.push({ tid: id, tgid, name, tsNs, process: false });
      }
    }
  }

  private systemInfo(ms: MachineState, e: number): void {
    const r = this.r;
    while (r.pos < e) {
      const tag = r.varint();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (f === 1 && wt === WT_LEN) {
        const ee = r.lenEnd();
        while (r.pos < ee) {
          const t2 = r.varint();
          if (t2 >>> 3 === 3 && (t2 & 7) === WT_LEN) ms.kernel = r.string();
          else r.skip(t2 & 7);
        }
      } else if (f === 8 && wt === WT_VARINT) ms.numCpus = r.varint();
      else if (f === 17 && wt === WT_LEN) ms.machineName = r.string();
      else r.skip(wt);
    }
  }

  private remoteClockSync(ms: MachineState, e: number): void {
    const r = this.r;
    const pairs: Array<[number, number]> = [];
    while (r.pos < e) {
      const tag = r.varint();
      if (tag >>> 3 !== 1 || (tag & 7) !== WT_LEN) { r.skip(tag & 7); continue; }
      const ee = r.lenEnd();
      let client = -1;
      let host = -1;
      while (r.pos < ee) {
        const t2 = r.varint();
        const f2 = t2 >>> 3;
        if ((f2 === 2 || f2 === 3) && (t2 & 7) === WT_LEN) {
          const se = r.lenEnd();
          const m = new Map<number, number>();
          readClockSnapshot(r, se, null, m);
          const boot = m.get(BOOTTIME) ?? -1;
          if (f2 === 2) client = boot;
          else host = boot;
        } else r.skip(t2 & 7);
      }
      if (client >= 0 && host >= 0) pairs.push([client, host]);
    }
    for (let k = 0; k + 1 < pairs.length; k += 2) ms.syncRounds.push([pairs[k]![0], pairs[k]![1], pairs[k + 1]![0], pairs[k + 1]![1]]);
  }

  finish(formatDetailExtra: string[] = []): Trace {
    const ids = [...this.machines.keys()].sort((a, z) => a - z);
    if (!ids.length) this.machine(0);
    const machines: TraceTables[] = [];
    for (const id of ids.length ? ids : [0]) {
      const ms = this.machines.get(id)!;
      fixupMachine(ms);
      for (const t of ms.treeThreads) ms.b.str(t.name);
      const meta = ms.b.meta;
      meta.kernelVersion = ms.kernel === UNKNOWN_KERNEL_RELEASE ? null : ms.kernel;
      if (ms.numCpus) meta.cpuCount = ms.numCpus;
      meta.machine = id === 0 ? (this.opts.machine ?? ms.machineName ?? 'host') : (ms.machineName ?? `machine-${id}`);
      if (id !== 0) meta.extra['machineId'] = id;
      const parts = ['perfetto protobuf'];
      if (this.compactBundles) parts.push('compact_sched');
      if (this.zlibPackets) parts.push('zlib packets');
      if (this.zstdPackets) parts.push('zstd packets');
      meta.formatDetail = [...parts, ...formatDetailExtra].join(', ');
      if (ms.syncRounds.length) meta.extra['remoteClockSync'] = clockSyncEstimate(ms.syncRounds);
      else if (id !== 0) ms.b.warn('no RemoteClockSync for this machine: its timestamps are in its own clock, not aligned to the host');
      meta.lost.sort((a, z) => a.startNs - z.startNs || a.cpu - z.cpu);
      const tables = ms.b.finish();
      tables.threads = buildThreads(tables, ms.treeThreads, ms.tgids);
      machines.push(tables);
    }
    return { source: this.path, format: 'perfetto', machines };
  }
}
