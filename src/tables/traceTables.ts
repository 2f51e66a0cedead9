import {
  CPUS,
  EVENT_TABLES,
  GENERIC,
  HRTIMER,
  IRQ,
  KVM,
  MARKERS,
  SCHED_MIGRATE,
  SCHED_PROCESS,
  SCHED_SWITCH,
  SCHED_WAKEUP,
  THREADS,
  type TableSpec,
} from './schema.js';
import { TableBuilder, emptyTable, type Table } from './columns.js';
import { StringPool } from './strings.js';
import { emptyMeta, type TraceFormat, type TraceMeta } from './meta.js';

type SpecCols<S> = S extends TableSpec<infer C, string> ? C : never;

/** All tables of one machine (host or one guest), finished. */
export interface TraceTables {
  meta: TraceMeta;
  /** Dictionary shared by every 'str' column of this machine. */
  strings: string[];
  sched_switch: Table<SpecCols<typeof SCHED_SWITCH>>;
  sched_wakeup: Table<SpecCols<typeof SCHED_WAKEUP>>;
  sched_migrate: Table<SpecCols<typeof SCHED_MIGRATE>>;
  sched_process: Table<SpecCols<typeof SCHED_PROCESS>>;
  irq: Table<SpecCols<typeof IRQ>>;
  hrtimer: Table<SpecCols<typeof HRTIMER>>;
  kvm: Table<SpecCols<typeof KVM>>;
  markers: Table<SpecCols<typeof MARKERS>>;
  generic: Table<SpecCols<typeof GENERIC>>;
  threads: Table<SpecCols<typeof THREADS>>;
  cpus: Table<SpecCols<typeof CPUS>>;
}

/** A whole input: one or more machines (Perfetto multi-machine, trace-cmd report of several files). */
export interface Trace {
  source: string;
  format: TraceFormat;
  machines: TraceTables[];
}

/** The part of an event-table builder that `eventRow` fills: the columns all event tables share. */
export interface EventRowBuilder {
  row(): number;
  c: { tsNs: Float64Array; seq: Uint32Array; cpu: Int32Array; pid: Int32Array; flags: Uint16Array };
}

interface ThreadSpan {
  tgid: number;
  comm: number;
  first: number;
  last: number;
}

const MAX_UNPARSED_EXAMPLES = 5;
/** Tids below this get a direct slot in MachineBuilder's thread cache (Linux pid_max <= 2^22). */
const MAX_SLOT_TID = 1 << 22;
/** CPUs below this are counted in typed arrays by cpuStats. */
const DIRECT_CPUS = 4096;

/**
 * Everything a reader fills for one machine. Readers append rows to the table builders
 * (`b.sched_switch.row()` ...), intern strings with `b.str()`, report threads with `b.thread()`,
 * and call `b.finish()` once at the end.
 */
export class MachineBuilder {
  readonly pool = new StringPool();
  readonly meta: TraceMeta;
  private seqNext = 0;

  readonly sched_switch = new TableBuilder(SCHED_SWITCH, 4096);
  readonly sched_wakeup = new TableBuilder(SCHED_WAKEUP, 4096);
  readonly sched_migrate = new TableBuilder(SCHED_MIGRATE, 256);
  readonly sched_process = new TableBuilder(SCHED_PROCESS, 64);
  readonly irq = new TableBuilder(IRQ, 1024);
  readonly hrtimer = new TableBuilder(HRTIMER, 1024);
  readonly kvm = new TableBuilder(KVM, 256);
  readonly markers = new TableBuilder(MARKERS, 256);
  readonly generic = new TableBuilder(GENERIC, 1024);

  /** Per-tid comm history; the last span of each tid is open. */
  private readonly threadSpans = new Map<number, ThreadSpan[]>();
  /** tid -> 1 + index in openSpans of its open (last) span; 0 = not cached. */
  private openSlot = new Int32Array(0);
  private readonly openSpans: ThreadSpan[] = [];
  /** tgid learned apart from comm changes (saved tgids, TGID column, process tree). */
  private readonly tgids = new Map<number, number>();

  constructor(source: string, format: TraceFormat) {
    this.meta = emptyMeta(source, format);
  }

  /** Next arrival sequence number; every event row gets one. */
  seq(): number {
    return this.seqNext++;
  }

  /** Reserve a row in an event table and write the columns every event table shares. */
  eventRow(t: EventRowBuilder, tsNs: number, cpu: number, pid: number, flags: number): number {
    const i = t.row();
    const c = t.c;
    c.tsNs[i] = tsNs;
    c.seq[i] = this.seqNext++;
    c.cpu[i] = cpu;
    c.pid[i] = pid;
    c.flags[i] = flags;
    return i;
  }

  str(s: string): number {
    return this.pool.id(s);
  }

  /** The time threadNow() records; thread() sets it. */
  nowNs = 0;

