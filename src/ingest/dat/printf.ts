import type { EvalEnv, Value } from './printFmt.js';

// printf for print-fmt and trace_printk formats, as libtraceevent renders the conversions the
// kernel uses (%d %u %x %s %c %p with %ps/%pS symbols, length modifiers, width, precision).

const num = (v: Value): bigint => (typeof v === 'bigint' ? v : 0n);

export interface Conv {
  raw: string;
  flags: string;
  width: number | null;
  star: boolean;
  prec: number | null;
  len: string;
  conv: string;
  /** %p extension letters (s, S, f, F, x, ...). */
  pext: string;
  /** The format has a literal "0x" right before this conversion. */
  hexPrefix: boolean;
}

const CONV_RE = /%([-+ #0]*)(\*|\d+)?(?:\.(\d+))?(hh|h|ll|l|L|z|j|t|q)?([diouxXcspn%])/y;

/** Split a printf format into literal text and conversions. Cached per format string. */
const splitCache = new Map<string, Array<string | Conv>>();
export function splitFormat(fmt: string): Array<string | Conv> {
  const hit = splitCache.get(fmt);
  if (hit) return hit;
  const out: Array<string | Conv> = [];
  let lit = '';
  let i = 0;
  while (i < fmt.length) {
    const ch = fmt[i]!;
    if (ch !== '%') {
      lit += ch;
      i++;
      continue;
    }
    CONV_RE.lastIndex = i;
    const m = CONV_RE.exec(fmt);
    if (!m) {
      lit += ch;
      i++;
      continue;
    }
    if (m[5] === '%') {
      lit += '%';
      i += m[0].length;
      continue;
    }
    let end = i + m[0].length;
    let pext = '';
    if (m[5] === 'p') {
      const pm = /^[a-zA-Z]+/.exec(fmt.slice(end));
      // Only the kernel's symbol/hex extensions; a plain word after %p is literal text.
      if (pm && /^[sSfFBxK]/.test(pm[0])) {
        pext = pm[0][0]!;
        end += 1;
      }
    }
    const hexPrefix = lit.endsWith('0x');
    if (lit) out.push(lit);
    lit = '';
    out.push({
      raw: fmt.slice(i, end),
      flags: m[1] ?? '',
      width: m[2] && m[2] !== '*' ? Number(m[2]) : null,
      star: m[2] === '*',
      prec: m[3] !== undefined ? Number(m[3]) : null,
      len: m[4] ?? '',
      conv: m[5]!,
      pext,
      hexPrefix,
    });
    i = end;
  }
  if (lit) out.push(lit);
  if (splitCache.size < 10000) splitCache.set(fmt, out);
  return out;
}

function pad(s: string, c: Conv, width: number | null, numeric: boolean): string {
  if (width === null || s.length >= width) return s;
  if (c.flags.includes('-')) return s.padEnd(width);
  if (numeric && c.flags.includes('0') && c.prec === null) {
    const neg = s.startsWith('-') || s.startsWith('+') || s.startsWith(' ');
    const pfx = neg ? s[0]! : s.startsWith('0x') || s.startsWith('0X') ? s.slice(0, 2) : '';
    return pfx + s.slice(pfx.length).padStart(width - pfx.length, '0');
  }
  return s.padStart(width);
}

function intBits(c: Conv, kernelLong: number): number {
  switch (c.len) {
    case 'hh': return 8;
    case 'h': return 16;
    case 'l': case 'z': case 't': return kernelLong * 8;
    case 'll': case 'L': case 'q': case 'j': return 64;
    default: return 32;
  }
}

/** Render one conversion (libtraceevent-compatible for the conversions the kernel uses). */
export function formatOne(c: Conv, v: Value, env: EvalEnv, width: number | null = c.width): string {
  let s: string;
  switch (c.conv) {
    case 's':
      s = typeof v === 'string' ? v : v.toString();
      if (c.prec !== null) s = s.slice(0, c.prec);
      return pad(s, c, width, false);
    case 'c':
      return pad(typeof v === 'string' ? v.slice(0, 1) : String.fromCharCode(Number(BigInt.asUintN(8, v))), c, width, false);
    case 'p': {
      const n = BigInt.asUintN(env.kernelLong * 8, typeof v === 'bigint' ? v : 0n);
      if ((c.pext === 's' || c.pext === 'f' || c.pext === 'S' || c.pext === 'F' || c.pext === 'B') && env.syms) {
        const sym = env.syms.lookup(n);
        if (sym) {
          s = c.pext === 's' || c.pext === 'f' || sym.off === 0n ? sym.name : `${sym.name}+0x${sym.off.toString(16)}`;
          return pad(s, c, width, false);
        }
      }
      return pad(c.pext === 'x' ? n.toString(16) : '0x' + n.toString(16), c, width, false);
    }
    default: {
      if (typeof v === 'string') return pad(v, c, width, false);
      const bits = intBits(c, env.kernelLong);
      const signedConv = c.conv === 'd' || c.conv === 'i';
      const n = signedConv ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
      if (c.conv === 'x' || c.conv === 'X') {
        s = n.toString(16);
        if (c.conv === 'X') s = s.toUpperCase();
      } else if (c.conv === 'o') s = n.toString(8);
      else s = n.toString();
      if (c.prec !== null && s.replace('-', '').length < c.prec) {
        const neg = s.startsWith('-');
        s = (neg ? '-' : '') + s.replace('-', '').padStart(c.prec, '0');
      }
      if (c.flags.includes('#') && n !== 0n && (c.conv === 'x' || c.conv === 'X')) s = (c.conv === 'x' ? '0x' : '0X') + s;
      if (signedConv && n >= 0n) {
        if (c.flags.includes('+')) s = '+' + s;
        else if (c.flags.includes(' ')) s = ' ' + s;
      }
      return pad(s, c, width, true);
    }
  }
}

/** printf(fmt, ...args) over already-evaluated values. */
export function sprintf(fmt: string, values: Value[], env: EvalEnv): string {
  let out = '';
  let ai = 0;
  for (const part of splitFormat(fmt)) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    let width = part.width;
    if (part.star) width = Number(num(values[ai++] ?? 0n));
    const v = values[ai++];
    out += v === undefined ? '' : formatOne(part, v, env, width);
  }
  return out;
}
