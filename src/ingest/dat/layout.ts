import { inflateSync } from 'node:zlib';
import { Cursor, DatFormatError } from './cursor.js';
import { zstdFrames, type ZstdDecoder } from './zstd.js';
import { decodeOption, emptyOptions, Opt, type DatCpuData, type DatOptions } from './options.js';

// The file structure of a trace-cmd .dat (formats.md §3.1-3.4): everything but the event data.

export const DAT_MAGIC = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67] as const; // \x17\x08Dtracing

/** More CPUs than any machine has: a corrupt count. */
const MAX_CPUS = 1 << 14;

export type DatCompression = 'none' | 'zlib' | 'zstd';

export interface DatBuffer {
  name: string;
  clock: string | null;
  pageSize: number;
  cpus: DatCpuData[];
  /** v7 flyrecord data is compressed in chunks per CPU. */
  compressed: boolean;
}

export interface DatLayout {
  version: number;
  little: boolean;
  /** sizeof(long) of the recording user space (header byte). */
  longSize: number;
  pageSize: number;
  compression: DatCompression;
  headerPage: string;
  headerEvent: string;
  ftraceFormats: string[];
  eventFormats: Array<{ system: string; text: string }>;
  kallsyms: string;
  printk: string;
  cmdlines: string;
  cpus: number;
  options: DatOptions;
  buffers: DatBuffer[];
  /** latency-format data (the text of tracing/trace), when the file holds that instead of pages. */
  latencyText: string | null;
  /** Sections that could not be read; the reader turns these into warnings. */
  problems: string[];
  /** Which zstd implementation decoded the flyrecord chunks (see zstd.ts). */
  zstdDecoder: ZstdDecoder | null;
  /**
   * The big zstd sections (event formats, kallsyms) left compressed by parseLayout(..,
   * { deferSections }) for the caller to decompress in the background and then read with
   * readDeferred(): eventFormats and kallsyms stay empty until it does.
   */
  deferred: DeferredSection[];
}

export interface DeferredSection {
  id: number;
  frame: Uint8Array;
  /** Decompressed size. */
  size: number;
  /** File offset of the section body (for error offsets, as the synchronous read gives). */
  at: number;
  /** Offset of the section header. */
  offset: number;
}

export interface LayoutOptions {
  /** Leave the big zstd sections compressed (see DatLayout.deferred). */
  deferSections?: boolean;
}

export function hasDatMagic(head: Uint8Array): boolean {
  if (head.length < DAT_MAGIC.length) return false;
  for (let i = 0; i < DAT_MAGIC.length; i++) if (head[i] !== DAT_MAGIC[i]) return false;
  return true;
}

export function parseLayout(bytes: Uint8Array, opts: LayoutOptions = {}): DatLayout {
  if (!hasDatMagic(bytes)) throw new DatFormatError('not a trace-cmd .dat file (bad magic)', 0);
  const c0 = new Cursor(bytes, true, DAT_MAGIC.length);
  const verStr = c0.cstr('version', 16);
  const version = Number(verStr);
  if (version !== 6 && version !== 7) {
    throw new DatFormatError(`unsupported trace-cmd file version "${verStr}" (supported: 6, 7)`, DAT_MAGIC.length);
  }
  const endian = c0.u8('endianness');
  if (endian > 1) c0.fail(`bad endianness byte ${endian}`, c0.pos - 1);
  const c = new Cursor(bytes, endian === 0, c0.pos);
  const longSize = c.u8('long size');
  if (longSize !== 4 && longSize !== 8) c.fail(`bad long size ${longSize}`, c.pos - 1);
  const pageSize = c.u32('page size');
  if (pageSize < 256 || pageSize > 1 << 24 || (pageSize & (pageSize - 1)) !== 0) c.fail(`bad page size ${pageSize}`, c.pos - 4);
  const layout: DatLayout = {
    version,
    little: c.little,
    longSize,
    pageSize,
    compression: 'none',
    headerPage: '',
    headerEvent: '',
    ftraceFormats: [],
    eventFormats: [],
    kallsyms: '',
    printk: '',
    cmdlines: '',
    cpus: 0,
    options: emptyOptions(),
    buffers: [],
    latencyText: null,
    problems: [],
    zstdDecoder: null,
    deferred: [],
  };
  if (version === 6) parseV6(c, layout);
  else parseV7(c, layout, opts);
  return layout;
}

