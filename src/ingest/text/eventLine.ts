import { Flags, parseFlagsText } from '../../tables/index.js';
import { SP, find, isDigit, rfind, sameAt, secondsToNsAt, skipSpaces } from './scan.js';

// Scanner for the common part of an ftrace-style event line (formats.md §1.2, §1.6):
//   <comm>-<pid> [(<tgid>)] [<cpu>][-0xRAW] [<flags>] <ts>: [(+delta)] <event>: <payload>
// Hand-written instead of a regex: it runs once per event and must not allocate.

/** Fields of the last scanned line; one instance, overwritten by every scan. */
export const line = {
  commStart: 0,
  commEnd: 0,
  pid: 0,
  tgid: -1,
  cpu: 0,
  flags: Flags.UNKNOWN as number,
  /** Timestamp as printed: ns for sec.frac, ticks for a raw counter. */
  ts: 0,
  rawCounter: false,
  evStart: 0,
  evEnd: 0,
  evHash: 0,
  payStart: 0,
};

const FLAG_SLOTS = 256;
const flagText: string[] = new Array<string>(FLAG_SLOTS).fill('');
const flagValue = new Int32Array(FLAG_SLOTS);

/** Flags token at [a, a+n) to Flags via a small direct-mapped cache (a trace has few distinct tokens). */
function flagsAt(s: string, a: number, n: number): number {
  let h = n;
  for (let k = 0; k < n; k++) h = (Math.imul(h, 31) + s.charCodeAt(a + k)) | 0;
  const slot = (h ^ (h >>> 8)) & (FLAG_SLOTS - 1);
  const t = flagText[slot]!;
  if (t.length === n && sameAt(s, a, t)) return flagValue[slot]!;
  const str = s.slice(a, a + n);
  flagText[slot] = str;
  return (flagValue[slot] = parseFlagsText(str));
}

// Character classes as lookup tables: one load instead of a chain of range compares per char.
const FLAG_CHAR = new Uint8Array(128); // [A-Za-z0-9.]
const NAME_CHAR = new Uint8Array(128); // [\w.-]
for (let c = 0; c < 128; c++) {
  const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  FLAG_CHAR[c] = alnum || c === 46 ? 1 : 0;
  NAME_CHAR[c] = alnum || c === 95 || c === 46 || c === 45 ? 1 : 0;
}

function isFlagChar(c: number): boolean {
  return c < 128 && FLAG_CHAR[c] === 1;
}

function isNameChar(c: number): boolean {
  return c < 128 && NAME_CHAR[c] === 1;
}

/**
 * Find `-<pid> [(<tgid>)] ` ending right before the `[` at i. Returns false when the bracket is
 * not the CPU column (comms may contain `[`, e.g. `IntentService[E-3866`).
 */
