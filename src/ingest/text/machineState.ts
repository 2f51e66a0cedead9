import { detach, sameAt } from './scan.js';
import { ByteInterner } from './byteIntern.js';
import { MachineBuilder, decodeTaskStateMask, kernelMajorMinor, type LostWindow, type TraceFormat } from '../../tables/index.js';

// Parse state of one machine in a text trace: its builder plus what loss accounting needs
// (last event per CPU, lost windows waiting for their end) and caches that keep the hot path
// free of allocations.

/** The common part of the event line being parsed; one instance reused for every line. */
export interface EventCtx {
  tsNs: number;
  cpu: number;
  pid: number;
  tgid: number;
  flags: number;
  /** String id of the event name. */
  nameId: number;
  /** String id of the irq_vectors stem for vector events, else -1. */
  vectorNameId: number;
}

const INTERN_SLOTS = 4096;
/** Cached strings up to this length are compared from a typed array of their char codes. */
const CACHE_CHARS = 32;

export class MachineState {
  readonly b: MachineBuilder;
  /** Interning for the byte path; same pool, so the same ids as intern() for the same text. */
  readonly bi: ByteInterner;
  /** Last event ts per CPU (NaN = none yet) and first event ts per CPU. */
  readonly lastTs: number[] = [];
  readonly firstTs: number[] = [];
  /** Lost windows whose end is the next event on their CPU. */
  private readonly open: LostWindow[] = [];
  /** sched_switch rows whose prevState holds raw kernel bits, decoded in finish() once the era is known. */
  rawStateRows: number[] = [];
  /** Direct-mapped cache of interned substrings: most strings repeat, so most lookups cut nothing. */
  private readonly cacheStr: string[] = new Array<string>(INTERN_SLOTS).fill('');
  private readonly cacheId = new Int32Array(INTERN_SLOTS).fill(-1);
  private readonly cacheLen = new Int32Array(INTERN_SLOTS).fill(-1);
  private readonly cacheChars = new Uint16Array(INTERN_SLOTS * CACHE_CHARS);
  /** Ring-buffer overwrite from the header: events written but gone. */
  overwritten = 0;
  rawCounter = false;
  events = 0;
  /** The parser's per-event-name dispatch entries, indexed by name string id (kept here: one lookup less per event). */
  readonly routes: unknown[] = [];

  constructor(source: string, format: TraceFormat, machine: string) {
    this.b = new MachineBuilder(source, format);
    this.bi = new ByteInterner(this.b);
    this.b.meta.machine = machine;
  }

  /** String id of s[a, e), found through the cache when possible (no substring is cut then). */
  intern(s: string, a: number, e: number): number {
    let h = e - a;
    for (let p = a; p < e; p++) h = (Math.imul(h, 31) + s.charCodeAt(p)) | 0;
    return this.internHashed(s, a, e, h);
  }

  /** intern() with the hash already computed (seeded with the length, then h*31 + char). */
  internHashed(s: string, a: number, e: number, h: number): number {
    const slot = (h ^ (h >>> 13)) & (INTERN_SLOTS - 1);
    const n = e - a;
    if (this.cacheLen[slot] === n) {
      if (n <= CACHE_CHARS) {
        // Compare against the char codes kept in a typed array: pooled strings may be sliced
        // strings (detach), whose charCodeAt is slower than a typed-array load.
        const chars = this.cacheChars;
        const base = slot * CACHE_CHARS;
        let k = 0;
        while (k < n && s.charCodeAt(a + k) === chars[base + k]) k++;
        if (k === n) return this.cacheId[slot]!;
      } else if (sameAt(s, a, this.cacheStr[slot]!)) return this.cacheId[slot]!;
    }
    const str = detach(s.slice(a, e));
    const id = this.b.str(str);
    this.cacheStr[slot] = str;
    this.cacheId[slot] = id;
    this.cacheLen[slot] = n;
    if (n <= CACHE_CHARS) for (let k = 0, base = slot * CACHE_CHARS; k < n; k++) this.cacheChars[base + k] = s.charCodeAt(a + k);
    return id;
  }

  private idleId = -1;

  /**
   * Report a thread sighting. pid 0 is one idle task per CPU (swapper/N, printed `<idle>`): it
   * gets a single '<idle>' span instead of one span per comm change.
   */
  thread(tid: number, commId: number, tsNs: number, tgid = -1): void {
    if (tid === 0) {
      if (this.idleId < 0) this.idleId = this.b.str('<idle>');
      this.b.thread(0, this.idleId, tsNs);
      return;
    }
    this.b.thread(tid, commId, tsNs, tgid);
    // thread() ignores a `<...>` sighting, but its TGID column is still true.
    if (tgid >= 0 && this.b.pool.values[commId] === '<...>') this.b.setTgid(tid, tgid);
  }

