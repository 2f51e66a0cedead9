import type { MachineBuilder } from '../../tables/index.js';
import type { EventFormat, FieldDef } from './formatFile.js';
import { fixedEnd, numReader, strIdReader, strReader, type ByteInterner, type NumReader, type StrIdReader, type StrReader } from './fieldAccess.js';
import { evalExpr, parsePrintFmt, renderPrintFmt, type EvalEnv, type ParsedPrintFmt, type RecordRef, type Value } from './printFmt.js';
import { formatOne, splitFormat } from './printf.js';
import type { Kallsyms } from './kallsyms.js';
import type { ThreadTracker } from './threadTracker.js';

// What every event decoder shares: the decode context, the per-event-type kit (field readers,
// print fmt) and raw `name=value` rendering. One decoder per event type is built from the file's
// format and writes one row into the matching table. Typed fields are read straight from the
// record bytes; print-fmt rendering (BigInt-based) runs only for kvm detail text, markers and
// unparseable cases.

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

export function recordRef(data: Uint8Array, view: DataView, rec: number, len: number, little: boolean): RecordRef {
  return { bytes: data, view, start: rec, len, little };
}

/** Per-type helpers shared by the typed decoders. */
export class EventKit {
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

export const NONE_NUM: NumReader = () => -1;
export const NONE_STR: StrReader = () => '';
export const NONE_ID: StrIdReader = () => -1;
