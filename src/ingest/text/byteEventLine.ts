import { Flags, parseFlagsText } from '../../tables/index.js';
import { line } from './eventLine.js';
import { sameBytes, viewOf } from './byteView.js';

// eventLine.ts's scanEventLine on raw bytes, in two halves (scanHeadB up to the `]`, scanRestB
// after it, so a remembered head can skip the first): the same checks in the same order, so a
// line scans here exactly when it scans there, with the same fields (positions are byte offsets).
// Results go to the shared `line` object. Latency-format lines are not handled here: the caller
// falls back to the string path for every line this rejects.

const SP = 32;

const FLAG_SLOTS = 256;
const flagKey = new Uint8Array(FLAG_SLOTS * 8);
const flagLen = new Int8Array(FLAG_SLOTS).fill(-1);
const flagValue = new Int32Array(FLAG_SLOTS);

/** Flags token at [a, a+n) (n <= 8, ASCII) to Flags via a small direct-mapped cache. */
function flagsAtB(b: Uint8Array, a: number, n: number): number {
  let h = n;
  for (let k = 0; k < n; k++) h = (Math.imul(h, 31) + b[a + k]!) | 0;
  const slot = (h ^ (h >>> 8)) & (FLAG_SLOTS - 1);
  const base = slot * 8;
  if (flagLen[slot] === n) {
    let k = 0;
    while (k < n && flagKey[base + k] === b[a + k]) k++;
    if (k === n) return flagValue[slot]!;
  }
  let str = '';
  for (let k = 0; k < n; k++) {
    flagKey[base + k] = b[a + k]!;
    str += String.fromCharCode(b[a + k]!);
  }
  flagLen[slot] = n;
  return (flagValue[slot] = parseFlagsText(str));
}

/** Flag tokens of up to 7 bytes by packed key (see scanRestB); a key is never 0 (tokens are >= 4 bytes). */
const flagKeys = new Float64Array(64);
const flagVals = new Int32Array(64);