// ---- shared metadata blocks (identical in v6 and, once decompressed, in v7 sections) ----

function readHeaders(c: Cursor, l: DatLayout): void {
  const tag1 = c.cstr('header_page tag', 64);
  if (tag1 !== 'header_page') c.fail(`expected "header_page", found "${tag1}"`);
  l.headerPage = c.text(c.u64('header_page size'), 'header_page');
  const tag2 = c.cstr('header_event tag', 64);
  if (tag2 !== 'header_event') c.fail(`expected "header_event", found "${tag2}"`);
  l.headerEvent = c.text(c.u64('header_event size'), 'header_event');
}

function readFtraceEvents(c: Cursor, l: DatLayout): void {
  const n = c.u32('ftrace event count');
  if (n > 100000) c.fail(`implausible ftrace event count ${n}`, c.pos - 4);
  for (let i = 0; i < n; i++) l.ftraceFormats.push(c.text(c.u64('format size'), 'ftrace format'));
}

function readEventFormats(c: Cursor, l: DatLayout): void {
  const nsys = c.u32('event system count');
  if (nsys > 100000) c.fail(`implausible event system count ${nsys}`, c.pos - 4);
  for (let s = 0; s < nsys; s++) {
    const system = c.cstr('system name', 4096);
    const n = c.u32('event count');
    if (n > 100000) c.fail(`implausible event count ${n} in system ${system}`, c.pos - 4);
    for (let i = 0; i < n; i++) l.eventFormats.push({ system, text: c.text(c.u64('format size'), 'event format') });
  }
}

// ---- v6 ----

function parseV6(c: Cursor, l: DatLayout): void {
  readHeaders(c, l);
  readFtraceEvents(c, l);
  readEventFormats(c, l);
  l.kallsyms = c.text(c.u32('kallsyms size'), 'kallsyms');
  l.printk = c.text(c.u32('printk size'), 'printk formats');
  l.cmdlines = c.text(c.u64('cmdlines size'), 'saved cmdlines');
  l.cpus = c.u32('cpu count');
  if (l.cpus > MAX_CPUS) c.fail(`implausible CPU count ${l.cpus}`, c.pos - 4);
  let tag = c.text(10, 'section tag');
  while (tag.startsWith('options')) {
    for (;;) {
      const id = c.u16('option id');
      if (id === Opt.DONE) break;
      const size = c.u32('option size');
      decodeOption(l.options, id, size, c, 6);
    }
    tag = c.text(10, 'section tag');
  }
  if (tag.startsWith('latency')) {
    l.latencyText = c.text(c.remaining, 'latency text');
    return;
  }
  if (!tag.startsWith('flyrecord')) c.fail(`expected "flyrecord" or "latency", found ${JSON.stringify(tag)}`, c.pos - 10);
  const cpus: DatCpuData[] = [];
  for (let i = 0; i < l.cpus; i++) cpus.push({ cpu: i, offset: c.u64('cpu data offset'), size: c.u64('cpu data size') });
  if (l.options.traceClock !== null) {
    // The trace_clock file follows the CPU table when TRACECLOCK was recorded.
    const save = c.pos;
    try {
      const sz = c.u64('trace_clock size');
      const txt = c.text(sz, 'trace_clock');
      l.options.traceClock = txt;
    } catch {
      c.pos = save;
      l.problems.push('the trace_clock block after the CPU table is corrupt; clock taken from the option');
    }
  }
  const clock = selectedClock(l.options.traceClock);
  l.buffers.push({ name: '', clock, pageSize: l.pageSize, cpus, compressed: false });
  // v6 instance buffers: the BUFFER option points at their own "flyrecord" CPU table.
  for (const b of l.options.buffers) {
    try {
      const bc = new Cursor(c.bytes, c.little, b.offset);
      const t = bc.text(10, 'instance tag');
      if (!t.startsWith('flyrecord')) bc.fail(`expected "flyrecord" for instance "${b.name}", found ${JSON.stringify(t)}`, b.offset);
      const icpus: DatCpuData[] = [];
      for (let i = 0; i < l.cpus; i++) icpus.push({ cpu: i, offset: bc.u64('cpu data offset'), size: bc.u64('cpu data size') });
      l.buffers.push({ name: b.name, clock, pageSize: l.pageSize, cpus: icpus, compressed: false });
    } catch (e) {
      if (!(e instanceof DatFormatError)) throw e;
      l.problems.push(`instance buffer "${b.name}" is unreadable (${e.message} at byte ${e.offset}); continuing without it`);
    }
  }
}

