import { readFile } from 'node:fs/promises';
import { detectCompression, readAllBytes, readHead, InputError } from '../open.js';
import type { IngestOptions } from '../registry.js';
import { Flags, MachineBuilder, kernelMajorMinor, type Trace } from '../../tables/index.js';
import { DatFormatError } from './cursor.js';
import { cpuPages, parseLayout, prefetchZstdPages, selectedClock, type DatBuffer, type DatLayout } from './layout.js';
import type { DatCpuData } from './options.js';
import { parseHeaderPage } from './formatFile.js';
import { FormatIndex } from './formatIndex.js';
import { lostWindows, recordAt } from './lostWindows.js';
import { Kallsyms, parsePrintk } from './kallsyms.js';
import { ByteInterner } from './fieldAccess.js';
import { ThreadTracker } from './threadTracker.js';
import { readLatencyText } from './latency.js';
import { buildDecoder, type BuiltDecoder, type DecodeContext, type Decoder } from './decoders.js';
import { scanCpuPages, type CpuRecords, type PageLoss } from './ringBuffer.js';
import { describeTimeShift, makeGuestCorrection } from './timeShift.js';

// trace-cmd .dat (v6, v7; none/zlib/zstd) -> tables. readDatBytes() works on bytes in memory
// (it may run the zstd command, see zstd.ts); readDat() adds the file read and latency files.

const RAW_COUNTER_CLOCKS = new Set(['x86-tsc', 'counter']);

export async function readDat(path: string, opts: IngestOptions = {}): Promise<Trace> {
  // Plain files are read in one go; gzip/zstd-wrapped ones are streamed through the decompressor.
  const comp = detectCompression(await readHead(path, 4).catch(() => new Uint8Array(0)));
  const bytes = comp === 'none' ? await readFile(path).catch(() => readAllBytes(path)) : await readAllBytes(path);
  const layout = layoutOf(bytes, path);
  if (layout.latencyText !== null) return readLatencyText(path, layout.latencyText, opts);
  const prefetch = prefetchZstdPages(bytes, layout);
  const syms = kallsymsOf(layout);
  // zstd runs on other cores now; the symbol table is built in this wait rather than at the first
  // lookup during the decode. Only worth it when there is a wait.
  if (syms && prefetch.running) syms.warm();
  return decodeLayout(bytes, layout, path, opts, await prefetch.pages, syms);
}

/** Decode a whole .dat held in memory (no I/O). Latency-format files give an empty machine and a warning. */
export function readDatBytes(bytes: Uint8Array, source: string, opts: IngestOptions = {}): Trace {
  return decodeLayout(bytes, layoutOf(bytes, source), source, opts);
}

function layoutOf(bytes: Uint8Array, source: string): DatLayout {
  try {
    return parseLayout(bytes);
  } catch (e) {
    if (e instanceof DatFormatError) throw new InputError(source, e.message, { offset: e.offset });
    throw e;
  }
}

function kallsymsOf(l: DatLayout): Kallsyms | null {
  return l.kallsyms.trim() ? new Kallsyms(l.kallsyms) : null;
}

function decodeLayout(
  bytes: Uint8Array,
  layout: DatLayout,
  source: string,
  opts: IngestOptions,
  prefetched?: Map<DatCpuData, Uint8Array>,
  syms: Kallsyms | null = kallsymsOf(layout),
): Trace {
  const b = new MachineBuilder(source, 'trace-cmd-dat');
  if (opts.machine) b.meta.machine = opts.machine;
  try {
    decodeInto(b, bytes, layout, source, opts, prefetched, syms);
  } catch (e) {
    if (e instanceof DatFormatError) throw new InputError(source, e.message, { offset: e.offset });
    throw e;
  }
  return { source, format: 'trace-cmd-dat', machines: [b.finish()] };
}

function parseCmdlines(text: string, b: MachineBuilder): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const pid = Number(line.slice(0, sp));
    if (Number.isInteger(pid)) out.set(pid, b.str(line.slice(sp + 1)));
  }
  return out;
}

