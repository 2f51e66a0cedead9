import type { EventFormat, FieldDef } from './formatFile.js';
import type { Kallsyms } from './kallsyms.js';
import { splitFormat, sprintf } from './printf.js';

// The `print fmt:` line of a format file: a C format string and C argument expressions over
// REC->field. Parsed once per event type into a small AST, evaluated per record only where a
// text rendering is needed (kvm detail, generic payloads, bprint), and used to decode
// symbol tables (__print_flags / __print_symbolic) for typed columns.

export type Value = bigint | string;

export type Expr =
  | { k: 'num'; v: bigint }
  | { k: 'str'; v: string }
  | { k: 'field'; f: FieldDef }
  | { k: 'un'; op: string; a: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'tern'; c: Expr; a: Expr; b: Expr }
  | { k: 'cast'; bytes: number; signed: boolean; a: Expr }
  | { k: 'flags'; val: Expr; delim: string; table: Array<[bigint, string]> }
  | { k: 'sym'; val: Expr; table: Array<[bigint, string]> }
  | { k: 'call'; fn: string; args: Expr[] };

/** A record being evaluated: its bytes, and where its data (common_type) starts. */
export interface RecordRef {
  bytes: Uint8Array;
  view: DataView;
  start: number;
  len: number;
  little: boolean;
}

export interface EvalEnv {
  kernelLong: number;
  syms: Kallsyms | null;
}

export interface ParsedPrintFmt {
  fmt: string;
  args: Expr[];
  /** For each field printed directly by one conversion: that conversion (with a literal 0x before it). */
  fieldSpecs: Map<string, string>;
}

// ---------------- tokenizer ----------------

type Tok = { t: 'id' | 'num' | 'str' | 'op'; v: string };