/** "[local] global counter" -> "local". */
export function selectedClock(traceClock: string | null): string | null {
  if (!traceClock) return null;
  const m = /\[([^\]]+)\]/.exec(traceClock);
  return m ? m[1]! : traceClock.trim() || null;
}

// ---- v7 ----

const MAX_CHUNK = 64 << 20;

interface Section {
  id: number;
  flags: number;
  /** Body, decompressed when the section is compressed. */
  body: Cursor;
}

function decompress(kind: DatCompression, data: Uint8Array, outSize: number, at: number): Uint8Array {
  let out: Uint8Array;
  try {
    if (kind === 'zlib') out = inflateSync(data);
    else if (kind === 'zstd') out = zstdFrames([data], [outSize]).out[0]!;
    else throw new Error(`unknown compression ${kind}`);
  } catch (e) {
    throw new DatFormatError(`${kind} data does not decompress (${(e as Error).message})`, at);
  }
  if (out.length !== outSize) throw new DatFormatError(`${kind} data decompressed to ${out.length} bytes, expected ${outSize}`, at);
  return out;
}

function readSection(bytes: Uint8Array, l: DatLayout, offset: number, expectId: number | null): Section {
  const c = new Cursor(bytes, l.little, offset);
  if (offset < 0 || offset >= bytes.length) c.fail(`section offset ${offset} is outside the file (truncated at ${bytes.length} bytes)`, bytes.length);
  const id = c.u16('section id');
  const flags = c.u16('section flags');
  c.u32('section description');
  const size = c.u64('section size');
  if (expectId !== null && id !== expectId) c.fail(`expected section ${expectId}, found section id ${id}`, offset);
  c.need(size, `section ${id} body`);
  const start = c.pos;
  if (flags & 1) {
    const comp = c.u32('compressed size');
    const raw = c.u32('uncompressed size');
    if (comp > size - 8) c.fail(`compressed size ${comp} exceeds the section (${size})`, start);
    const data = c.bytesN(comp, 'compressed section');
    const out = decompress(l.compression, data, raw, start);
    return { id, flags, body: new Cursor(out, l.little, 0, start) };
  }
  return { id, flags, body: new Cursor(bytes.subarray(0, start + size), l.little, start) };
}

/** The kallsyms section body: u32 size, then the text. */
function kallsymsText(s: Cursor): string {
  return s.text(s.u32('kallsyms size'), 'kallsyms');
}

/** Read a deferred section from its decompressed body (throws DatFormatError as readSection's readers do). */
export function readDeferred(l: DatLayout, d: DeferredSection, body: Uint8Array): void {
  if (body.length !== d.size) throw new DatFormatError(`zstd data decompressed to ${body.length} bytes, expected ${d.size}`, d.at);
  const s = new Cursor(body, l.little, 0, d.at);
  if (d.id === Opt.EVENT_FORMATS) readEventFormats(s, l);
  else if (d.id === Opt.KALLSYMS) l.kallsyms = kallsymsText(s);
  else throw new Error(`section ${d.id} cannot be deferred`);
}

/** A section's compressed frame, when it is one and its header reads cleanly; else null (read it with readSection). */
function compressedSection(bytes: Uint8Array, l: DatLayout, offset: number, id: number): DeferredSection | null {
  try {
    const c = new Cursor(bytes, l.little, offset);
    if (offset < 0 || offset >= bytes.length || c.u16('section id') !== id || !(c.u16('section flags') & 1)) return null;
    c.u32('section description');
    const size = c.u64('section size');
    c.need(size, 'section body');
    const at = c.pos;
    const comp = c.u32('compressed size');
    const raw = c.u32('uncompressed size');
    if (comp > size - 8) return null;
    return { id, frame: c.bytesN(comp, 'compressed section'), size: raw, at, offset };
  } catch (e) {
    if (e instanceof DatFormatError) return null;
    throw e;
  }
}