/** common_flags bits (include/linux/trace_events.h) -> the `flags` column bits (src/tables/flags.ts). */
function flagsTable(lazyBit: boolean): Uint16Array {
  const t = new Uint16Array(256);
  for (let cf = 0; cf < 256; cf++) {
    let f = 0;
    if (cf & 0x01) f |= Flags.IRQS_OFF;
    if (cf & 0x02 && lazyBit) f |= Flags.NEED_RESCHED_LAZY;
    if (cf & 0x24) f |= Flags.NEED_RESCHED;
    if (cf & 0x08) f |= Flags.HARDIRQ;
    if (cf & 0x10) f |= Flags.SOFTIRQ;
    if (cf & 0x40) f |= Flags.NMI;
    if (cf & 0x80) f |= Flags.BH_OFF;
    t[cf] = f;
  }
  return t;
}

/** Ring-buffer data to read: every buffer with pages (top level first), as trace-cmd report merges them. */
function dataBuffers(l: DatLayout, b: MachineBuilder): DatBuffer[] {
  const list = l.buffers.filter((x) => x.cpus.length > 0);
  list.sort((x, y) => (x.name === '' ? 0 : 1) - (y.name === '' ? 0 : 1));
  const clocks = new Set(list.map((x) => x.clock ?? ''));
  if (clocks.size > 1) b.warn(`buffers use different clocks (${[...clocks].join(', ')}): their events are merged as recorded`);
  return list;
}

