import { EVENT_TABLES, routeEvent, type Trace, type TraceFormat } from '../../tables/index.js';
import { InputError } from '../open.js';
import type { IngestOptions } from '../registry.js';
import { line, scanEventLine, scanLatencyLine } from './eventLine.js';
import { classifyLine } from './headerLines.js';
import type { LineSink } from './lineSplitter.js';
import { MachineState, type EventCtx } from './machineState.js';
import { detach, skipSpaces } from './scan.js';
import type { PayloadParser } from './payloads/common.js';
import { parseSchedSwitch, parseWakeup, parseMigrate } from './payloads/sched.js';
import { parseProcess } from './payloads/process.js';
import { parseIrq } from './payloads/irq.js';
import { parseHrtimer } from './payloads/hrtimer.js';
import { parseKvm } from './payloads/kvm.js';
import { parseMarker, parseGeneric } from './payloads/markers.js';
import { HeadMemo, scanHeadB, scanRestB } from './byteEventLine.js';
import { decodeRange } from './byteIntern.js';
import { viewOf } from './byteView.js';
import type { ByteLineSink } from './lineSplitter.js';
import type { BytePayloadParser } from './bytePayloads/common.js';
import { parseSchedSwitchB, parseWakeupB, parseMigrateB } from './bytePayloads/sched.js';
import { parseIrqB } from './bytePayloads/irq.js';
import { parseHrtimerB } from './bytePayloads/hrtimer.js';

// Turns the lines of an ftrace-style text trace into tables: event lines go to the payload parser
// of their table, header and marker lines to meta, everything else is counted as unparsed.

const PARSERS: Record<string, PayloadParser> = {
  sched_switch: parseSchedSwitch,
  sched_wakeup: parseWakeup,
  sched_migrate: parseMigrate,
  sched_process: parseProcess,
  irq: parseIrq,
  hrtimer: parseHrtimer,
  kvm: parseKvm,
  markers: parseMarker,
  generic: parseGeneric,
};

/** Tables whose payloads the byte path parses itself; the others get their payload decoded for PARSERS. */
const BYTE_PARSERS: Record<string, BytePayloadParser> = {
  sched_switch: parseSchedSwitchB,
  sched_wakeup: parseWakeupB,
  sched_migrate: parseMigrateB,
  irq: parseIrqB,
  hrtimer: parseHrtimerB,
};

/** Header CPU counts above this are corrupt, not hardware. */
const MAX_CPUS = 8192;

interface EventEntry {
  fn: PayloadParser;
  bfn: BytePayloadParser | null;
  kind: number;
  nameId: number;
  vectorNameId: number;
  table: { unrow(): void };
}

export class TextTraceParser implements LineSink, ByteLineSink {
  private readonly machines = new Map<string, MachineState>();
  /** trace-cmd report multi-input prefixes, learned from `<name>: cpus=N` lines. */
  private readonly prefixes: string[] = [];
  private readonly main: MachineState;
  private readonly ev: EventCtx = { tsNs: 0, cpu: 0, pid: 0, tgid: -1, flags: 0, nameId: 0, vectorNameId: -1 };
  private binaryLines = 0;
  /** The last event line's head, for the byte path. */
  private readonly memo = new HeadMemo();
  private sawRawCounter = false;
  private sawNsClock = false;
  formatDetail: string;
  readonly extra: Record<string, unknown> = {};

  constructor(
    readonly source: string,
    readonly format: TraceFormat,
    private readonly opts: IngestOptions = {},
  ) {
    this.formatDetail = format;
    this.main = this.machine(opts.machine ?? 'host');
  }

  private machine(name: string): MachineState {
    let m = this.machines.get(name);
    if (!m) {
      m = new MachineState(this.source, this.format, name);
      this.machines.set(name, m);
    }
    return m;
  }

  line(s: string, a: number, e: number, lineNo: number, last: boolean): void {
    if (e > a && s.charCodeAt(e - 1) === 13) e--;
    let m = this.main;
    let p = skipSpaces(s, a, e);
    if (p === e) return;
    if (this.prefixes.length) {
      for (const pf of this.prefixes) {
        if (s.startsWith(pf, p) && s.charCodeAt(p + pf.length) === 58 /* : */) {
          const q = skipSpaces(s, p + pf.length + 1, e);
          // `name: cpus=N` is a header, not an event of that machine
          if (!s.startsWith('cpus=', q)) {
            m = this.machine(pf);
            a = q;
            p = q;
          }
          break;
        }
      }
    }
    // scanEventLine starts past the leading spaces (same result, they are skipped once); the
    // latency-format regex still gets the whole line.
    if (s.charCodeAt(p) !== 35 /* # */ && (scanEventLine(s, p, e) || scanLatencyLine(s, a, e))) {
      this.event(m, s, e, lineNo, last);
      return;
    }
    this.nonEvent(m, s, a, e, lineNo, last);
  }