  /** Record that `tid` was seen with `comm` (string id) at tsNs. Cheap when nothing changed. */
  thread(tid: number, commId: number, tsNs: number, tgid = -1): void {
    this.nowNs = tsNs;
    this.threadNow(tid, commId, tgid);
  }

  /**
   * thread() at `nowNs`. A reader that reports several sightings per event sets the time once:
   * a double passed as an argument to a call that is not inlined is boxed on the heap each time.
   */
  threadNow(tid: number, commId: number, tgid = -1): void {
    const tsNs = this.nowNs;
    if (tid < 0) return;
    // Readers call this several times per event: find the open span through a tid-indexed slot
    // instead of a Map lookup (tids are < 2^22 on Linux; larger ones take the Map path).
    const slot = tid < this.openSlot.length ? this.openSlot[tid]! : 0;
    let cur: ThreadSpan;
    let spans: ThreadSpan[] | undefined;
    if (slot > 0) cur = this.openSpans[slot - 1]!;
    else {
      spans = this.threadSpans.get(tid);
      if (!spans) {
        const span = { tgid, comm: commId, first: tsNs, last: tsNs };
        this.threadSpans.set(tid, [span]);
        this.cacheOpen(tid, span);
        return;
      }
      cur = spans[spans.length - 1]!;
    }
    if (cur.comm === commId || commId < 0) {
      if (tsNs > cur.last) cur.last = tsNs;
      if (tsNs < cur.first) cur.first = tsNs;
      if (tgid >= 0) cur.tgid = tgid;
      return;
    }
    // `<...>` means "comm not cached": it never replaces a real name.
    if (this.pool.values[commId] === '<...>') return;
    if (this.pool.values[cur.comm] === '<...>') {
      cur.comm = commId;
      return;
    }
    const next = { tgid: tgid >= 0 ? tgid : cur.tgid, comm: commId, first: tsNs, last: tsNs };
    (spans ?? this.threadSpans.get(tid)!).push(next);
    if (slot > 0) this.openSpans[slot - 1] = next;
  }

  private cacheOpen(tid: number, span: ThreadSpan): void {
    if (tid >= MAX_SLOT_TID) return;
    if (tid >= this.openSlot.length) {
      let n = Math.max(1024, this.openSlot.length);
      while (n <= tid) n *= 2;
      const grown = new Int32Array(n);
      grown.set(this.openSlot);
      this.openSlot = grown;
    }
    this.openSpans.push(span);
    this.openSlot[tid] = this.openSpans.length;
  }

  setTgid(tid: number, tgid: number): void {
    if (tid >= 0 && tgid >= 0) this.tgids.set(tid, tgid);
  }

  warn(msg: string): void {
    if (!this.meta.warnings.includes(msg)) this.meta.warnings.push(msg);
  }

  /** Count an input line or record the reader could not parse; keep the first few as examples. */
  unparsed(text: string, where: { line?: number; offset?: number }, reason?: string): void {
    const u = this.meta.unparsed;
    u.count++;
    if (u.examples.length < MAX_UNPARSED_EXAMPLES) {
      u.examples.push({ ...where, text: text.length > 200 ? text.slice(0, 200) + '…' : text, ...(reason ? { reason } : {}) });
    }
  }

  finish(): TraceTables {
    const strings = this.pool.values;
    const t = {
      sched_switch: this.sched_switch.finish(),
      sched_wakeup: this.sched_wakeup.finish(),
      sched_migrate: this.sched_migrate.finish(),
      sched_process: this.sched_process.finish(),
      irq: this.irq.finish(),
      hrtimer: this.hrtimer.finish(),
      kvm: this.kvm.finish(),
      markers: this.markers.finish(),
      generic: this.generic.finish(),
    };
    const meta = this.meta;
    meta.eventCounts = countEvents(t, strings);
    const cpus = cpuStats(t, meta.cpuCount);
    let start = Infinity;
    let end = -Infinity;
    for (const spec of EVENT_TABLES) {
      const tab = t[spec.name];
      if (tab.length) {
        start = Math.min(start, tab.cols.tsNs[0]!);
        end = Math.max(end, tab.cols.tsNs[tab.length - 1]!);
      }
    }
    if (start !== Infinity) {
      meta.startNs = start;
      meta.endNs = end;
    }
    if (meta.cpuCount === null && cpus.length) meta.cpuCount = cpus.cols.cpu[cpus.length - 1]! + 1;
    return { meta, strings, ...t, threads: this.finishThreads(), cpus };
  }

