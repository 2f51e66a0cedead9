import {
  IrqKind,
  KvmKind,
  MarkerKind,
  ProcessKind,
  SOFTIRQ_NAMES,
  TaskState,
  decodeTaskStateMask,
  parseTaskStateText,
  routeEvent,
  type MachineBuilder,
} from '../../tables/index.js';
import type { EventFormat, FieldDef } from './formatFile.js';
import { HL, ByteInterner, asciiZ, fixedEnd, hex64, hiLoReader, numReader, strIdReader, strReader, type NumReader, type StrIdReader, type StrReader } from './fieldAccess.js';
import {
  evalExpr,
  formatOne,
  parsePrintFmt,
  renderPrintFmt,
  splitFormat,
  sprintf,
  type EvalEnv,
  type ParsedPrintFmt,
  type RecordRef,
  type Value,
} from './printFmt.js';
import type { Kallsyms } from './kallsyms.js';
import type { ThreadTracker } from './threadTracker.js';

// One decoder per event type, built from that file's format: it writes one row into the
// matching table. Typed fields are read straight from the record bytes; print-fmt rendering
// (BigInt-based) runs only for kvm detail text, markers and unparseable cases.

export interface DecodeContext {
  b: MachineBuilder;
  little: boolean;
  kernelLong: number;
  kernel: [number, number] | null;
  syms: Kallsyms | null;
  printk: Map<bigint, string>;
  /** pid -> comm string id from saved cmdlines. */
  cmdlines: Map<number, number>;
  /** Comm/name bytes -> string id, shared by all decoders. */
  interner: ByteInterner;
  threads: ThreadTracker;
}

/** Writes one event. `rec` is the offset of common_type in `data`. */
export type Decoder = (data: Uint8Array, view: DataView, rec: number, len: number, tsNs: number, cpu: number, pid: number, flags: number) => void;

export interface BuiltDecoder {
  /** Assumes len >= minLen; the caller checks. */
  decode: Decoder;
  /** Bytes the fixed fields need: shorter records are unparsed, not decoded. */
  minLen: number;
  name: string;
  /** Print-fmt parse problem, reported once per event type. */
  problem: string | null;
}

function recordRef(data: Uint8Array, view: DataView, rec: number, len: number, little: boolean): RecordRef {
  return { bytes: data, view, start: rec, len, little };
}

/** Per-type helpers shared by the typed decoders. */
class EventKit {
  readonly pf: ParsedPrintFmt | null;
  readonly problem: string | null;
  readonly env: EvalEnv;
  readonly minLen: number;
  readonly nameId: number;

  constructor(
    readonly ev: EventFormat,
    readonly ctx: DecodeContext,
  ) {
    let pf: ParsedPrintFmt | null = null;
    let problem: string | null = null;
    if (ev.printFmt) {
      try {
        pf = parsePrintFmt(ev.printFmt, ev, ctx.kernelLong);
      } catch (e) {
        problem = `${ev.system}:${ev.name}: print fmt not understood (${(e as Error).message}); its text is rendered from raw fields`;
      }
    }
    this.pf = pf;
    this.problem = problem;
    this.env = { kernelLong: ctx.kernelLong, syms: ctx.syms };
    this.minLen = fixedEnd([...ev.common, ...ev.fields]);
    this.nameId = ctx.b.str(ev.name);
  }

  num(name: string): NumReader | null {
    return numReader(this.ev.byName.get(name), this.ctx.little);
  }
  str(name: string): StrReader | null {
    return strReader(this.ev.byName.get(name), this.ctx.little);
  }
  strId(name: string): StrIdReader | null {
    return strIdReader(this.ev.byName.get(name), this.ctx.little, this.ctx.interner);
  }
  field(...names: string[]): FieldDef | undefined {
    for (const n of names) {
      const f = this.ev.byName.get(n);
      if (f) return f;
    }
    return undefined;
  }

  /** The print-fmt text of a record (`trace-cmd report -N`), or raw fields when unparseable. */
  render(data: Uint8Array, view: DataView, rec: number, len: number): string {
    const r = recordRef(data, view, rec, len, this.ctx.little);
    if (this.pf) {
      try {
        return renderPrintFmt(this.pf, r, this.env);
      } catch {
        /* fall through to raw */
      }
    }
    return this.raw(r);
  }