  /** thread() at the builder's nowNs (see MachineBuilder.threadNow). */
  threadNow(tid: number, commId: number, tgid = -1): void {
    if (tid === 0) {
      if (this.idleId < 0) this.idleId = this.b.str('<idle>');
      this.b.threadNow(0, this.idleId);
      return;
    }
    this.b.threadNow(tid, commId, tgid);
    if (tgid >= 0 && this.b.pool.values[commId] === '<...>') this.b.setTgid(tid, tgid);
  }

  /** Book-keeping for every event: per-CPU first/last ts and closing pending lost windows. */
  sawEvent(cpu: number, tsNs: number): void {
    this.b.nowNs = tsNs;
    this.sawEventNow(cpu);
  }

  /** sawEvent() at the builder's nowNs. */
  sawEventNow(cpu: number): void {
    const tsNs = this.b.nowNs;
    this.events++;
    if (this.firstTs[cpu] === undefined) this.firstTs[cpu] = tsNs;
    this.lastTs[cpu] = tsNs;
    if (this.open.length) {
      for (let i = this.open.length - 1; i >= 0; i--) {
        const w = this.open[i]!;
        if (w.cpu === cpu || w.cpu === -1) {
          w.endNs = tsNs;
          this.open.splice(i, 1);
        }
      }
    }
  }

  /** A loss marker line: the window runs from the CPU's last event to its next one. */
  lost(cpu: number, kind: LostWindow['kind'], events: number | null, detail: string): void {
    // buffer-started: that CPU's older events were overwritten, so its gap runs from the trace start.
    const last = cpu >= 0 && kind !== 'buffer-started' ? this.lastTs[cpu] : undefined;
    const w: LostWindow = { cpu, startNs: last ?? NaN, endNs: NaN, events, kind, detail: detach(detail) };
    this.b.meta.lost.push(w);
    this.open.push(w);
  }

  /** Fill open window ends, decode raw prev_state, add the overwrite window; then build the tables. */
  finish(): ReturnType<MachineBuilder['finish']> {
    const b = this.b;
    this.decodeRawStates();
    const t = b.finish();
    const meta = t.meta;
    for (const w of meta.lost) {
      if (Number.isNaN(w.startNs)) w.startNs = meta.startNs;
      if (Number.isNaN(w.endNs)) w.endNs = meta.endNs;
    }
    if (this.overwritten > 0) {
      // Each CPU's buffer lost its oldest pages: data is complete only after the latest first event.
      let complete = meta.startNs;
      for (const f of this.firstTs) if (f !== undefined && f > complete) complete = f;
      meta.lost.unshift({
        cpu: -1,
        startNs: meta.startNs,
        endNs: complete,
        events: this.overwritten,
        kind: 'overwrite',
        detail: 'entries-in-buffer < entries-written: the ring buffer overwrote its oldest events',
      });
      const msg = `ring buffer overwrote ${this.overwritten} events (header entries-in-buffer/entries-written); per-CPU data is complete only from ${(complete / 1e9).toFixed(6)} s`;
      if (!meta.warnings.includes(msg)) meta.warnings.push(msg);
    }
    const byKind = new Map<string, { n: number; events: number; unknown: boolean }>();
    for (const w of meta.lost) {
      if (w.kind === 'overwrite') continue;
      const k = byKind.get(w.kind) ?? { n: 0, events: 0, unknown: false };
      k.n++;
      if (w.events === null) k.unknown = true;
      else k.events += w.events;
      byKind.set(w.kind, k);
    }
    for (const [kind, k] of byKind) {
      const n = k.unknown ? (k.events ? `at least ${k.events}` : 'an unknown number of') : String(k.events);
      meta.warnings.push(`${k.n} '${kind}' marker(s): ${n} events missing (see lost windows)`);
    }
    return t;
  }

  private decodeRawStates(): void {
    if (!this.rawStateRows.length) return;
    const col = this.b.sched_switch.c.prevState;
    let kernel = kernelMajorMinor(this.b.meta.kernelVersion);
    if (!kernel) {
      // No version in text: the preempted bit tells the era (0x1000: 4.8-4.13, 0x800: older).
      let or = 0;
      for (const r of this.rawStateRows) or |= col[r]!;
      if (or & 0x1000) kernel = [4, 8];
      else if (or & 0xe00) kernel = [4, 4];
      if (kernel) {
        this.b.warn(`kernel version unknown: numeric prev_state values use the pre-4.14 layout (decoded as ${kernel.join('.')})`);
      }
    }
    for (const r of this.rawStateRows) col[r] = decodeTaskStateMask(col[r]!, kernel);
    this.rawStateRows = [];
  }
}