function tailBefore(s: string, a: number, i: number): boolean {
  let k = i - 1;
  if (k < a || s.charCodeAt(k) !== SP) return false;
  while (k > a && s.charCodeAt(k) === SP) k--;
  line.tgid = -1;
  if (s.charCodeAt(k) === 41 /* ) */) {
    const lp = rfind(s, '(', k, k - 12 > a ? k - 12 : a);
    if (lp < 0) return false;
    let p = skipSpaces(s, lp + 1, k);
    if (s.charCodeAt(p) === 45 /* - */) {
      while (p < k && s.charCodeAt(p) === 45) p++;
      if (p !== k) return false;
    } else {
      let v = 0;
      const d0 = p;
      while (p < k && isDigit(s.charCodeAt(p))) v = v * 10 + s.charCodeAt(p++) - 48;
      if (p === d0 || p !== k || p - d0 > 10) return false;
      line.tgid = v;
    }
    k = lp - 1;
    if (k < a || s.charCodeAt(k) !== SP) return false;
    while (k > a && s.charCodeAt(k) === SP) k--;
  }
  const end = k + 1;
  while (k >= a && isDigit(s.charCodeAt(k))) k--;
  // pids are at most 7 digits (pid_max <= 4194304)
  if (k === end - 1 || end - k > 11 || k < a || s.charCodeAt(k) !== 45 /* - */) return false;
  let pid = 0;
  for (let p = k + 1; p < end; p++) pid = pid * 10 + s.charCodeAt(p) - 48;
  line.pid = pid;
  line.commEnd = k;
  line.commStart = skipSpaces(s, a, k);
  return true;
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/** 31^n mod 2^32, to fold the length seed into a hash computed from 0. */
const POW31 = new Int32Array(64);
POW31[0] = 1;
for (let k = 1; k < 64; k++) POW31[k] = Math.imul(POW31[k - 1]!, 31);

// Where the native indexOf last found '[' in the current chunk: lines before it have none, so a
// run of bracket-less lines costs one scan, not one per line.
let bracketStr = '';
let bracketFrom = 0;
let bracketAt = -1;

function firstBracket(s: string, a: number, e: number): number {
  if (s !== bracketStr || a < bracketFrom || (bracketAt >= 0 && a > bracketAt)) {
    bracketStr = s;
    bracketFrom = a;
    bracketAt = s.indexOf('[', a);
  }
  return bracketAt >= 0 && bracketAt < e ? bracketAt : -1;
}

/** Scan an event line in [a, e). True when it has the common layout; fields are in `line`. */
export function scanEventLine(s: string, a: number, e: number): boolean {
  let i = firstBracket(s, a, e);
  let j = 0;
  for (;;) {
    if (i < 0) return false;
    j = i + 1;
    let cpu = 0;
    while (j < e && isDigit(s.charCodeAt(j))) cpu = cpu * 10 + s.charCodeAt(j++) - 48;
    if (j > i + 1 && j - i <= 6 && s.charCodeAt(j) === 93 /* ] */ && tailBefore(s, a, i)) {
      line.cpu = cpu;
      break;
    }
    i = find(s, '[', i + 1, e);
  }
  let p = j + 1;
  line.flags = Flags.UNKNOWN;
  // trace-cmd -R (3.3+) glues raw flags to the bracket: `[001]-0x1`
  if (s.charCodeAt(p) === 45 && s.charCodeAt(p + 1) === 48 && s.charCodeAt(p + 2) === 120) {
    p += 3;
    while (p < e && s.charCodeAt(p) !== SP) p++;
  }
  p = skipSpaces(s, p, e);
  // Flags: 4-8 of [A-Za-z0-9.], first char not a digit, so timestamp digits are never taken.
  const c0 = s.charCodeAt(p);
  if (!isDigit(c0)) {
    const f0 = p;
    while (p < e && isFlagChar(s.charCodeAt(p))) p++;
    const n = p - f0;
    if (n < 4 || n > 8 || s.charCodeAt(p) !== SP) return false;
    line.flags = flagsAt(s, f0, n);
    p = skipSpaces(s, p, e);
  }
  // Timestamp: sec.frac (ns clocks) or an integer (counter clocks), parsed in the same pass that
  // finds its end (same arithmetic as secondsToNsAt: fraction digits past ns are dropped).
  const t0 = p;
  let dots = 0;
  let sec = 0;
  let secDigits = 0;
  let frac = 0;
  let fracDigits = 0;
  while (p < e) {
    const c = s.charCodeAt(p);
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
  // at most 2^53: longer digit runs are not timestamps
  if (p === t0 || p - t0 > 24 || s.charCodeAt(p) !== 58 /* : */) return false;
  line.rawCounter = dots === 0;
  if (dots) {
    if (dots > 1 || secDigits === 0) return false;
    line.ts = sec * 1e9 + frac * POW10[9 - fracDigits]!;
    if (!(line.ts <= Number.MAX_SAFE_INTEGER)) return false;
  } else {
    if (sec > Number.MAX_SAFE_INTEGER) return false;
    line.ts = sec;
  }
  p = skipSpaces(s, p + 1, e);
  // trace-cmd --ts-diff: `(+12)`
  if (s.charCodeAt(p) === 40 && s.charCodeAt(p + 1) === 43) {
    const rp = find(s, ')', p, e);
    if (rp < 0) return false;
    p = skipSpaces(s, rp + 1, e);
  }
  const n0 = p;
  // the intern hash of the name (see MachineState.intern), computed while scanning it
  let h = 0;
  let nc = 0;
  for (; p < e; p++) {
    const c = s.charCodeAt(p);
    if (!isNameChar(c)) break;
    h = (Math.imul(h, 31) + c) | 0;
    nc++;
  }
  if (p === n0) return false;
  line.evHash = (h + Math.imul(nc, POW31[nc & 63]!)) | 0;
  line.evStart = n0;
  line.evEnd = p;
  const sep = s.charCodeAt(p);
  if (sep === 58 /* : */) line.payStart = skipSpaces(s, p + 1, e);
  else if (sep === 40 /* ( */ || sep === SP || p === e) line.payStart = p; // syscall tracer: `sys_read(fd: 3)`, `sys_read -> 0x0`
  else return false;
  return true;
}

// `options/latency-format` and `trace-cmd report -l`: `%8.8s-%-5d %3d<flags> <ts>: <event>: <payload>`
const LATENCY_RE = /^\s*(.{1,8}?)-(\d+)\s+(\d+)([A-Za-z.][A-Za-z0-9.]{3,7})\s+(\d+(?:\.\d+)?):\s+([\w.-]+):\s*/;

/** Fallback for latency-format lines; fills `line` with positions relative to `s`. */
export function scanLatencyLine(s: string, a: number, e: number): boolean {
  const m = LATENCY_RE.exec(s.slice(a, e));
  if (!m) return false;
  line.commStart = a + m[0].indexOf(m[1]!);
  line.commEnd = line.commStart + m[1]!.length;
  line.pid = Number(m[2]);
  line.tgid = -1;
  line.cpu = Number(m[3]);
  line.flags = parseFlagsText(m[4]!);
  const ts = m[5]!;
  line.rawCounter = !ts.includes('.');
  line.ts = line.rawCounter ? Number(ts) : secondsToNsAt(ts, 0, ts.length);
  const evAt = a + m[0].lastIndexOf(m[6]! + ':');
  line.evStart = evAt;
  line.evEnd = evAt + m[6]!.length;
  line.payStart = a + m[0].length;
  return true;
}