  /** `name=value ...` over the non-common fields. */
  raw(r: RecordRef): string {
    const parts: string[] = [];
    for (const f of this.ev.fields) parts.push(f.name + '=' + rawFieldText(f, r, this.pf, this.env));
    return parts.join(' ');
  }

  /** Index of the print-fmt argument printed right after `literal` (e.g. "prev_state="). */
  argAfter(literal: string): number {
    if (!this.pf) return -1;
    let ai = 0;
    let seen = false;
    for (const part of splitFormat(this.pf.fmt)) {
      if (typeof part === 'string') {
        if (part.endsWith(literal)) seen = true;
        continue;
      }
      if (seen) return ai;
      ai += part.star ? 2 : 1;
    }
    return -1;
  }

  evalArg(i: number, data: Uint8Array, view: DataView, rec: number, len: number): Value | null {
    if (!this.pf || i < 0 || i >= this.pf.args.length) return null;
    try {
      return evalExpr(this.pf.args[i]!, recordRef(data, view, rec, len, this.ctx.little), this.env);
    } catch {
      return null;
    }
  }
}

function rawFieldText(f: FieldDef, r: RecordRef, pf: ParsedPrintFmt | null, env: EvalEnv): string {
  const at = r.start + f.offset;
  if (f.isString || f.loc !== 'none' || f.arrayLen >= 0) {
    if (f.isString) {
      const rd = strReader(f, r.little)!;
      return rd(r.bytes, r.view, r.start, r.len);
    }
    return '0x' + Array.from(r.bytes.subarray(at, Math.min(at + (f.arrayLen === 0 ? r.len - f.offset : f.size), r.start + r.len)), (x) => x.toString(16).padStart(2, '0')).join('');
  }
  if (f.offset + f.size > r.len) return '?';
  let v: bigint;
  switch (f.size) {
    case 1: v = BigInt(f.signed ? r.view.getInt8(at) : r.view.getUint8(at)); break;
    case 2: v = BigInt(f.signed ? r.view.getInt16(at, r.little) : r.view.getUint16(at, r.little)); break;
    case 4: v = BigInt(f.signed ? r.view.getInt32(at, r.little) : r.view.getUint32(at, r.little)); break;
    case 8: v = f.signed ? r.view.getBigInt64(at, r.little) : r.view.getBigUint64(at, r.little); break;
    default: return '?';
  }
  const spec = pf?.fieldSpecs.get(f.name);
  if (spec) {
    const parts = splitFormat(spec);
    const conv = parts[parts.length - 1];
    if (conv && typeof conv !== 'string' && conv.conv !== 's') {
      return (spec.startsWith('0x') ? '0x' : '') + formatOne({ ...conv, width: null, flags: conv.flags.replace(/[0 -]/g, '') }, v, env, null);
    }
  }
  if (f.isPointer || (f.isLong && !f.signed)) return '0x' + BigInt.asUintN(f.size * 8, v).toString(16);
  return v.toString();
}

/** Build the decoder for one event type. */
export function buildDecoder(ev: EventFormat, ctx: DecodeContext): BuiltDecoder {
  const kit = new EventKit(ev, ctx);
  const route = routeEvent(ev.name);
  let decode: Decoder;
  switch (route.table) {
    case 'sched_switch':
      decode = schedSwitch(kit);
      break;
    case 'sched_wakeup':
      decode = schedWakeup(kit, route.kind);
      break;
    case 'sched_migrate':
      decode = schedMigrate(kit);
      break;
    case 'sched_process':
      decode = schedProcess(kit, route.kind);
      break;
    case 'irq':
      decode = irq(kit, route.kind, route.vectorName);
      break;
    case 'hrtimer':
      decode = hrtimer(kit, route.kind);
      break;
    case 'kvm':
      decode = kvm(kit, route.kind);
      break;
    case 'markers':
      decode = markers(kit, route.kind);
      break;
    default:
      decode = generic(kit);
  }
  return { decode, problem: kit.problem, minLen: kit.minLen, name: ev.name };
}