function parseV7(c: Cursor, l: DatLayout, opts: LayoutOptions): void {
  const comp = c.cstr('compression name', 64);
  c.cstr('compression version', 64);
  if (comp !== 'none' && comp !== 'zlib' && comp !== 'zstd') c.fail(`unsupported compression "${comp}" (supported: none, zlib, zstd)`);
  l.compression = comp;
  let next = c.u64('first options offset');
  const bytes = c.bytes;
  const seen = new Set<number>();
  while (next !== 0) {
    if (seen.has(next)) c.fail(`options sections form a loop at ${next}`, next);
    seen.add(next);
    const sec = readSection(bytes, l, next, Opt.DONE);
    next = 0;
    const b = sec.body;
    while (b.remaining > 0) {
      const id = b.u16('option id');
      const size = b.u32('option size');
      if (id === Opt.DONE) {
        next = size >= 8 ? b.u64('next options offset') : 0;
        break;
      }
      decodeOption(l.options, id, size, b, 7);
    }
  }
  const o = l.options;
  const required = (id: number, what: string, read: (s: Cursor) => void) => {
    const off = o.sections.get(id);
    if (off === undefined) throw new DatFormatError(`no ${what} section (option ${id} missing)`, 0);
    read(readSection(bytes, l, off, id).body);
  };
  const optional = (id: number, what: string, read: (s: Cursor) => void) => {
    const off = o.sections.get(id);
    if (off === undefined) return;
    try {
      read(readSection(bytes, l, off, id).body);
    } catch (e) {
      if (!(e instanceof DatFormatError)) throw e;
      l.problems.push(`${what} section at byte ${off} is unreadable (${e.message} at byte ${e.offset}); continuing without it`);
    }
  };
  required(Opt.HEADER_INFO, 'header_page/header_event', (s) => readHeaders(s, l));
  required(Opt.FTRACE_EVENTS, 'ftrace event format', (s) => readFtraceEvents(s, l));
  // Sections that read cleanly up to their frame may wait (any later problem sends the caller
  // back here without deferSections, to report it as below).
  const defer = (id: number): boolean => {
    const off = o.sections.get(id);
    const d = opts.deferSections && l.compression === 'zstd' && off !== undefined ? compressedSection(bytes, l, off, id) : null;
    if (d) l.deferred.push(d);
    return d !== null;
  };
  if (!defer(Opt.EVENT_FORMATS)) required(Opt.EVENT_FORMATS, 'event format', (s) => readEventFormats(s, l));
  if (!defer(Opt.KALLSYMS)) optional(Opt.KALLSYMS, 'kallsyms', (s) => (l.kallsyms = kallsymsText(s)));
  optional(Opt.PRINTK, 'printk formats', (s) => (l.printk = s.text(s.u32('printk size'), 'printk formats')));
  optional(Opt.CMDLINES, 'saved cmdlines', (s) => (l.cmdlines = s.text(s.u64('cmdlines size'), 'saved cmdlines')));
  let maxCpu = -1;
  for (const b of o.buffers) {
    if (b.text) {
      try {
        const sec = readSection(bytes, l, b.offset, null);
        const s = sec.body;
        l.latencyText = s.text(s.remaining, 'latency text');
      } catch (e) {
        if (!(e instanceof DatFormatError)) throw e;
        l.problems.push(`latency text section at byte ${b.offset} is unreadable (${e.message})`);
      }
      continue;
    }
    const cpus = (b.cpus ?? []).filter((cd) => {
      if (cd.cpu < MAX_CPUS) return true;
      l.problems.push(`buffer "${b.name}" lists CPU ${cd.cpu}: corrupt entry ignored`);
      return false;
    });
    for (const cd of cpus) maxCpu = Math.max(maxCpu, cd.cpu);
    let compressed = false;
    try {
      const hc = new Cursor(bytes, l.little, b.offset);
      hc.u16('section id');
      compressed = (hc.u16('section flags') & 1) !== 0;
    } catch (e) {
      if (!(e instanceof DatFormatError)) throw e;
      l.problems.push(`buffer "${b.name}" section header at byte ${b.offset} is beyond the end of the file`);
    }
    l.buffers.push({ name: b.name, clock: b.clock, pageSize: b.pageSize ?? l.pageSize, cpus, compressed });
  }
  if (o.cpuCount !== null && o.cpuCount > MAX_CPUS) {
    l.problems.push(`CPUCOUNT option says ${o.cpuCount} CPUs: corrupt value ignored`);
    o.cpuCount = null;
  }
  l.cpus = Math.max(o.cpuCount ?? 0, maxCpu + 1);
}

