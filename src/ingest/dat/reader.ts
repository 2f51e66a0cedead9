import { readFile } from 'node:fs/promises';
import { detectCompression, readAllBytes, readHead, InputError } from '../open.js';
import type { IngestOptions } from '../registry.js';
import { Flags, MachineBuilder, kernelMajorMinor, type Trace } from '../../tables/index.js';
import { DatFormatError } from './cursor.js';
import { compressedChunks, cpuPages, parseLayout, readDeferred, selectedClock, type DatBuffer, type DatLayout, type LayoutOptions } from './layout.js';
import type { DatCpuData } from './options.js';
import { parseHeaderPage } from './formatFile.js';
import { FormatIndex } from './formatIndex.js';
import { lostWindows, recordAt } from './lostWindows.js';
import { Kallsyms, parsePrintk } from './kallsyms.js';
import { ByteInterner } from './fieldAccess.js';
import { ThreadTracker } from './threadTracker.js';
import { readLatencyText } from './latency.js';
import { buildDecoder, type BuiltDecoder, type DecodeContext, type Decoder } from './decoders.js';
import { PageScanner, type PageLoss } from './ringBuffer.js';
import { reserveRows } from './reserveRows.js';
import { describeTimeShift, makeGuestCorrection } from './timeShift.js';
import { ZstdStream, ZstdStreamFailed, type StreamedCpu } from './zstdStream.js';

// trace-cmd .dat (v6, v7; none/zlib/zstd) -> tables. readDatBytes() works on bytes in memory
// (it may run the zstd command, see zstd.ts); readDat() adds the file read and latency files.

const RAW_COUNTER_CLOCKS = new Set(['x86-tsc', 'counter']);

export async function readDat(path: string, opts: IngestOptions = {}): Promise<Trace> {
  // Plain files are read in one go; gzip/zstd-wrapped ones are streamed through the decompressor.
  const comp = detectCompression(await readHead(path, 4).catch(() => new Uint8Array(0)));
  const bytes = comp === 'none' ? await readFile(path).catch(() => readAllBytes(path)) : await readAllBytes(path);
  const layout = layoutOf(bytes, path, { deferSections: true });
  if (layout.latencyText !== null) return readLatencyText(path, layout.latencyText, opts);
  const stream = startStream(bytes, layout);
  if (!stream) {
    if (layout.deferred.length) return readDatBytes(bytes, path, opts);
    return decodeLayout(bytes, layout, path, opts);
  }
  try {
    if (layout.deferred.length) readDeferredSections(layout, await stream.head());
    const b = machineBuilder(path, opts);
    const steps = decodeSteps(b, bytes, layout, path, opts, kallsymsOf(layout), stream.cpus);
    for (let r = steps.next(); !r.done; r = steps.next()) await stream.feed(r.value);
    await stream.finish();
    if (!stream.ok()) return readDatBytes(bytes, path, opts);
    return { source: path, format: 'trace-cmd-dat', machines: [b.finish()] };
  } catch (e) {
    // A failed background decompression (or anything it garbled): decode again on the
    // synchronous path, which reports corrupt chunks exactly as readDatBytes() does.
    if (e instanceof ZstdStreamFailed) await stream.abort();
    else await stream.finish();
    if (e instanceof ZstdStreamFailed || !stream.ok()) return readDatBytes(bytes, path, opts);
    if (e instanceof DatFormatError) throw new InputError(path, e.message, { offset: e.offset });
    throw e;
  }
}

/** The sections decompressed first; any problem sends the read down the synchronous path, which reports it. */
function readDeferredSections(l: DatLayout, bodies: Uint8Array[]): void {
  try {
    l.deferred.forEach((d, i) => readDeferred(l, d, bodies[i]!));
  } catch (e) {
    if (e instanceof DatFormatError) throw new ZstdStreamFailed(e.message);
    throw e;
  }
}

/** Background zstd for the v7 pages (and kallsyms) whose chunk lists are intact, or null. */
function startStream(bytes: Uint8Array, l: DatLayout): ZstdStream<DatCpuData> | null {
  if (l.compression !== 'zstd') return null;
  const jobs: Array<{ key: DatCpuData; frames: Uint8Array[]; sizes: number[] }> = [];
  for (const buf of l.buffers) {
    if (!buf.compressed) continue;
    for (const cd of buf.cpus) {
      if (cd.size === 0 || cd.offset >= bytes.length) continue;
      const { frames, sizes, error } = compressedChunks(bytes, l, cd);
      // Broken chunk lists take the synchronous path, which reports where they break.
      if (error || !sizes.some((x) => x > 0)) continue;
      jobs.push({ key: cd, frames, sizes });
    }
  }
  return ZstdStream.start(l.deferred, jobs);
}