const NONE_NUM: NumReader = () => -1;
const NONE_STR: StrReader = () => '';
const NONE_ID: StrIdReader = () => -1;

function schedSwitch(kit: EventKit): Decoder {
  const { b } = kit.ctx;
  const th = kit.ctx.threads;
  const t = b.sched_switch;
  const prevComm = kit.strId('prev_comm') ?? NONE_ID;
  const prevPid = kit.num('prev_pid') ?? NONE_NUM;
  const prevPrio = kit.num('prev_prio') ?? NONE_NUM;
  const prevState = kit.num('prev_state') ?? NONE_NUM;
  const nextComm = kit.strId('next_comm') ?? NONE_ID;
  const nextPid = kit.num('next_pid') ?? NONE_NUM;
  const nextPrio = kit.num('next_prio') ?? NONE_NUM;
  // prev_state is decoded with the file's own print-fmt bit table (it changed across kernels),
  // memoized per raw value: a trace has a handful of distinct states.
  const stateArg = kit.argAfter('prev_state=');
  const hasIdleLetter = !!kit.ev.printFmt && /\{\s*0x0*80\s*,\s*"I"\s*\}/.test(kit.ev.printFmt);
  const pre414 = kit.ctx.kernel ? kit.ctx.kernel[0] * 1000 + kit.ctx.kernel[1] < 4014 : !hasIdleLetter;
  // Raw states are small bit masks: a typed-array memo, with a Map for anything larger.
  const SMALL = 1 << 13;
  const memoSmall = new Int32Array(SMALL).fill(-2);
  const memo = new Map<number, number>();
  const decodeState = (data: Uint8Array, view: DataView, rec: number, len: number, raw: number): number => {
    let m: number = TaskState.UNKNOWN;
    const a = kit.evalArg(stateArg, data, view, rec, len);
    const plus = kit.evalArg(stateArg + 1, data, view, rec, len);
    if (typeof a === 'string' && (plus === null || typeof plus === 'string')) m = parseTaskStateText(a + (plus ?? ''), pre414);
    if (m === TaskState.UNKNOWN) m = decodeTaskStateMask(raw, kit.ctx.kernel ?? (pre414 ? [4, 9] : null));
    return m;
  };
  const state = (data: Uint8Array, view: DataView, rec: number, len: number, raw: number): number => {
    if (raw >= 0 && raw < SMALL) {
      let m = memoSmall[raw]!;
      if (m === -2) memoSmall[raw] = m = decodeState(data, view, rec, len, raw);
      return m;
    }
    let m = memo.get(raw);
    if (m === undefined) memo.set(raw, (m = decodeState(data, view, rec, len, raw)));
    return m;
  };
  // Fast path for the universal layout (4-byte pid/prio, 4- or 8-byte state): constant offsets,
  // no reader closures.
  const little = kit.ctx.little;
  const o32 = (name: string) => {
    const f = kit.ev.byName.get(name);
    return f && f.size === 4 && f.loc === 'none' && f.arrayLen < 0 ? f.offset : -1;
  };
  const sf = kit.ev.byName.get('prev_state');
  const oState = sf && sf.loc === 'none' && sf.arrayLen < 0 && (sf.size === 4 || sf.size === 8) ? sf.offset + (!little && sf.size === 8 ? 4 : 0) : -1;
  const oPP = o32('prev_pid');
  const oPr = o32('prev_prio');
  const oNP = o32('next_pid');
  const oNr = o32('next_prio');
  if (oState >= 0 && oPP >= 0 && oPr >= 0 && oNP >= 0 && oNr >= 0) {
    return (data, view, rec, len, ts, cpu, pid, flags) => {
      const i = t.row();
      const c = t.c;
      c.tsNs[i] = ts;
      c.seq[i] = b.seq();
      c.cpu[i] = cpu;
      c.pid[i] = pid;
      c.flags[i] = flags;
      const pc = prevComm(data, view, rec, len);
      const pp = view.getInt32(rec + oPP, little);
      const nc = nextComm(data, view, rec, len);
      const np = view.getInt32(rec + oNP, little);
      c.prevComm[i] = pc;
      c.prevPid[i] = pp;
      c.prevPrio[i] = view.getInt32(rec + oPr, little);
      c.prevState[i] = state(data, view, rec, len, view.getInt32(rec + oState, little));
      c.nextComm[i] = nc;
      c.nextPid[i] = np;
      c.nextPrio[i] = view.getInt32(rec + oNr, little);
      th.see(pp, pc, ts);
      th.see(np, nc, ts);
    };
  }
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = t.row();
    const c = t.c;
    c.tsNs[i] = ts;
    c.seq[i] = b.seq();
    c.cpu[i] = cpu;
    c.pid[i] = pid;
    c.flags[i] = flags;
    const pc = prevComm(data, view, rec, len);
    const pp = prevPid(view, rec);
    const nc = nextComm(data, view, rec, len);
    const np = nextPid(view, rec);
    c.prevComm[i] = pc;
    c.prevPid[i] = pp;
    c.prevPrio[i] = prevPrio(view, rec);
    c.prevState[i] = state(data, view, rec, len, prevState(view, rec));
    c.nextComm[i] = nc;
    c.nextPid[i] = np;
    c.nextPrio[i] = nextPrio(view, rec);
    th.see(pp, pc, ts);
    th.see(np, nc, ts);
  };
}