  private event(m: MachineState, s: string, e: number, lineNo: number, last: boolean): void {
    const ev = this.ev;
    let ts = line.ts;
    if (line.rawCounter) {
      this.sawRawCounter = true;
      m.rawCounter = true;
      if (this.opts.tscHz) ts = Math.round((ts * 1e9) / this.opts.tscHz);
    } else this.sawNsClock = true;
    ev.tsNs = ts;
    ev.cpu = line.cpu;
    ev.pid = line.pid;
    ev.tgid = line.tgid;
    ev.flags = line.flags;
    const b = m.b;
    m.thread(line.pid, line.pid === 0 ? -1 : m.intern(s, line.commStart, line.commEnd), ts, line.tgid);
    const nameId = m.internHashed(s, line.evStart, line.evEnd, line.evHash);
    const entry = (m.routes as EventEntry[])[nameId] ?? this.route(m, nameId);
    ev.nameId = entry.nameId;
    ev.vectorNameId = entry.vectorNameId;
    m.sawEvent(line.cpu, ts);
    if (!entry.fn(m, ev, s, line.payStart, e, entry.kind)) {
      entry.table.unrow();
      m.events--;
      this.bad(m, s.slice(line.commStart, e), lineNo, last ? 'truncated last line' : `malformed ${b.pool.values[nameId]} payload`);
    }
  }

  /** The dispatch entry of a new event name (its string id). */
  private route(m: MachineState, nameId: number): EventEntry {
    const b = m.b;
    const route = routeEvent(b.pool.values[nameId]!);
    const entry: EventEntry = {
      fn: PARSERS[route.table]!,
      bfn: BYTE_PARSERS[route.table] ?? null,
      kind: route.kind,
      nameId,
      vectorNameId: route.vectorName === undefined ? -1 : b.str(route.vectorName),
      table: b[route.table],
    };
    (m.routes as EventEntry[])[nameId] = entry;
    return entry;
  }

  /**
   * One line as bytes. Event lines with the common layout are scanned and parsed from the bytes
   * (same steps as line() on the decoded text); every other line (headers, markers, latency
   * format, multi-input prefixes, errors) is decoded and takes the string path.
   */
  lineBytes(buf: Buffer, a: number, e0: number, lineNo: number, last: boolean): void {
    let e = e0;
    if (e > a && buf[e - 1] === 13) e--;
    const memo = this.memo;
    let hit = false;
    let ok = false;
    if (this.prefixes.length === 0) {
      // The remembered head covers the leading spaces too: a hit skips them with the rest.
      const bv = viewOf(buf);
      if (memo.restore(buf, bv, a, e)) {
        hit = true;
        ok = scanRestB(buf, a + memo.len, e);
      } else {
        let p = a;
        while (p + 4 <= e && bv.getUint32(p, true) === 0x20202020) p += 4;
        while (p < e && (buf[p] === 32 || buf[p] === 9)) p++;
        if (p === e) return;
        if (buf[p] !== 35 /* # */) {
          const j = scanHeadB(buf, p, e);
          if (j >= 0) {
            memo.keep(buf, a, j);
            ok = scanRestB(buf, j + 1, e);
          }
        }
      }
    }
    if (!ok) {
      const s = decodeRange(buf, a, e0);
      this.line(s, 0, s.length, lineNo, last);
      return;
    }
    const m = this.main;
    const ev = this.ev;
    let ts = line.ts;
    if (line.rawCounter) {
      this.sawRawCounter = true;
      m.rawCounter = true;
      if (this.opts.tscHz) ts = Math.round((ts * 1e9) / this.opts.tscHz);
    } else this.sawNsClock = true;
    ev.tsNs = ts;
    ev.cpu = line.cpu;
    ev.pid = line.pid;
    ev.tgid = line.tgid;
    ev.flags = line.flags;
    let commId = hit ? memo.commId : -2;
    if (commId === -2) commId = memo.commId = line.pid === 0 ? -1 : m.bi.id(buf, line.commStart, line.commEnd);
    m.b.nowNs = ts;
    m.threadNow(line.pid, commId, line.tgid);
    const nameId = m.bi.id(buf, line.evStart, line.evEnd);
    const entry = (m.routes as EventEntry[])[nameId] ?? this.route(m, nameId);
    ev.nameId = entry.nameId;
    ev.vectorNameId = entry.vectorNameId;
    m.sawEventNow(line.cpu);
    const commStart = line.commStart;
    if (entry.bfn) ok = entry.bfn(m, ev, buf, line.payStart, e, entry.kind);
    else {
      const pay = decodeRange(buf, line.payStart, e);
      ok = entry.fn(m, ev, pay, 0, pay.length, entry.kind);
    }
    if (!ok) {
      entry.table.unrow();
      m.events--;
      this.bad(m, decodeRange(buf, commStart, e), lineNo, last ? 'truncated last line' : `malformed ${m.b.pool.values[nameId]} payload`);
    }
  }