/**
 * One CPU's ring-buffer pages as contiguous bytes: the file slice, or the decompressed chunks.
 * Truncation keeps what is intact and reports the rest in `problems`.
 */
export function cpuPages(
  bytes: Uint8Array,
  l: DatLayout,
  buf: DatBuffer,
  cd: DatCpuData,
  problems: string[],
): Uint8Array {
  const where = `CPU ${cd.cpu}${buf.name ? ` of buffer "${buf.name}"` : ''}`;
  if (cd.size === 0) return new Uint8Array(0);
  if (cd.offset >= bytes.length) {
    problems.push(`${where}: data at byte ${cd.offset} is beyond the end of the file (${bytes.length} bytes): truncated`);
    return new Uint8Array(0);
  }
  if (!buf.compressed) {
    const end = cd.offset + cd.size;
    if (end > bytes.length) {
      const have = bytes.length - cd.offset;
      problems.push(`${where}: file ends at byte ${bytes.length}, ${end - bytes.length} of its ${cd.size} data bytes are missing: truncated`);
      return bytes.subarray(cd.offset, cd.offset + have - (have % buf.pageSize));
    }
    return bytes.subarray(cd.offset, end);
  }
  const { frames, sizes, ats, error } = compressedChunks(bytes, l, cd);
  if (error) problems.push(`${where}: ${error}`);
  let parts: Uint8Array[] = [];
  const oneByOne = () => {
    parts = [];
    for (let i = 0; i < frames.length; i++) {
      try {
        parts.push(decompress(l.compression, frames[i]!, sizes[i]!, ats[i]!));
      } catch (e) {
        if (!(e instanceof DatFormatError)) throw e;
        problems.push(`${where}: ${e.message} at byte ${e.offset}; the pages before it are read`);
        break;
      }
    }
  };
  if (l.compression === 'zstd') {
    try {
      const r = zstdFrames(frames, sizes);
      l.zstdDecoder = r.decoder;
      parts = r.out;
      if (parts.some((p, i) => p.length !== sizes[i])) oneByOne();
    } catch {
      oneByOne();
    }
  } else oneByOne();
  let total = 0;
  let contiguous = true;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    total += p.length;
    if (i > 0) {
      const q = parts[i - 1]!;
      contiguous &&= p.buffer === q.buffer && p.byteOffset === q.byteOffset + q.length;
    }
  }
  if (parts.length === 1) return parts[0]!;
  // The zstd command's output is one buffer already: no copy.
  if (contiguous && parts.length) return new Uint8Array(parts[0]!.buffer, parts[0]!.byteOffset, total);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}


/** One CPU's compressed chunks; `error` says where the chunk list broke off (the chunks before it are kept). */
export function compressedChunks(bytes: Uint8Array, l: DatLayout, cd: DatCpuData): { frames: Uint8Array[]; sizes: number[]; ats: number[]; error: string | null } {
  // The recorded size leaves out the chunk-count word, so bound the chunks by the file instead.
  const c = new Cursor(bytes, l.little, cd.offset);
  const frames: Uint8Array[] = [];
  const sizes: number[] = [];
  const ats: number[] = [];
  try {
    const n = c.u32('chunk count');
    for (let i = 0; i < n; i++) {
      const at = c.pos;
      const comp = c.u32('chunk compressed size');
      const raw = c.u32('chunk size');
      // trace-cmd writes 10-page chunks; anything huge is corruption, not data to allocate for.
      if (raw > MAX_CHUNK) c.fail(`chunk claims ${raw} uncompressed bytes`, at);
      frames.push(c.bytesN(comp, 'compressed chunk'));
      sizes.push(raw);
      ats.push(at);
    }
  } catch (e) {
    if (!(e instanceof DatFormatError)) throw e;
    return { frames, sizes, ats, error: `${e.message} at byte ${e.offset}; the pages before it are read` };
  }
  return { frames, sizes, ats, error: null };
}