function schedWakeup(kit: EventKit, kind: number): Decoder {
  const { b } = kit.ctx;
  const th = kit.ctx.threads;
  const t = b.sched_wakeup;
  const comm = kit.strId('comm') ?? NONE_ID;
  const tid = kit.num('pid') ?? NONE_NUM;
  const prio = kit.num('prio') ?? NONE_NUM;
  const target = kit.num('target_cpu') ?? NONE_NUM;
  const success = kit.num('success');
  const little = kit.ctx.little;
  const o32 = (name: string) => {
    const f = kit.ev.byName.get(name);
    return f && f.size === 4 && f.loc === 'none' && f.arrayLen < 0 ? f.offset : -1;
  };
  const oPid = o32('pid');
  const oPrio = o32('prio');
  const oTarget = o32('target_cpu');
  if (oPid >= 0 && oPrio >= 0 && oTarget >= 0 && !success) {
    return (data, view, rec, len, ts, cpu, pid, flags) => {
      const i = t.row();
      const c = t.c;
      c.tsNs[i] = ts;
      c.seq[i] = b.seq();
      c.cpu[i] = cpu;
      c.pid[i] = pid;
      c.flags[i] = flags;
      c.kind[i] = kind;
      const cm = comm(data, view, rec, len);
      const p = view.getInt32(rec + oPid, little);
      c.comm[i] = cm;
      c.tid[i] = p;
      c.prio[i] = view.getInt32(rec + oPrio, little);
      c.targetCpu[i] = view.getInt32(rec + oTarget, little);
      c.success[i] = -1;
      th.see(p, cm, ts);
    };
  }
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = t.row();
    const c = t.c;
    c.tsNs[i] = ts;
    c.seq[i] = b.seq();
    c.cpu[i] = cpu;
    c.pid[i] = pid;
    c.flags[i] = flags;
    c.kind[i] = kind;
    const cm = comm(data, view, rec, len);
    const p = tid(view, rec);
    c.comm[i] = cm;
    c.tid[i] = p;
    c.prio[i] = prio(view, rec);
    c.targetCpu[i] = target(view, rec);
    c.success[i] = success ? success(view, rec) : -1;
    th.see(p, cm, ts);
  };
}

function schedMigrate(kit: EventKit): Decoder {
  const { b } = kit.ctx;
  const th = kit.ctx.threads;
  const t = b.sched_migrate;
  const comm = kit.strId('comm') ?? NONE_ID;
  const tid = kit.num('pid') ?? NONE_NUM;
  const prio = kit.num('prio') ?? NONE_NUM;
  const orig = kit.num('orig_cpu') ?? NONE_NUM;
  const dest = kit.num('dest_cpu') ?? NONE_NUM;
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = t.row();
    const c = t.c;
    c.tsNs[i] = ts;
    c.seq[i] = b.seq();
    c.cpu[i] = cpu;
    c.pid[i] = pid;
    c.flags[i] = flags;
    const cm = comm(data, view, rec, len);
    const p = tid(view, rec);
    c.comm[i] = cm;
    c.tid[i] = p;
    c.prio[i] = prio(view, rec);
    c.origCpu[i] = orig(view, rec);
    c.destCpu[i] = dest(view, rec);
    th.see(p, cm, ts);
  };
}