  private finishThreads(): Table<SpecCols<typeof THREADS>> {
    const b = new TableBuilder(THREADS, Math.max(16, this.threadSpans.size));
    const tids = [...this.threadSpans.keys()].sort((a, z) => a - z);
    for (const tid of tids) {
      // Readers may report a thread out of time order (per-CPU streams): order spans by first sight.
      for (const s of this.threadSpans.get(tid)!.sort((a, z) => a.first - z.first)) {
        const i = b.row();
        b.c.tid[i] = tid;
        b.c.tgid[i] = s.tgid >= 0 ? s.tgid : (this.tgids.get(tid) ?? -1);
        b.c.comm[i] = s.comm;
        b.c.firstTsNs[i] = s.first;
        b.c.lastTsNs[i] = s.last;
      }
    }
    return b.finish();
  }
}

type EventTablesOf = Pick<TraceTables, (typeof EVENT_TABLES)[number]['name']>;

function countEvents(t: EventTablesOf, strings: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (name: string, n = 1) => {
    counts[name] = (counts[name] ?? 0) + n;
  };
  if (t.sched_switch.length) add('sched_switch', t.sched_switch.length);
  if (t.sched_migrate.length) add('sched_migrate_task', t.sched_migrate.length);
  for (const spec of EVENT_TABLES) {
    const tab = t[spec.name] as Table;
    const cols = tab.cols as Record<string, ArrayLike<number>>;
    if ('event' in spec.columns) {
      // Count per string id, then add the names in first-seen order (the order per-row adds
      // would have inserted them in).
      const ev = cols['event']!;
      const nStr = strings.length;
      const perId = new Int32Array(nStr);
      const firstSeen: number[] = [];
      let outside = 0; // ids not in the dictionary all count under `undefined`, as strings[id] gives
      for (let i = 0; i < tab.length; i++) {
        const id = ev[i]!;
        if (id >= 0 && id < nStr) {
          if (perId[id]!++ === 0) firstSeen.push(id);
        } else if (outside++ === 0) firstSeen.push(-1);
      }
      for (const id of firstSeen) {
        if (id >= 0) add(strings[id]!, perId[id]!);
        else add(undefined as unknown as string, outside);
      }
    } else if (spec.kinds) {
      const kind = cols['kind']!;
      const n = new Array<number>(spec.kinds.length).fill(0);
      // Typed counters for the row loop; a kind outside the list counts nowhere, as before.
      const perKind = new Float64Array(256);
      for (let i = 0; i < tab.length; i++) perKind[kind[i]!]!++;
      for (let k = 0; k < n.length; k++) n[k] = perKind[k]!;
      spec.kinds.forEach((k, i) => n[i] && add(k, n[i]));
    }
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function cpuStats(t: EventTablesOf, cpuCount: number | null): Table<SpecCols<typeof CPUS>> {
  // Per-CPU counters in typed arrays indexed by cpu (a Map lookup per row was most of the cost);
  // negative cpus are dropped from the table anyway, implausibly large ones go to the Map.
  const n = new Float64Array(DIRECT_CPUS);
  const first = new Float64Array(DIRECT_CPUS);
  const last = new Float64Array(DIRECT_CPUS);
  const events = new Map<number, { n: number; first: number; last: number }>();
  for (const spec of EVENT_TABLES) {
    const tab = t[spec.name] as Table;
    const cpu = (tab.cols as Record<string, Int32Array>)['cpu']!;
    const ts = (tab.cols as Record<string, Float64Array>)['tsNs']!;
    for (let i = 0; i < tab.length; i++) {
      const c = cpu[i]!;
      const x = ts[i]!;
      if (c >= 0 && c < DIRECT_CPUS) {
        if (n[c]!++ === 0) {
          first[c] = x;
          last[c] = x;
        } else {
          if (x < first[c]!) first[c] = x;
          if (x > last[c]!) last[c] = x;
        }
        continue;
      }
      let s = events.get(c);
      if (!s) events.set(c, (s = { n: 0, first: x, last: x }));
      s.n++;
      if (x < s.first) s.first = x;
      if (x > s.last) s.last = x;
    }
  }
  for (let c = 0; c < DIRECT_CPUS; c++) if (n[c]) events.set(c, { n: n[c]!, first: first[c]!, last: last[c]! });
  if (cpuCount) for (let c = 0; c < cpuCount; c++) if (!events.has(c)) events.set(c, { n: 0, first: -1, last: -1 });
  const b = new TableBuilder(CPUS, Math.max(1, events.size));
  for (const c of [...events.keys()].filter((c) => c >= 0).sort((a, z) => a - z)) {
    const s = events.get(c)!;
    const i = b.row();
    b.c.cpu[i] = c;
    b.c.events[i] = s.n;
    b.c.firstTsNs[i] = s.first;
    b.c.lastTsNs[i] = s.last;
  }
  return b.finish();
}

/** An empty machine, e.g. for a guest with no trace. */
export function emptyTraceTables(source: string, format: TraceFormat): TraceTables {
  return new MachineBuilder(source, format).finish();
}

export { emptyTable };
