// Position-based scanning over one decoded chunk string. Parsers never slice a line into
// pieces: they walk char codes between [start, end) and only cut out the strings they keep.
// Functions that read a number leave the position after it in `scan.pos`.

export const scan = { pos: 0 };

export const SP = 32;
const D0 = 48;
const D9 = 57;

export function isDigit(c: number): boolean {
  return c >= D0 && c <= D9;
}

export function skipSpaces(s: string, p: number, e: number): number {
  while (p < e) {
    const c = s.charCodeAt(p);
    if (c !== SP && c !== 9) break;
    p++;
  }
  return p;
}

/** Signed decimal integer at p; NaN when there is no digit. */
export function intAt(s: string, p: number, e: number): number {
  let neg = false;
  if (p < e && s.charCodeAt(p) === 45 /* - */) {
    neg = true;
    p++;
  }
  const start = p;
  let v = 0;
  while (p < e) {
    const c = s.charCodeAt(p);
    if (c < D0 || c > D9) break;
    v = v * 10 + (c - D0);
    p++;
  }
  scan.pos = p;
  if (p === start) return NaN;
  return neg ? -v : v;
}

function hexDigit(c: number): number {
  if (c >= D0 && c <= D9) return c - D0;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Hex integer at p, with or without a 0x prefix; NaN when there is no digit. */
export function hexAt(s: string, p: number, e: number): number {
  if (p + 1 < e && s.charCodeAt(p) === D0 && (s.charCodeAt(p + 1) | 32) === 120) p += 2;
  const start = p;
  let v = 0;
  while (p < e) {
    const d = hexDigit(s.charCodeAt(p));
    if (d < 0) break;
    v = v * 16 + d;
    p++;
  }
  scan.pos = p;
  return p === start ? NaN : v;
}

/** `0x..` hex or decimal, whichever is printed. */
export function numAt(s: string, p: number, e: number): number {
  if (p + 1 < e && s.charCodeAt(p) === D0 && (s.charCodeAt(p + 1) | 32) === 120) return hexAt(s, p, e);
  return intAt(s, p, e);
}

/**
 * True when `sub` occurs in s at p. A char loop instead of startsWith: the builtin call costs
 * more than comparing the few characters of a key or comm, and this one inlines.
 */
export function sameAt(s: string, p: number, sub: string): boolean {
  const n = sub.length;
  if (p + n > s.length) return false;
  for (let k = 0; k < n; k++) if (s.charCodeAt(p + k) !== sub.charCodeAt(k)) return false;
  return true;
}

/** Index of `sub` in [from, e), or -1. Parsers run on a whole decoded chunk: a native indexOf
 * would scan past the line (to the chunk end when the text is absent). */
export function find(s: string, sub: string, from: number, e: number): number {
  const c0 = sub.charCodeAt(0);
  const n = sub.length;
  const last = e - n;
  for (let i = from; i <= last; i++) {
    if (s.charCodeAt(i) === c0 && (n === 1 || sameAt(s, i, sub))) return i;
  }
  return -1;
}

/** Last index <= from where `sub` starts, not before a; -1 if none. */
export function rfind(s: string, sub: string, from: number, a: number): number {
  const c0 = sub.charCodeAt(0);
  const n = sub.length;
  for (let i = from; i >= a; i--) {
    if (s.charCodeAt(i) === c0 && (n === 1 || sameAt(s, i, sub))) return i;
  }
  return -1;
}

/**
 * Index just after `key` (which should end with '=' or ' ') where it starts a token in
 * [from, e): at `from` itself or after a space. -1 when absent.
 */
export function keyAt(s: string, key: string, from: number, e: number): number {
  const c0 = key.charCodeAt(0);
  const last = e - key.length;
  for (let i = from; i <= last; i++) {
    if (s.charCodeAt(i) === c0 && (i === from || s.charCodeAt(i - 1) === SP) && sameAt(s, i, key)) return i + key.length;
  }
  return -1;
}

/** Integer value of `key` (e.g. 'pid='), or `dflt` when the key is missing or not a number. */
export function intKey(s: string, key: string, from: number, e: number, dflt = -1): number {
  const p = keyAt(s, key, from, e);
  if (p < 0) return dflt;
  const v = intAt(s, p, e);
  return Number.isNaN(v) ? dflt : v;
}

/** End of the token at p (next space or e). */
export function tokenEnd(s: string, p: number, e: number): number {
  while (p < e && s.charCodeAt(p) !== SP) p++;
  return p;
}

/** Trim trailing spaces/tabs/CR of [a, e): returns the new end. */
export function trimEnd(s: string, a: number, e: number): number {
  while (e > a) {
    const c = s.charCodeAt(e - 1);
    if (c !== SP && c !== 9 && c !== 13) break;
    e--;
  }
  return e;
}

/** Parse "sec.frac" (any number of fraction digits) at p as integer ns; NaN if malformed. Sets scan.pos. */
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

export function secondsToNsAt(s: string, p: number, e: number): number {
  let sec = 0;
  const a = p;
  while (p < e) {
    const c = s.charCodeAt(p);
    if (c < D0 || c > D9) break;
    sec = sec * 10 + (c - D0);
    p++;
  }
  if (p === a) {
    scan.pos = p;
    return NaN;
  }
  let frac = 0;
  let digits = 0;
  if (p < e && s.charCodeAt(p) === 46) {
    p++;
    while (p < e) {
      const c = s.charCodeAt(p);
      if (c < D0 || c > D9) break;
      // digits beyond ns resolution are dropped
      if (digits < 9) {
        frac = frac * 10 + (c - D0);
        digits++;
      }
      p++;
    }
  }
  const ns = frac * POW10[9 - digits]!;
  scan.pos = p;
  return sec * 1e9 + ns;
}

/** -1 for NaN: unknown numbers are -1 in every table. */
export function orNeg(v: number): number {
  return Number.isNaN(v) ? -1 : v;
}

/**
 * A copy of `str` that does not keep the string it was cut from alive. Slices of a decoded 1 MB
 * chunk are views into it (V8 SlicedString): storing one would pin the whole chunk, so memory
 * would grow with the file instead of the tables. Concatenation forces a flat copy.
 */
export function detach(str: string): string {
  return str.length < 13 ? str : (str + ' ').slice(0, -1);
}