function schedProcess(kit: EventKit, kind: number): Decoder {
  const { b } = kit.ctx;
  const th = kit.ctx.threads;
  const t = b.sched_process;
  let comm: StrReader;
  let tid: NumReader;
  let childComm: StrReader = NONE_STR;
  let childTid: NumReader = NONE_NUM;
  switch (kind) {
    case ProcessKind.FORK:
      comm = kit.str('parent_comm') ?? NONE_STR;
      tid = kit.num('parent_pid') ?? NONE_NUM;
      childComm = kit.str('child_comm') ?? NONE_STR;
      childTid = kit.num('child_pid') ?? NONE_NUM;
      break;
    case ProcessKind.EXEC:
      comm = kit.str('filename') ?? NONE_STR;
      tid = kit.num('pid') ?? NONE_NUM;
      break;
    case ProcessKind.RENAME:
      comm = kit.str('oldcomm') ?? NONE_STR;
      tid = kit.num('pid') ?? NONE_NUM;
      childComm = kit.str('newcomm') ?? NONE_STR;
      break;
    default:
      comm = kit.str('comm') ?? NONE_STR;
      tid = kit.num('pid') ?? NONE_NUM;
  }
  const prio = kit.num('prio') ?? NONE_NUM;
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = t.row();
    const c = t.c;
    c.tsNs[i] = ts;
    c.seq[i] = b.seq();
    c.cpu[i] = cpu;
    c.pid[i] = pid;
    c.flags[i] = flags;
    c.kind[i] = kind;
    const cm = b.str(comm(data, view, rec, len));
    const p = tid(view, rec);
    c.comm[i] = cm;
    c.tid[i] = p;
    c.prio[i] = prio(view, rec);
    const cc = childComm === NONE_STR ? -1 : b.str(childComm(data, view, rec, len));
    const ct = childTid(view, rec);
    c.childComm[i] = cc;
    c.childTid[i] = kind === ProcessKind.RENAME ? p : ct;
    if (kind === ProcessKind.FORK) {
      th.see(p, cm, ts);
      th.see(ct, cc, ts);
    } else if (kind === ProcessKind.RENAME) {
      th.see(p, cc, ts);
    } else if (kind !== ProcessKind.EXEC) {
      th.see(p, cm, ts);
    }
  };
}

function irq(kit: EventKit, kind: number, vectorName: string | undefined): Decoder {
  const { b } = kit.ctx;
  const t = b.irq;
  const evId = kit.nameId;
  let numR: NumReader = NONE_NUM;
  let nameOf: (data: Uint8Array, view: DataView, rec: number, len: number, n: number) => number = () => -1;
  let ret: NumReader | null = null;
  switch (kind) {
    case IrqKind.IRQ_ENTRY: {
      numR = kit.num('irq') ?? NONE_NUM;
      const name = kit.str('name') ?? NONE_STR;
      nameOf = (d, v, r, l) => b.str(name(d, v, r, l));
      break;
    }
    case IrqKind.IRQ_EXIT:
      numR = kit.num('irq') ?? NONE_NUM;
      ret = kit.num('ret');
      break;
    case IrqKind.SOFTIRQ_RAISE:
    case IrqKind.SOFTIRQ_ENTRY:
    case IrqKind.SOFTIRQ_EXIT: {
      numR = kit.num('vec') ?? NONE_NUM;
      // Vector names come from the file's own __print_symbolic table when it has one.
      const arg = kit.argAfter('action=');
      const memo = new Map<number, number>();
      nameOf = (d, v, r, l, n) => {
        let id = memo.get(n);
        if (id === undefined) {
          const s = kit.evalArg(arg, d, v, r, l);
          id = b.str(typeof s === 'string' ? s : (SOFTIRQ_NAMES[n] ?? String(n)));
          memo.set(n, id);
        }
        return id;
      };
      break;
    }
    case IrqKind.IPI_RAISE:
    case IrqKind.IPI_ENTRY:
    case IrqKind.IPI_EXIT: {
      const reason = kit.str('reason');
      nameOf = reason ? (d, v, r, l) => b.str(reason(d, v, r, l)) : () => -1;
      break;
    }
    case IrqKind.VECTOR_ENTRY:
    case IrqKind.VECTOR_EXIT: {
      numR = kit.num('vector') ?? NONE_NUM;
      const id = b.str(vectorName ?? kit.ev.name);
      nameOf = () => id;
      break;
    }
    case IrqKind.NMI: {
      const id = b.str('nmi');
      nameOf = () => id;
      break;
    }
  }
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = t.row();
    const c = t.c;
    c.tsNs[i] = ts;
    c.seq[i] = b.seq();
    c.cpu[i] = cpu;
    c.pid[i] = pid;
    c.flags[i] = flags;
    c.kind[i] = kind;
    c.event[i] = evId;
    const n = numR(view, rec);
    c.num[i] = n;
    c.name[i] = nameOf(data, view, rec, len, n);
    c.ret[i] = ret ? (ret(view, rec) ? 1 : 0) : -1;
  };
}