/** Decode a whole .dat held in memory (no I/O). Latency-format files give an empty machine and a warning. */
export function readDatBytes(bytes: Uint8Array, source: string, opts: IngestOptions = {}): Trace {
  return decodeLayout(bytes, layoutOf(bytes, source), source, opts);
}

function layoutOf(bytes: Uint8Array, source: string, lo: LayoutOptions = {}): DatLayout {
  try {
    return parseLayout(bytes, lo);
  } catch (e) {
    if (e instanceof DatFormatError) throw new InputError(source, e.message, { offset: e.offset });
    throw e;
  }
}

function kallsymsOf(l: DatLayout): Kallsyms | null {
  return l.kallsyms.trim() ? new Kallsyms(l.kallsyms) : null;
}

function machineBuilder(source: string, opts: IngestOptions): MachineBuilder {
  const b = new MachineBuilder(source, 'trace-cmd-dat');
  if (opts.machine) b.meta.machine = opts.machine;
  return b;
}

function decodeLayout(bytes: Uint8Array, layout: DatLayout, source: string, opts: IngestOptions): Trace {
  const b = machineBuilder(source, opts);
  try {
    // Every CPU's data is in memory: the steps run to the end without asking for more.
    const steps = decodeSteps(b, bytes, layout, source, opts, kallsymsOf(layout));
    if (!steps.next().done) throw new Error('dat decode asked for data on the synchronous path');
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

/**
 * Decodes into `b`. Yields a CPU whose data has run out before its end (only CPUs in `streamed`
 * can: the caller feeds more into their StreamedCpu and resumes); returns when all is decoded.
 */
function* decodeSteps(
  b: MachineBuilder,
  bytes: Uint8Array,
  l: DatLayout,
  source: string,
  opts: IngestOptions,
  syms: Kallsyms | null,
  streamed?: Map<DatCpuData, StreamedCpu>,
): Generator<DatCpuData, void, void> {
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

  // Pages -> per-CPU record index. Streamed CPUs are indexed as their data arrives.
  const problems: string[] = [];
  const losses: PageLoss[] = [];
  const cpus: PageScanner[] = [];
  const keys: DatCpuData[] = [];
  const lives: Array<StreamedCpu | null> = [];
  const bufOf: number[] = [];
  const counts: Record<string, number> = {};
  buffers.forEach((buf, bi) => {
    counts[buf.name] = 0; // filled in after the merge
    for (const cd of [...buf.cpus].sort((x, y) => x.cpu - y.cpu)) {
      const live = streamed?.get(cd) ?? null;
      let sc: PageScanner;
      if (live) {
        l.zstdDecoder = 'zstd-cli';
        sc = new PageScanner(live.data, cd.cpu, l.little, ph, buf.pageSize, -1);
      } else sc = new PageScanner(cpuPages(bytes, l, buf, cd, problems), cd.cpu, l.little, ph, buf.pageSize, buf.compressed ? -1 : cd.offset);
      sc.src = cpus.length;
      cpus.push(sc);
      keys.push(cd);
      lives.push(live);
      bufOf.push(bi);
    }
  });
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
  const convert = shift || t2n || hz || addNs;
  const ncpu = cpus.length;
  /** Records of each CPU with converted timestamps; the final scan is done once `done`. */
  const converted = new Uint32Array(ncpu);
  const done = new Uint8Array(ncpu);
  const scan = (c: number): void => {
    const sc = cpus[c]!;
    const live = lives[c];
    if (live) {
      sc.scan(live.filled, live.complete, losses);
      if (live.complete) done[c] = 1;
    } else {
      sc.scan(sc.data.length, true, losses);
      done[c] = 1;
    }
    if (convert) for (let i = converted[c]!; i < sc.n; i++) sc.ts[i] = toNs(sc.ts[i]!, sc.cpu);
    converted[c] = sc.n;
  };

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
  const slotFor = (type: number): number => {
    const ev = formats.get(type);
    if (!ev) return -1;
    const built = buildDecoder(ev, ctx);
    if (built.problem) b.warn(built.problem);
    decoders.push(built);
    decodeFns.push(built.decode);
    const slot = decoders.length;
    if (slot >= minLens.length) {
      const m = new Int32Array(minLens.length * 2);
      m.set(minLens);
      minLens = m;
    }
    minLens[slot] = built.minLen;
    return slot;
  };
  // Progress: the share of the CPUs' data bytes merged so far.
  let totalBytes = 0;
  for (const c of cpus) totalBytes += c.data.length;
  const onProgress = opts.onProgress;
  const progress = (): void => {
    let at = 0;
    for (let c = 0; c < ncpu; c++) {
      const sc = cpus[c]!;
      at += pos[c]! < sc.n ? sc.off[pos[c]!]! : sc.scanned;
    }
    onProgress?.(totalBytes ? Math.round((bytes.length * Math.min(at, totalBytes)) / totalBytes) : 0, bytes.length);
  };
  const progressEvery = 1 << 18;
  let sinceProgress = progressEvery;

  // k-way merge by timestamp, ties to the lower CPU (as trace-cmd report orders them).
  const pos = new Uint32Array(ncpu);
  const heads = new Float64Array(ncpu);
  /** Merge until done (-1) or until a CPU runs out of indexed records before its end (that CPU). */
  const merge = (): number => {
    const fns = decodeFns;
    for (;;) {
      let best = 0;
      let bestTs = heads[0]!;
      for (let c = 1; c < ncpu; c++) {
        const h = heads[c]!;
        if (h < bestTs) {
          bestTs = h;
          best = c;
        }
      }
      if (bestTs === Infinity) return -1;
      const cr = cpus[best]!;
      const i = pos[best]!++;
      let starved = -1;
      if (i + 1 < cr.n) heads[best] = cr.ts[i + 1]!;
      else if (done[best]) heads[best] = Infinity;
      else starved = best;
      const rec = cr.off[i]!;
      const len = cr.len[i]!;
      const view = cr.view;
      if (onProgress && --sinceProgress === 0) {
        // Decoding dominates: report it as the matching share of the file.
        progress();
        sinceProgress = progressEvery;
      }
      if (len < 8) {
        b.unparsed(`record of ${len} bytes on CPU ${cr.cpu}`, recordAt(cr, rec), 'record shorter than the common fields');
      } else {
        const type = view.getUint16(rec + typeOff, little);
        let slot = slotOf[type]!;
        if (slot === 0) slot = slotOf[type] = slotFor(type);
        if (slot < 0) {
          unknownIds.set(type, (unknownIds.get(type) ?? 0) + 1);
        } else if (len < minLens[slot]!) {
          b.unparsed(`${decoders[slot - 1]!.name}: record of ${len} bytes, format needs ${minLens[slot]}`, recordAt(cr, rec), 'short record');
        } else {
          const ts = cr.ts[i]!;
          const pid = view.getInt32(rec + pidOff, little);
          const flags = ft[view.getUint8(rec + flagsOff)]! | (view.getUint8(rec + pcOff) << 8);
          fns[slot - 1]!(cr.data, view, rec, len, ts, cr.cpu, pid, flags);
          if (pid >= 0 && pid < pidFirst.length) {
            if (pidFirst[pid] !== pidFirst[pid]) pidFirst[pid] = ts; // NaN: first sight
            pidLast[pid] = ts;
          } else seePid(pid, ts);
        }
      }
      if (starved >= 0) return starved;
    }
  };

  for (let c = 0; c < ncpu; c++) {
    scan(c);
    while (!done[c] && cpus[c]!.n === 0) {
      yield keys[c]!;
      scan(c);
    }
    heads[c] = cpus[c]!.n ? cpus[c]!.ts[0]! : Infinity;
  }
  reserveRows(b, cpus, done, formats, typeOff, little);
  if (onProgress) progress();
  for (let c = ncpu ? merge() : -1; c >= 0; c = merge()) {
    // CPU c's indexed records are all merged: index more of its data (waiting for it if needed).
    const before = cpus[c]!.n;
    scan(c);
    while (!done[c] && cpus[c]!.n === before) {
      yield keys[c]!;
      scan(c);
    }
    heads[c] = pos[c]! < cpus[c]!.n ? cpus[c]!.ts[pos[c]!]! : Infinity;
  }
  onProgress?.(bytes.length, bytes.length);
  const perBuffer = buffers.map(() => 0);
  for (let c = 0; c < ncpu; c++) perBuffer[bufOf[c]!]! += cpus[c]!.n;
  buffers.forEach((buf, bi) => (counts[buf.name] = perBuffer[bi]!));
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
  // Scans of streamed CPUs interleave: restore the per-CPU order of one scan after another.
  const records = cpus.map((c) => c.records());
  lostWindows(b, records, losses.map((x, i) => [x, i] as const).sort((a, z) => (a[0].src ?? 0) - (z[0].src ?? 0) || a[1] - z[1]).map((x) => x[0]), problems);
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