  private nonEvent(m: MachineState, s: string, a: number, e: number, lineNo: number, last: boolean): void {
    const text = s.slice(a, e);
    const c = classifyLine(text);
    if (!c) {
      if (/[\x00-\x08\x0e-\x1a\x1c-\x1f]/.test(text)) {
        this.binaryLines++;
        this.bad(m, text.replace(/[^\x20-\x7e]/g, '.'), lineNo, 'binary data');
      } else this.bad(m, text, lineNo, last ? 'truncated last line' : 'not an event line');
      return;
    }
    switch (c.type) {
      case 'tracer':
        this.extra['tracer'] = detach(c.tracer);
        break;
      case 'entries':
        if (c.cpus !== null) this.setCpuCount(m, c.cpus, lineNo);
        this.extra['entriesInBuffer'] = c.inBuffer;
        this.extra['entriesWritten'] = c.written;
        if (c.inBuffer < c.written) m.overwritten += c.written - c.inBuffer;
        break;
      case 'enabled-events':
        this.extra['enabledEvents'] = c.events.map(detach);
        break;
      case 'version':
        this.extra['traceCmdVersion'] = detach(c.version);
        break;
      case 'cpus':
        if (c.prefix !== null) {
          c.prefix = detach(c.prefix);
          if (!this.prefixes.includes(c.prefix)) {
            this.prefixes.push(c.prefix);
            this.prefixes.sort((x, y) => y.length - x.length);
          }
          this.setCpuCount(this.machine(c.prefix), c.cpus, lineNo);
        } else this.setCpuCount(m, c.cpus, lineNo);
        break;
      case 'lost':
        m.lost(c.cpu, c.kind, c.events, c.text);
        break;
      case 'warning':
        m.b.warn(detach(c.text));
        break;
      default:
        break;
    }
  }

  private reserved = false;

  /**
   * Bytes read so far of `total` (null when unknown, e.g. compressed): once a sixteenth of the
   * file is in, size each table for the whole file by the event mix so far (reserve() then spares
   * the doubling copies; a table that outgrows its estimate still doubles, and one whose estimate
   * was too high by more than an eighth is copied to its length by finish()). Waiting for a
   * sixteenth keeps a file whose first megabyte is unlike the rest from over-reserving much.
   */
  progress(bytes: number, total: number | null): void {
    if (this.reserved || total === null || bytes * 16 < total || this.main.events < 2000) return;
    this.reserved = true;
    const scale = total / bytes - 1;
    if (scale < 1) return;
    const b = this.main.b;
    for (const spec of EVENT_TABLES) {
      const t = b[spec.name];
      if (t.length) t.reserve(t.length * scale * 1.06 + 1024);
    }
  }

  private setCpuCount(m: MachineState, n: number, lineNo: number): void {
    if (n >= 1 && n <= MAX_CPUS) m.b.meta.cpuCount = n;
    else m.b.warn(`line ${lineNo}: implausible CPU count ${n} ignored`);
  }

  private bad(m: MachineState, text: string, lineNo: number, reason: string): void {
    if (this.opts.strict) throw new InputError(this.source, `${reason}: ${text.slice(0, 200)}`, { line: lineNo });
    m.b.unparsed(detach(text.slice(0, 300)), { line: lineNo }, reason);
    if (reason === 'truncated last line') {
      m.b.warn(`the file ends in the middle of line ${lineNo} (truncated?)`);
    }
  }

  /** Record a line the splitter had to skip (no newline for over a megabyte). */
  overlong(lineNo: number, preview: string): void {
    this.bad(this.main, preview, lineNo, 'line too long (binary data?)');
  }

  finish(): Trace {
    let states = [...this.machines.values()];
    if (states.length > 1) states = states.filter((m) => m.events > 0 || m === this.main);
    if (states.length > 1 && this.main.events === 0) states = states.filter((m) => m !== this.main);
    const total = states.reduce((n, m) => n + m.events, 0);
    if (total === 0) {
      const ex = this.main.b.meta.unparsed.examples[0];
      throw new InputError(
        this.source,
        ex ? `no trace events found (first unparseable line: ${ex.reason}: ${ex.text.slice(0, 80)})` : 'no trace events found (header only?)',
        ex ? { line: ex.line } : undefined,
      );
    }
    if (this.sawRawCounter && this.sawNsClock) this.main.b.warn('trace mixes raw-counter and sec.usec timestamps');
    const machines = states.map((m) => {
      const meta = m.b.meta;
      meta.formatDetail = this.formatDetail;
      Object.assign(meta.extra, this.extra);
      if (m.rawCounter) {
        meta.clock = 'counter';
        if (this.opts.tscHz) {
          meta.counterHz = this.opts.tscHz;
          meta.timeUnit = 'ns';
        } else meta.timeUnit = 'ticks';
      }
      if (m.b.meta.unparsed.count) {
        const u = m.b.meta.unparsed;
        m.b.warn(`${u.count} line(s) could not be parsed (first at line ${u.examples[0]?.line}: ${u.examples[0]?.reason})`);
      }
      return m.finish();
    });
    if (this.binaryLines) machines[0]!.meta.warnings.push(`${this.binaryLines} line(s) contain binary data`);
    return { source: this.source, format: this.format, machines };
  }
}