function hrtimer(kit: EventKit, kind: number): Decoder {
  const { b, little, syms } = kit.ctx;
  const t = b.hrtimer;
  const addr = hiLoReader(kit.field('hrtimer'), little);
  const fn = hiLoReader(kit.field('function'), little);
  const expires = kit.num('expires') ?? NONE_NUM;
  const soft = kit.num('softexpires') ?? NONE_NUM;
  const now = kit.num('now') ?? NONE_NUM;
  const modeF = kit.field('mode');
  const modeR = numReader(modeF, little);
  const modeArg = kit.argAfter('mode=');
  // Addresses repeat: cache their text / symbol per (hi, lo).
  const addrIds = new Map<number, Map<number, number>>();
  // The last (hi, lo) map is kept: timer addresses share their high word.
  let lastHi = -1;
  let lastMap = new Map<number, number>();
  const addrId = (hi: number, lo: number): number => {
    if (hi !== lastHi) {
      let m = addrIds.get(hi);
      if (!m) addrIds.set(hi, (m = new Map()));
      lastHi = hi;
      lastMap = m;
    }
    let id = lastMap.get(lo);
    if (id === undefined) lastMap.set(lo, (id = b.str(hex64(hi, lo))));
    return id;
  };
  const fnIds = new Map<number, Map<number, number>>();
  const fnName = (hi: number, lo: number): number => {
    let m = fnIds.get(hi);
    if (!m) fnIds.set(hi, (m = new Map()));
    let id = m.get(lo);
    if (id === undefined) {
      const a = (BigInt(hi) << 32n) | BigInt(lo);
      const s = syms?.lookup(a);
      id = b.str(s ? s.name : '0x' + a.toString(16));
      m.set(lo, id);
    }
    return id;
  };
  const modeMemo = new Map<number, number>();
  const mode = (d: Uint8Array, v: DataView, r: number, l: number): number => {
    if (!modeR) return -1;
    const raw = modeR(v, r);
    let id = modeMemo.get(raw);
    if (id === undefined) {
      const s = kit.evalArg(modeArg, d, v, r, l);
      id = b.str(typeof s === 'string' ? s : String(raw));
      modeMemo.set(raw, id);
    }
    return id;
  };
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = t.row();
    const c = t.c;
    c.tsNs[i] = ts;
    c.seq[i] = b.seq();
    c.cpu[i] = cpu;
    c.pid[i] = pid;
    c.flags[i] = flags;
    c.kind[i] = kind;
    if (addr) {
      addr(view, rec);
      const hi = HL[0]!;
      const lo = HL[1]!;
      c.hrtimer[i] = addrId(hi, lo);
    } else c.hrtimer[i] = -1;
    if (fn) {
      fn(view, rec);
      const hi = HL[0]!;
      const lo = HL[1]!;
      c.function[i] = fnName(hi, lo);
    } else c.function[i] = -1;
    c.expiresNs[i] = expires(view, rec);
    c.softexpiresNs[i] = soft(view, rec);
    c.nowNs[i] = now(view, rec);
    c.mode[i] = mode(data, view, rec, len);
  };
}