// Character classes, as in eventLine.ts; bytes >= 128 (UTF-8 parts) are in neither class, as
// the non-ASCII characters they decode to are not.
const FLAG_CHAR = new Uint8Array(256); // [A-Za-z0-9.]
const NAME_CHAR = new Uint8Array(256); // [\w.-]
for (let c = 0; c < 128; c++) {
  const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  FLAG_CHAR[c] = alnum || c === 46 ? 1 : 0;
  NAME_CHAR[c] = alnum || c === 95 || c === 46 || c === 45 ? 1 : 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `-<pid> [(<tgid>)] ` ending right before the `[` at i; false when the bracket is not the CPU column. */
function tailBeforeB(b: Uint8Array, a: number, i: number): boolean {
  let k = i - 1;
  if (k < a || b[k] !== SP) return false;
  while (k > a && b[k] === SP) k--;
  line.tgid = -1;
  if (b[k] === 41 /* ) */) {
    // eventLine.ts looks back 12 characters for '('; 12 bytes can hold fewer characters, but the
    // text between the parentheses must be ASCII to scan, so both find the same '(' or fail.
    const lo = k - 12 > a ? k - 12 : a;
    let lp = k;
    while (lp >= lo && b[lp] !== 40) lp--;
    if (lp < lo) return false;
    let p = lp + 1;
    while (p < k && (b[p] === SP || b[p] === 9)) p++;
    if (b[p] === 45 /* - */) {
      while (p < k && b[p] === 45) p++;
      if (p !== k) return false;
    } else {
      let v = 0;
      const d0 = p;
      while (p < k && isDigit(b[p]!)) v = v * 10 + b[p++]! - 48;
      if (p === d0 || p !== k || p - d0 > 10) return false;
      line.tgid = v;
    }
    k = lp - 1;
    if (k < a || b[k] !== SP) return false;
    while (k > a && b[k] === SP) k--;
  }
  const end = k + 1;
  while (k >= a && isDigit(b[k]!)) k--;
  if (k === end - 1 || end - k > 11 || k < a || b[k] !== 45 /* - */) return false;
  let pid = 0;
  for (let p = k + 1; p < end; p++) pid = pid * 10 + b[p]! - 48;
  line.pid = pid;
  line.commEnd = k;
  let cs = a;
  while (cs < k && (b[cs] === SP || b[cs] === 9)) cs++;
  line.commStart = cs;
  return true;
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/**
 * Scan the line's head in bytes [a, e): comm-pid, optional TGID column and `[cpu]`. Returns the
 * index of the `]` (fields in `line`) or -1. Reads only bytes a..`]`, so a line whose bytes up to
 * there equal an earlier line's has the same head (see HeadMemo).
 */
export function scanHeadB(b: Uint8Array, a: number, e: number): number {
  let i = a;
  while (i < e && b[i] !== 91 /* [ */) i++;
  for (;;) {
    if (i >= e) return -1;
    let j = i + 1;
    let cpu = 0;
    while (j < e && isDigit(b[j]!)) cpu = cpu * 10 + b[j++]! - 48;
    if (j > i + 1 && j - i <= 6 && b[j] === 93 /* ] */ && tailBeforeB(b, a, i)) {
      line.cpu = cpu;
      return j;
    }
    i++;
    while (i < e && b[i] !== 91) i++;
  }
}

/** The rest of the line after the `]` at p - 1: flags, timestamp, event name, payload start. */
export function scanRestB(b: Uint8Array, p: number, e: number): boolean {
  line.flags = Flags.UNKNOWN;
  // trace-cmd -R (3.3+) glues raw flags to the bracket: `[001]-0x1`
  if (b[p] === 45 && b[p + 1] === 48 && b[p + 2] === 120) {
    p += 3;
    while (p < e && b[p] !== SP) p++;
  }
  while (p < e && (b[p] === SP || b[p] === 9)) p++;
  if (!isDigit(b[p]!)) {
    const f0 = p;
    // The token's bytes packed into one number while it is scanned (7 bits each: exact up to 7
    // bytes), the key of a tiny cache: most lines repeat one of a few flag tokens.
    let key = 0;
    let h = 0;
    for (; p < e; p++) {
      const c = b[p]!;
      if (FLAG_CHAR[c] !== 1) break;
      key = key * 128 + c;
      h = (h * 7 + c) | 0;
    }
    const n = p - f0;
    if (n < 4 || n > 8 || b[p] !== SP) return false;
    if (n <= 7) {
      const slot = (h ^ (h >>> 6)) & 63;
      if (flagKeys[slot] === key) line.flags = flagVals[slot]!;
      else {
        line.flags = flagVals[slot] = flagsAtB(b, f0, n);
        flagKeys[slot] = key;
      }
    } else line.flags = flagsAtB(b, f0, n);
    while (p < e && (b[p] === SP || b[p] === 9)) p++;
  }
  const t0 = p;
  let dots = 0;
  let sec = 0;
  let secDigits = 0;
  let frac = 0;
  let fracDigits = 0;
  // Usual `sec.frac`: digits, one dot, digits, read without the general loop's bookkeeping. A
  // second dot sends the token back through the general loop from its start (same result).
  while (p < e && b[p]! >= 48 && b[p]! <= 57) sec = sec * 10 + (b[p++]! - 48);
  secDigits = p - t0;
  if (p < e && b[p] === 46) {
    dots = 1;
    const f0 = ++p;
    while (p < e && b[p]! >= 48 && b[p]! <= 57) {
      if (p - f0 < 9) frac = frac * 10 + (b[p]! - 48);
      p++;
    }
    fracDigits = p - f0 < 9 ? p - f0 : 9;
  }
  if (p < e && b[p] === 46) {
    p = t0;
    dots = sec = secDigits = frac = fracDigits = 0;
  }
  while (p < e) {
    const c = b[p]!;
    if (c === 46) dots++;
    else if (c >= 48 && c <= 57) {
      if (dots === 0) {
        sec = sec * 10 + (c - 48);
        secDigits++;
      } else if (dots === 1 && fracDigits < 9) {
        frac = frac * 10 + (c - 48);
        fracDigits++;
      }
    } else break;
    p++;
  }
  if (p === t0 || p - t0 > 24 || b[p] !== 58 /* : */) return false;
  line.rawCounter = dots === 0;
  if (dots) {
    if (dots > 1 || secDigits === 0) return false;
    line.ts = sec * 1e9 + frac * POW10[9 - fracDigits]!;
    if (!(line.ts <= Number.MAX_SAFE_INTEGER)) return false;
  } else {
    if (sec > Number.MAX_SAFE_INTEGER) return false;
    line.ts = sec;
  }
  p++;
  while (p < e && (b[p] === SP || b[p] === 9)) p++;
  // trace-cmd --ts-diff: `(+12)`
  if (b[p] === 40 && b[p + 1] === 43) {
    let rp = p;
    while (rp < e && b[rp] !== 41) rp++;
    if (rp >= e) return false;
    p = rp + 1;
    while (p < e && (b[p] === SP || b[p] === 9)) p++;
  }
  const n0 = p;
  while (p < e && NAME_CHAR[b[p]!] === 1) p++;
  if (p === n0) return false;
  line.evStart = n0;
  line.evEnd = p;
  const sep = b[p];
  if (sep === 58 /* : */) {
    p++;
    while (p < e && (b[p] === SP || b[p] === 9)) p++;
    line.payStart = p;
  } else if (sep === 40 /* ( */ || sep === SP || p === e) line.payStart = p;
  else return false;
  return true;
}

/** Longest head (line start through the `]`) a HeadMemo keeps. */
const MEMO_BYTES = 128;

/**
 * The head of the last line scanned, from the line's first byte (leading spaces included)
 * through the `]`: consecutive lines of one task on one CPU repeat it byte for byte, so a
 * compare replaces the scan. `commId` is the interned comm of that head (-2 = not yet).
 */
export class HeadMemo {
  private readonly bytes = new Uint8Array(MEMO_BYTES);
  private readonly view = new DataView(this.bytes.buffer);
  /** Head length through the `]`; 0 = empty. */
  len = 0;
  cpu = 0;
  pid = 0;
  tgid = -1;
  commStart = 0;
  commEnd = 0;
  commId = -2;

  /** True (fields restored into `line`) when the line at a starts with the remembered head and it ends before e. */
  restore(b: Uint8Array, bv: DataView, a: number, e: number): boolean {
    const n = this.len;
    if (n === 0 || a + n > e || !sameBytes(b, bv, a, this.bytes, this.view, 0, n)) return false;
    line.cpu = this.cpu;
    line.pid = this.pid;
    line.tgid = this.tgid;
    line.commStart = a + this.commStart;
    line.commEnd = a + this.commEnd;
    return true;
  }

  /** Remember the head b[a..j] just scanned (fields in `line`). */
  keep(b: Uint8Array, a: number, j: number): void {
    const n = j + 1 - a;
    if (n > MEMO_BYTES) {
      this.len = 0;
      return;
    }
    const m = this.bytes;
    const mv = this.view;
    const bv = viewOf(b);
    let k = 0;
    for (; k + 4 <= n; k += 4) mv.setUint32(k, bv.getUint32(a + k, true), true);
    for (; k < n; k++) m[k] = b[a + k]!;
    this.len = n;
    this.cpu = line.cpu;
    this.pid = line.pid;
    this.tgid = line.tgid;
    this.commStart = line.commStart - a;
    this.commEnd = line.commEnd - a;
    this.commId = -2;
  }
}