const OPS = ['->', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '(', ')', '{', '}', '[', ']', ',', '?', ':', '+', '-', '*', '/', '%', '&', '|', '^', '!', '~', '<', '>', '.'];

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '"') {
      let v = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) {
          const e = s[i + 1]!;
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e === '\\' ? '\\' : e === '"' ? '"' : e === '0' ? '\0' : '\\' + e;
          i += 2;
        } else v += s[i++];
      }
      i++;
      // Adjacent literals concatenate, as in C.
      const last = out[out.length - 1];
      if (last && last.t === 'str') last.v += v;
      else out.push({ t: 'str', v });
      continue;
    }
    if (ch === "'") {
      const m = /^'(\\.|[^'])'/.exec(s.slice(i));
      if (!m) throw new Error(`bad char literal at ${i}`);
      const c = m[1]!.length === 2 ? ({ n: 10, t: 9, '0': 0 } as Record<string, number>)[m[1]![1]!] ?? m[1]!.charCodeAt(1) : m[1]!.charCodeAt(0);
      out.push({ t: 'num', v: String(c) });
      i += m[0].length;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const m = /^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*/.exec(s.slice(i))!;
      out.push({ t: 'num', v: m[1]! });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i))!;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => s.startsWith(o, i));
    if (!op) throw new Error(`unexpected character ${JSON.stringify(ch)} at ${i}`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

// ---------------- parser ----------------

const TYPE_WORDS = new Set([
  'unsigned', 'signed', 'int', 'long', 'short', 'char', 'bool', '_Bool', 'void', 'const', 'volatile', 'struct',
  'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', '__u8', '__u16', '__u32', '__u64', '__s8', '__s16', '__s32', '__s64',
  'size_t', 'ssize_t', 'pid_t', 'gfp_t', 'uint8_t', 'uint16_t', 'uint32_t', 'uint64_t', 'int8_t', 'int16_t', 'int32_t', 'int64_t',
]);

const BINARY_PREC: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8,
  '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

class Parser {
  i = 0;
  constructor(
    readonly toks: Tok[],
    readonly ev: EventFormat,
    readonly kernelLong: number,
  ) {}

  peek(o = 0): Tok | undefined {
    return this.toks[this.i + o];
  }
  next(): Tok {
    const t = this.toks[this.i++];
    if (!t) throw new Error('unexpected end of print fmt');
    return t;
  }
  isOp(v: string, o = 0): boolean {
    const t = this.peek(o);
    return !!t && t.t === 'op' && t.v === v;
  }
  expect(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new Error(`expected "${v}", found "${t.v}"`);
  }

  expr(): Expr {
    const c = this.binary(1);
    if (this.isOp('?')) {
      this.next();
      const a = this.expr();
      this.expect(':');
      const b = this.expr();
      return { k: 'tern', c, a, b };
    }
    return c;
  }

  binary(minPrec: number): Expr {
    let a = this.unary();
    for (;;) {
      const t = this.peek();
      if (!t || t.t !== 'op') return a;
      const p = BINARY_PREC[t.v];
      if (p === undefined || p < minPrec) return a;
      this.next();
      const b = this.binary(p + 1);
      a = { k: 'bin', op: t.v, a, b };
    }
  }

  castType(): { bytes: number; signed: boolean } | null {
    // '(' type-words [*]* ')'
    let j = 1;
    const words: string[] = [];
    let ptr = false;
    for (;;) {
      const t = this.peek(j);
      if (!t) return null;
      if (t.t === 'id' && (TYPE_WORDS.has(t.v) || (words[0] === 'struct' && words.length === 1))) words.push(t.v);
      else if (t.t === 'op' && t.v === '*') ptr = true;
      else if (t.t === 'op' && t.v === ')') break;
      else return null;
      j++;
    }
    if (!words.length) return null;
    this.i += j + 1;
    if (ptr) return { bytes: this.kernelLong, signed: false };
    const w = words.filter((x) => x !== 'const' && x !== 'volatile');
    const signed = !w.includes('unsigned') && !/^(u\d+|__u\d+|uint\d+_t|size_t|bool|_Bool|gfp_t)$/.test(w[w.length - 1] ?? '');
    const longs = w.filter((x) => x === 'long').length;
    let bytes = 4;
    const last = w[w.length - 1] ?? 'int';
    const bits = /(\d+)/.exec(last);
    if (bits && /^(u|s|__u|__s|uint|int)\d+/.test(last)) bytes = Number(bits[1]) / 8;
    else if (longs >= 2) bytes = 8;
    else if (longs === 1 || last === 'size_t' || last === 'ssize_t') bytes = this.kernelLong;
    else if (w.includes('short')) bytes = 2;
    else if (w.includes('char') || last === 'bool' || last === '_Bool') bytes = 1;
    return { bytes, signed };
  }

  unary(): Expr {
    const t = this.peek();
    if (!t) throw new Error('unexpected end of print fmt');
    if (t.t === 'op' && (t.v === '-' || t.v === '!' || t.v === '~' || t.v === '+')) {
      this.next();
      return { k: 'un', op: t.v, a: this.unary() };
    }
    if (t.t === 'op' && t.v === '&') {
      // &REC->field: address-of a field; only meaningful as an argument of helpers.
      this.next();
      return this.unary();
    }
    if (t.t === 'op' && t.v === '(') {
      const cast = this.castType();
      if (cast) return { k: 'cast', ...cast, a: this.unary() };
      this.next();
      const e = this.expr();
      this.expect(')');
      return this.postfix(e);
    }
    return this.postfix(this.primary());
  }

  postfix(e: Expr): Expr {
    while (this.isOp('[')) {
      this.next();
      const idx = this.expr();
      this.expect(']');
      e = { k: 'call', fn: '__index', args: [e, idx] };
    }
    return e;
  }

  primary(): Expr {
    const t = this.next();
    if (t.t === 'num') return { k: 'num', v: BigInt(t.v) };
    if (t.t === 'str') return { k: 'str', v: t.v };
    if (t.t === 'id') {
      if (t.v === 'REC' && this.isOp('->')) {
        this.next();
        const name = this.next().v;
        const f = this.ev.byName.get(name);
        if (!f) throw new Error(`unknown field ${name}`);
        return { k: 'field', f };
      }
      if (this.isOp('(')) {
        this.next();
        if (t.v === '__print_flags' || t.v === '__print_symbolic') {
          const val = this.expr();
          let delim = '';
          if (t.v === '__print_flags') {
            this.expect(',');
            const d = this.next();
            delim = d.t === 'str' ? d.v : '';
          }
          const table: Array<[bigint, string]> = [];
          while (this.isOp(',')) {
            this.next();
            this.expect('{');
            // Enum names the kernel did not substitute (e.g. HRTIMER_MODE_ABS) have no value
            // here; libtraceevent never matches them either, so such entries are dropped.
            let v: bigint | null = null;
            try {
              v = evalConst(this.expr());
            } catch {
              while (!this.isOp(',')) this.next();
            }
            this.expect(',');
            const s = this.next();
            this.expect('}');
            if (v !== null) table.push([v, s.v]);
          }
          this.expect(')');
          return t.v === '__print_flags' ? { k: 'flags', val, delim, table } : { k: 'sym', val, table };
        }
        const args: Expr[] = [];
        if (!this.isOp(')')) {
          args.push(this.expr());
          while (this.isOp(',')) {
            this.next();
            args.push(this.expr());
          }
        }
        this.expect(')');
        if (t.v === 'sizeof') return { k: 'num', v: 8n };
        if (!KNOWN_FNS.has(t.v)) throw new Error(`unsupported helper ${t.v}()`);
        return { k: 'call', fn: t.v, args };
      }
      // Newer kernels write __get_str(name) without REC->.
      const bare = this.ev.byName.get(t.v);
      if (bare) return { k: 'field', f: bare };
      if (t.v === 'true') return { k: 'num', v: 1n };
      if (t.v === 'false') return { k: 'num', v: 0n };
      throw new Error(`unknown identifier ${t.v}`);
    }
    throw new Error(`unexpected "${t.v}"`);
  }
}

const KNOWN_FNS = new Set([
  '__get_str', '__get_rel_str', '__get_dynamic_array', '__get_rel_dynamic_array', '__get_dynamic_array_len',
  '__get_rel_dynamic_array_len', '__print_hex', '__print_hex_str', '__print_array', '__get_bitmask', '__index',
]);

function evalConst(e: Expr): bigint {
  const v = evalExpr(e, null, { kernelLong: 8, syms: null });
  if (typeof v !== 'bigint') throw new Error('table key is not a number');
  return v;
}

/** Parse a print fmt line; throws on anything it does not understand. */
export function parsePrintFmt(text: string, ev: EventFormat, kernelLong: number): ParsedPrintFmt {
  const toks = tokenize(text);
  const first = toks[0];
  if (!first || first.t !== 'str') throw new Error('print fmt does not start with a string');
  const p = new Parser(toks, ev, kernelLong);
  p.i = 1;
  const args: Expr[] = [];
  while (p.isOp(',')) {
    p.next();
    args.push(p.expr());
  }
  if (p.i < toks.length) throw new Error(`trailing tokens after argument ${args.length}`);
  const fieldSpecs = new Map<string, string>();
  let argi = 0;
  for (const spec of splitFormat(first.v)) {
    if (typeof spec === 'string') continue;
    if (spec.star) argi++;
    const a = args[argi++];
    if (a && a.k === 'field' && !fieldSpecs.has(a.f.name)) fieldSpecs.set(a.f.name, (spec.hexPrefix ? '0x' : '') + spec.raw);
  }
  return { fmt: first.v, args, fieldSpecs };
}

// ---------------- evaluation ----------------

function readInt(r: RecordRef, off: number, size: number, signed: boolean): bigint {
  if (off < r.start || off + size > r.start + r.len) return 0n;
  const v = r.view;
  switch (size) {
    case 1:
      return BigInt(signed ? v.getInt8(off) : v.getUint8(off));
    case 2:
      return BigInt(signed ? v.getInt16(off, r.little) : v.getUint16(off, r.little));
    case 4:
      return BigInt(signed ? v.getInt32(off, r.little) : v.getUint32(off, r.little));
    case 8:
      return signed ? v.getBigInt64(off, r.little) : v.getBigUint64(off, r.little);
    default:
      return 0n;
  }
}

/** [start, end) of a field's payload within the record bytes, resolving __data_loc/__rel_loc. */
export function fieldSpan(f: FieldDef, r: RecordRef): [number, number] {
  const at = r.start + f.offset;
  if (f.loc !== 'none') {
    if (at + 4 > r.start + r.len) return [at, at];
    const w = r.view.getUint32(at, r.little);
    const off = w & 0xffff;
    const len = w >>> 16;
    const s = (f.loc === 'rel' ? at + 4 : r.start) + off;
    const e = Math.min(s + len, r.start + r.len);
    return [Math.min(s, e), e];
  }
  if (f.arrayLen === 0) return [at, r.start + r.len];
  return [at, Math.min(at + f.size, r.start + r.len)];
}

export function cString(b: Uint8Array, s: number, e: number): string {
  let end = s;
  while (end < e && b[end] !== 0) end++;
  let ascii = true;
  for (let i = s; i < end; i++) if (b[i]! >= 0x80) ascii = false;
  if (ascii) {
    let out = '';
    for (let i = s; i < end; i++) out += String.fromCharCode(b[i]!);
    return out;
  }
  return new TextDecoder().decode(b.subarray(s, end));
}

export function fieldValue(f: FieldDef, r: RecordRef): Value {
  if (f.isString) {
    const [s, e] = fieldSpan(f, r);
    return cString(r.bytes, s, e);
  }
  if (f.loc !== 'none' || f.arrayLen >= 0) {
    const [s, e] = fieldSpan(f, r);
    return hexBytes(r.bytes, s, e);
  }
  return readInt(r, r.start + f.offset, f.size, f.signed);
}

function hexBytes(b: Uint8Array, s: number, e: number, sep = ''): string {
  const parts: string[] = [];
  for (let i = s; i < e; i++) parts.push(b[i]!.toString(16).padStart(2, '0'));
  return parts.join(sep);
}

const truthy = (v: Value) => (typeof v === 'string' ? v.length > 0 : v !== 0n);
const num = (v: Value): bigint => (typeof v === 'bigint' ? v : 0n);

export function evalExpr(e: Expr, r: RecordRef | null, env: EvalEnv): Value {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'str':
      return e.v;
    case 'field':
      if (!r) throw new Error('field in a constant expression');
      return fieldValue(e.f, r);
    case 'un': {
      const a = num(evalExpr(e.a, r, env));
      return e.op === '-' ? -a : e.op === '!' ? (a === 0n ? 1n : 0n) : e.op === '~' ? ~a : a;
    }
    case 'bin': {
      if (e.op === '&&') return truthy(evalExpr(e.a, r, env)) && truthy(evalExpr(e.b, r, env)) ? 1n : 0n;
      if (e.op === '||') return truthy(evalExpr(e.a, r, env)) || truthy(evalExpr(e.b, r, env)) ? 1n : 0n;
      const a = num(evalExpr(e.a, r, env));
      const b = num(evalExpr(e.b, r, env));
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return b === 0n ? 0n : a / b;
        case '%': return b === 0n ? 0n : a % b;
        case '<<': return BigInt.asUintN(64, a << b);
        case '>>': return a >> b;
        case '&': return a & b;
        case '|': return a | b;
        case '^': return a ^ b;
        case '==': return a === b ? 1n : 0n;
        case '!=': return a !== b ? 1n : 0n;
        case '<': return a < b ? 1n : 0n;
        case '>': return a > b ? 1n : 0n;
        case '<=': return a <= b ? 1n : 0n;
        case '>=': return a >= b ? 1n : 0n;
      }
      return 0n;
    }
    case 'tern':
      return truthy(evalExpr(e.c, r, env)) ? evalExpr(e.a, r, env) : evalExpr(e.b, r, env);
    case 'cast': {
      const v = evalExpr(e.a, r, env);
      if (typeof v === 'string') return v;
      const bits = e.bytes * 8;
      return e.signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
    }
    case 'flags': {
      let v = BigInt.asUintN(64, num(evalExpr(e.val, r, env)));
      let out = '';
      let printed = false;
      for (const [fv0, name] of e.table) {
        const fv = BigInt.asUintN(64, fv0);
        if (v === 0n && fv === 0n) {
          out += name;
          printed = true;
          break;
        }
        if (fv !== 0n && (v & fv) === fv) {
          if (printed) out += e.delim;
          out += name;
          printed = true;
          v &= ~fv;
        }
      }
      if (v !== 0n) out += (printed ? e.delim : '') + '0x' + v.toString(16);
      return out;
    }
    case 'sym': {
      const v = num(evalExpr(e.val, r, env));
      for (const [fv, name] of e.table) if (fv === v || BigInt.asUintN(64, fv) === BigInt.asUintN(64, v)) return name;
      return '0x' + BigInt.asUintN(64, v).toString(16);
    }
    case 'call':
      return evalCall(e.fn, e.args, r, env);
  }
}