function kvm(kit: EventKit, kind: number): Decoder {
  const { b, little } = kit.ctx;
  const t = b.kvm;
  const vcpu = numReader(kit.field('vcpu_id', 'vcpu'), little) ?? NONE_NUM;
  const vector = numReader(kit.field('vec', 'vector', 'irq'), little) ?? NONE_NUM;
  const target = numReader(kit.field('apicid', 'dest_id', 'gsi', 'dst'), little) ?? NONE_NUM;
  let value: NumReader = NONE_NUM;
  let value2: NumReader = NONE_NUM;
  let reason: ((detail: string, v: DataView, r: number) => number) | null = null;
  const firstWord = (re: RegExp) => (detail: string) => {
    const m = re.exec(detail);
    return m ? b.str(m[1]!) : -1;
  };
  switch (kind) {
    case KvmKind.EXIT: {
      const f = firstWord(/reason (\S+)/);
      reason = (d) => f(d);
      break;
    }
    case KvmKind.INJ_VIRQ:
    case KvmKind.USERSPACE_EXIT: {
      const f = kind === KvmKind.INJ_VIRQ ? firstWord(/^(\S+)/) : firstWord(/^reason (\S+)/);
      reason = (d) => f(d);
      break;
    }
    case KvmKind.VCPU_WAKEUP: {
      value = kit.num('ns') ?? NONE_NUM;
      const waited = kit.num('waited');
      const valid = kit.num('valid');
      value2 = (v, r) => (waited && waited(v, r) ? 1 : 0) | (valid && valid(v, r) ? 2 : 0);
      break;
    }
    case KvmKind.HALT_POLL_NS:
      value = kit.num('new') ?? NONE_NUM;
      break;
    case KvmKind.HYPERCALL:
      value = kit.num('nr') ?? NONE_NUM;
      break;
    case KvmKind.WAIT_LAPIC_EXPIRE:
      value = kit.num('delta') ?? NONE_NUM;
      break;
    case KvmKind.MSR: {
      value = kit.num('ecx') ?? kit.num('index') ?? NONE_NUM;
      const data = kit.num('data');
      value2 = data ? (v, r) => { const x = data(v, r); return x >= 0 && x < 2 ** 53 ? x : -1; } : NONE_NUM;
      const write = kit.num('write');
      const w = b.str('write');
      const rd = b.str('read');
      reason = (_d, v, r) => (write ? (write(v, r) ? w : rd) : -1);
      break;
    }
  }
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = t.row();
    const c = t.c;
    c.tsNs[i] = ts;
    c.seq[i] = b.seq();
    c.cpu[i] = cpu;
    c.pid[i] = pid;
    c.flags[i] = flags;
    c.kind[i] = kind;
    const detail = kit.render(data, view, rec, len);
    c.vcpuId[i] = vcpu(view, rec);
    c.reason[i] = reason ? reason(detail, view, rec) : -1;
    c.vector[i] = vector(view, rec);
    c.target[i] = target(view, rec);
    c.value[i] = value(view, rec);
    c.value2[i] = value2(view, rec);
    c.detail[i] = detail;
  };
}