function decodeInto(
  b: MachineBuilder,
  bytes: Uint8Array,
  l: DatLayout,
  source: string,
  opts: IngestOptions,
  prefetched: Map<DatCpuData, Uint8Array> | undefined,
  syms: Kallsyms | null,
): void {
  const o = l.options;
  const meta = b.meta;
  meta.formatDetail = `trace-cmd dat v${l.version}${l.compression !== 'none' ? ' ' + l.compression : ''}`;
  const release = o.uname ? (o.uname.split(/\s+/)[2] ?? null) : null;
  meta.kernelVersion = release;
  const kernel = kernelMajorMinor(release);
  const buffers = dataBuffers(l, b);
  const clock = buffers[0]?.clock ?? selectedClock(o.traceClock);
  meta.clock = clock ?? 'unknown';
  meta.cpuCount = o.cpuCount ?? (l.cpus || null);
  for (const p of l.problems) b.warn(p);
  meta.extra = {
    datVersion: l.version,
    compression: l.compression,
    userLongSize: l.longSize,
    pageSize: l.pageSize,
    traceId: o.traceId,
    traceCmdVersion: o.traceCmdVersion,
    uname: o.uname,
    tsc2nsec: o.tsc2nsec,
    dateOffsetNs: o.dateOffsetNs,
    offsetNs: o.offsetNs,
    guests: o.guests,
    timeShift: o.timeShift ? describeTimeShift(o.timeShift) : null,
    buffers: l.buffers.map((x) => ({ name: x.name, clock: x.clock, cpus: x.cpus.length })),
    cpuStats: o.cpuStats,
  };
  if (l.latencyText !== null) {
    b.warn('this .dat holds latency-format text instead of ring-buffer pages: read it with readDat() / ingest(), which pass the text to the ftrace text reader');
  }
  if (!buffers.length) return;

  const formats = new FormatIndex(l, b);
  const ph = parseHeaderPage(l.headerPage, l.longSize);
  const kernelLong = ph.commitSize === 4 ? 4 : 8;
  const ctx: DecodeContext = {
    b,
    little: l.little,
    kernelLong,
    kernel,
    syms,
    printk: parsePrintk(l.printk),
    cmdlines: parseCmdlines(l.cmdlines, b),
    interner: new ByteInterner((s) => b.str(s)),
    threads: new ThreadTracker(b),
  };

  // Pages -> per-CPU record index.
  const problems: string[] = [];
  const losses: PageLoss[] = [];
  const cpus: CpuRecords[] = [];
  const counts: Record<string, number> = {};
  for (const buf of buffers) {
    let n = 0;
    for (const cd of [...buf.cpus].sort((x, y) => x.cpu - y.cpu)) {
      const pages = cpuPages(bytes, l, buf, cd, problems, prefetched);
      const before = losses.length;
      const cr = scanCpuPages(pages, cd.cpu, l.little, ph, buf.pageSize, losses, buf.compressed ? -1 : cd.offset);
      for (let k = before; k < losses.length; k++) losses[k]!.src = cpus.length;
      n += cr.n;
      cpus.push(cr);
    }
    counts[buf.name] = n;
  }
  meta.extra['bufferEvents'] = counts;
  for (const p of problems) b.warn(p);
  if (l.zstdDecoder) meta.extra['zstdDecoder'] = l.zstdDecoder;

  // Raw clock -> ns: guest TIME_SHIFT correction, then TSC2NSEC, then OFFSET/DATE.
  const shift = o.timeShift ? makeGuestCorrection(o.timeShift) : null;
  const t2n = o.tsc2nsec;
  const addNs = (o.offsetNs ?? 0) + (o.dateOffsetNs ?? 0);
  // A raw counter without TSC2NSEC: the user's --tsc-hz converts it, else ticks are kept.
  const hz = !t2n && clock && RAW_COUNTER_CLOCKS.has(clock) ? (opts.tscHz ?? 0) : 0;
  if (!t2n && clock && RAW_COUNTER_CLOCKS.has(clock)) {
    if (hz > 0) meta.counterHz = hz;
    else {
      meta.timeUnit = 'ticks';
      b.warn(`clock "${clock}" is a raw counter and the file has no TSC2NSEC option: timestamps are counter ticks (give the counter frequency to convert)`);
    }
  }
  const toNs = (raw: number, cpu: number): number => {
    if (!shift && !t2n && !hz) return raw + addNs;
    let v = BigInt(raw);
    if (shift) v = shift(v, cpu);
    if (t2n) v = (v * BigInt(t2n.mult)) >> BigInt(t2n.shift);
    else if (hz) return Math.round((Number(v) * 1e9) / hz) + addNs;
    return Number(v) + addNs;
  };
  if (shift || t2n || hz || addNs) for (const c of cpus) for (let i = 0; i < c.n; i++) c.ts[i] = toNs(c.ts[i]!, c.cpu);

  // Records in global time order -> table rows.
  // type id -> slot in a small dense decoder list (0 = not built yet, -1 = no format).
  const slotOf = new Int32Array(65536);
  const decoders: BuiltDecoder[] = [];
  const decodeFns: Decoder[] = [];
  let minLens = new Int32Array(16);
  const fmtAny = formats.any();
  const commonOff = (name: string, dflt: number) => fmtAny?.byName.get(name)?.offset ?? dflt;
  const typeOff = commonOff('common_type', 0);
  const flagsOff = commonOff('common_flags', 2);
  const pcOff = commonOff('common_preempt_count', 3);
  const pidOff = commonOff('common_pid', 4);
  const ft = flagsTable(!!kernel && kernel[0] * 1000 + kernel[1] >= 6013);
  const little = l.little;
  const unknownIds = new Map<number, number>();
  let pidFirst = new Float64Array(0);
  let pidLast = new Float64Array(0);
  const seePid = (pid: number, ts: number) => {
    if (pid < 0 || pid > 1 << 22) return; // PID_MAX_LIMIT: larger is a corrupt record
    if (pid >= pidFirst.length) {
      const n = Math.max(pid + 1, pidFirst.length * 2, 1024);
      const f = new Float64Array(n).fill(NaN);
      f.set(pidFirst);
      pidFirst = f;
      const z = new Float64Array(n);
      z.set(pidLast);
      pidLast = z;
    }
    if (Number.isNaN(pidFirst[pid]!)) pidFirst[pid] = ts;
    pidLast[pid] = ts;
  };
  let total = 0;
  for (const c of cpus) total += c.n;
  const progressEvery = 1 << 18;
  let nextProgress = opts.onProgress ? 0 : -1;
  // k-way merge by timestamp, ties to the lower CPU (as trace-cmd report orders them).
  const pos = new Uint32Array(cpus.length);
  const heads = new Float64Array(cpus.length);
  for (let c = 0; c < cpus.length; c++) heads[c] = cpus[c]!.n ? cpus[c]!.ts[0]! : Infinity;
  const ncpu = cpus.length;
  for (let k = 0; k < total; k++) {
    let best = 0;
    let bestTs = heads[0]!;
    for (let c = 1; c < ncpu; c++) {
      const h = heads[c]!;
      if (h < bestTs) {
        bestTs = h;
        best = c;
      }
    }
    const cr = cpus[best]!;
    const i = pos[best]!++;
    heads[best] = i + 1 < cr.n ? cr.ts[i + 1]! : Infinity;
    const rec = cr.off[i]!;
    const len = cr.len[i]!;
    const view = cr.view;
    if (len < 8) {
      b.unparsed(`record of ${len} bytes on CPU ${cr.cpu}`, recordAt(cr, rec), 'record shorter than the common fields');
      continue;
    }
    const type = view.getUint16(rec + typeOff, little);
    let slot = slotOf[type]!;
    if (slot === 0) {
      const ev = formats.get(type);
      if (ev) {
        const built = buildDecoder(ev, ctx);
        if (built.problem) b.warn(built.problem);
        decoders.push(built);
        decodeFns.push(built.decode);
        slot = decoders.length;
        if (slot >= minLens.length) {
          const m = new Int32Array(minLens.length * 2);
          m.set(minLens);
          minLens = m;
        }
        minLens[slot] = built.minLen;
      } else slot = -1;
      slotOf[type] = slot;
    }
    if (slot < 0) {
      unknownIds.set(type, (unknownIds.get(type) ?? 0) + 1);
      continue;
    }
    if (len < minLens[slot]!) {
      b.unparsed(`${decoders[slot - 1]!.name}: record of ${len} bytes, format needs ${minLens[slot]}`, recordAt(cr, rec), 'short record');
      continue;
    }
    const ts = cr.ts[i]!;
    const pid = view.getInt32(rec + pidOff, little);
    const flags = ft[view.getUint8(rec + flagsOff)]! | (view.getUint8(rec + pcOff) << 8);
    decodeFns[slot - 1]!(cr.data, view, rec, len, ts, cr.cpu, pid, flags);
    if (pid >= 0 && pid < pidFirst.length) {
      if (pidFirst[pid] !== pidFirst[pid]) pidFirst[pid] = ts; // NaN: first sight
      pidLast[pid] = ts;
    } else seePid(pid, ts);
    if (k === nextProgress) {
      // Decoding dominates: report it as the matching share of the file.
      opts.onProgress?.(Math.round((bytes.length * k) / total), bytes.length);
      nextProgress += progressEvery;
    }
  }
  opts.onProgress?.(bytes.length, bytes.length);
  for (const [id, n] of unknownIds) {
    b.unparsed(`${n} record(s) with event id ${id}`, { offset: 0 }, 'event id has no format in the file');
    if (opts.strict) throw new InputError(source, `${n} record(s) with event id ${id}, which has no format in the file`);
  }
  if (opts.strict && meta.unparsed.count) {
    const ex = meta.unparsed.examples[0];
    throw new InputError(source, `undecodable record: ${ex?.text ?? ''}`, { offset: ex?.offset ?? 0 });
  }

  registerCommonPids(b, ctx.threads, ctx.cmdlines, pidFirst, pidLast);
  ctx.threads.finish();
  lostWindows(b, cpus, losses, problems);
}

/** Threads seen only as common_pid (never named by a sched payload) get their comm from saved cmdlines. */
function registerCommonPids(b: MachineBuilder, threads: ThreadTracker, cmdlines: Map<number, number>, first: Float64Array, last: Float64Array): void {
  const unknown = b.str('<...>');
  for (let pid = 0; pid < first.length; pid++) {
    if (Number.isNaN(first[pid]!) || threads.named(pid)) continue;
    const comm = cmdlines.get(pid) ?? (pid === 0 ? b.str('<idle>') : unknown);
    b.thread(pid, comm, first[pid]!);
    b.thread(pid, comm, last[pid]!);
  }
}