function evalCall(fn: string, args: Expr[], r: RecordRef | null, env: EvalEnv): Value {
  const fieldArg = (i: number): FieldDef | null => {
    const a = args[i];
    return a && a.k === 'field' ? a.f : null;
  };
  if (!r) return 0n;
  switch (fn) {
    case '__get_str':
    case '__get_rel_str':
    case '__get_dynamic_array':
    case '__get_rel_dynamic_array': {
      const f = fieldArg(0);
      if (!f) return '';
      const [s, e] = fieldSpan(f, r);
      return cString(r.bytes, s, e);
    }
    case '__get_dynamic_array_len':
    case '__get_rel_dynamic_array_len': {
      const f = fieldArg(0);
      if (!f) return 0n;
      const [s, e] = fieldSpan(f, r);
      return BigInt(e - s);
    }
    case '__print_hex':
    case '__print_hex_str': {
      const f = fieldArg(0);
      if (!f) return '';
      const [s, e] = fieldSpan(f, r);
      const n = Number(num(evalExpr(args[1] ?? { k: 'num', v: BigInt(e - s) }, r, env)));
      return hexBytes(r.bytes, s, Math.min(e, s + n), fn === '__print_hex' ? ' ' : '');
    }
    case '__print_array': {
      const f = fieldArg(0);
      if (!f) return '{}';
      const [s, e] = fieldSpan(f, r);
      const count = Number(num(evalExpr(args[1]!, r, env)));
      const el = Number(num(evalExpr(args[2]!, r, env))) || 1;
      const parts: string[] = [];
      for (let i = 0; i < count && s + (i + 1) * el <= e; i++) parts.push('0x' + readInt(r, s + i * el, el, false).toString(16));
      return '{' + parts.join(',') + '}';
    }
    case '__get_bitmask': {
      const f = fieldArg(0);
      if (!f) return '';
      const [s, e] = fieldSpan(f, r);
      return hexBytes(r.bytes, s, e);
    }
    case '__index': {
      const base = args[0]!;
      const idx = Number(num(evalExpr(args[1]!, r, env)));
      if (base.k === 'field' && base.f.arrayLen >= 0) {
        const f = base.f;
        const el = f.arrayLen > 0 ? f.size / f.arrayLen : 1;
        return readInt(r, r.start + f.offset + idx * el, el, f.signed);
      }
      return 0n;
    }
  }
  return 0n;
}

/** Render a record with its event's print fmt, as `trace-cmd report -N` does. */
export function renderPrintFmt(p: ParsedPrintFmt, r: RecordRef, env: EvalEnv): string {
  const values = p.args.map((a) => evalExpr(a, r, env));
  return sprintf(p.fmt, values, env);
}