function markers(kit: EventKit, kind: number): Decoder {
  const { b, little, syms, printk, kernelLong } = kit.ctx;
  const t = b.markers;
  const ip = hiLoReader(kit.field('ip'), little);
  const buf = kit.str('buf');
  const fmtAddr = hiLoReader(kit.field('fmt'), little);
  const strAddr = hiLoReader(kit.field('str'), little);
  const bufField = kit.field('buf');
  const env = kit.env;
  const ipIds = new Map<string, number>();
  const ipName = (hi: number, lo: number): number => {
    const k = hi + ':' + lo;
    let id = ipIds.get(k);
    if (id === undefined) {
      const a = (BigInt(hi) << 32n) | BigInt(lo);
      const s = syms?.lookup(a);
      id = b.str(s ? s.name : '0x' + a.toString(16));
      ipIds.set(k, id);
    }
    return id;
  };
  const printkText = (hi: number, lo: number): string | null => printk.get((BigInt(hi) << 32n) | BigInt(lo)) ?? null;
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = t.row();
    const c = t.c;
    c.tsNs[i] = ts;
    c.seq[i] = b.seq();
    c.cpu[i] = cpu;
    c.pid[i] = pid;
    c.flags[i] = flags;
    c.kind[i] = kind;
    if (ip) {
      ip(view, rec);
      const hi = HL[0]!;
      const lo = HL[1]!;
      c.ip[i] = ipName(hi, lo);
    } else c.ip[i] = -1;
    let text: string;
    if (kind === MarkerKind.BPRINT && fmtAddr && bufField) {
      fmtAddr(view, rec);
      const hi = HL[0]!;
      const lo = HL[1]!;
      const fmt = printkText(hi, lo);
      const start = rec + bufField.offset;
      text = fmt === null ? `[unknown printk format ${hex64(hi, lo)}]` : bprintf(fmt, data, view, start, rec + len, little, kernelLong, env);
    } else if (kind === MarkerKind.BPUTS && strAddr) {
      strAddr(view, rec);
      const hi = HL[0]!;
      const lo = HL[1]!;
      text = printkText(hi, lo) ?? `[unknown string ${hex64(hi, lo)}]`;
    } else if (buf) {
      text = buf(data, view, rec, len);
    } else {
      text = kit.render(data, view, rec, len);
    }
    c.text[i] = text.endsWith('\n') ? text.slice(0, -1) : text;
  };
}

function generic(kit: EventKit): Decoder {
  const { b, little } = kit.ctx;
  const t = b.generic;
  const evId = kit.nameId;
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = t.row();
    const c = t.c;
    c.tsNs[i] = ts;
    c.seq[i] = b.seq();
    c.cpu[i] = cpu;
    c.pid[i] = pid;
    c.flags[i] = flags;
    c.event[i] = evId;
    c.fields[i] = kit.raw(recordRef(data, view, rec, len, little));
  };
}

/**
 * trace_printk's binary form: the format lives in printk_formats, the arguments are packed in
 * `buf` as vbin_printf stored them (ints aligned to their size, 8-byte values to 4, strings inline).
 */
export function bprintf(fmt: string, data: Uint8Array, view: DataView, start: number, end: number, little: boolean, kernelLong: number, env: EvalEnv): string {
  const values: Value[] = [];
  let p = start;
  const align = (n: number) => {
    p = start + (((p - start + n - 1) / n) | 0) * n;
  };
  const readN = (size: number, signed: boolean): bigint => {
    align(Math.min(size, 4));
    if (p + size > end) {
      p = end;
      return 0n;
    }
    let v: bigint;
    if (size === 8) v = signed ? view.getBigInt64(p, little) : view.getBigUint64(p, little);
    else if (size === 4) v = BigInt(signed ? view.getInt32(p, little) : view.getUint32(p, little));
    else if (size === 2) v = BigInt(signed ? view.getInt16(p, little) : view.getUint16(p, little));
    else v = BigInt(signed ? view.getInt8(p) : view.getUint8(p));
    p += size;
    return v;
  };
  for (const part of splitFormat(fmt)) {
    if (typeof part === 'string') continue;
    if (part.star) values.push(readN(4, true));
    if (part.conv === 's') {
      const s = asciiZ(data, p, end);
      let q = p;
      while (q < end && data[q] !== 0) q++;
      p = Math.min(q + 1, end);
      values.push(s);
      continue;
    }
    let size = 4;
    if (part.conv === 'p' || part.len === 'l' || part.len === 'z' || part.len === 't') size = kernelLong;
    else if (part.len === 'll' || part.len === 'L' || part.len === 'q' || part.len === 'j') size = 8;
    else if (part.len === 'hh' || part.conv === 'c') size = 1;
    else if (part.len === 'h') size = 2;
    values.push(readN(size, part.conv === 'd' || part.conv === 'i'));
  }
  return sprintf(fmt, values, env);
}
