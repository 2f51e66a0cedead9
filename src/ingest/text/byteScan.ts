// scan.ts on raw bytes: the same functions with the same results, over a Uint8Array line range
// instead of a decoded string. Keys and delimiters are ASCII, so a byte offset found here is
// where scan.ts would find the same character; strings are decoded only for ranges kept.
// Functions that read a number leave the position after it in `bscan.pos`.

export const bscan = { pos: 0 };

const SP = 32;
const D0 = 48;
const D9 = 57;

export function skipSpacesB(b: Uint8Array, p: number, e: number): number {
  while (p < e) {
    const c = b[p]!;
    if (c !== SP && c !== 9) break;
    p++;
  }
  return p;
}

/** Signed decimal integer at p; NaN when there is no digit. */
export function intAtB(b: Uint8Array, p: number, e: number): number {
  let neg = false;
  if (p < e && b[p] === 45 /* - */) {
    neg = true;
    p++;
  }
  const start = p;
  let v = 0;
  while (p < e) {
    const c = b[p]!;
    if (c < D0 || c > D9) break;
    v = v * 10 + (c - D0);
    p++;
  }
  bscan.pos = p;
  if (p === start) return NaN;
  return neg ? -v : v;
}

/** True when the ASCII bytes of `key` occur at p, all before e. */
export function sameAtB(b: Uint8Array, p: number, key: Uint8Array): boolean {
  const n = key.length;
  if (p + n > b.length) return false;
  for (let k = 0; k < n; k++) if (b[p + k] !== key[k]) return false;
  return true;
}

/** Index of `key` in [from, e), or -1. */
export function findB(b: Uint8Array, key: Uint8Array, from: number, e: number): number {
  const c0 = key[0]!;
  const n = key.length;
  const last = e - n;
  for (let i = from; i <= last; i++) {
    if (b[i] === c0 && (n === 1 || sameAtB(b, i, key))) return i;
  }
  return -1;
}


/** Last index <= from where `key` starts, not before a; -1 if none. */
export function rfindB(b: Uint8Array, key: Uint8Array, from: number, a: number): number {
  const c0 = key[0]!;
  const n = key.length;
  for (let i = from; i >= a; i--) {
    if (b[i] === c0 && (n === 1 || sameAtB(b, i, key))) return i;
  }
  return -1;
}

/** Index just after `key` where it starts a token in [from, e) (at `from` or after a space); -1 when absent. */
export function keyAtB(b: Uint8Array, key: Uint8Array, from: number, e: number): number {
  const c0 = key[0]!;
  const last = e - key.length;
  for (let i = from; i <= last; i++) {
    if (b[i] === c0 && (i === from || b[i - 1] === SP) && sameAtB(b, i, key)) return i + key.length;
  }
  return -1;
}

/** Integer value of `key`, or `dflt` when the key is missing or not a number. */
export function intKeyB(b: Uint8Array, key: Uint8Array, from: number, e: number, dflt = -1): number {
  const p = keyAtB(b, key, from, e);
  if (p < 0) return dflt;
  const v = intAtB(b, p, e);
  return Number.isNaN(v) ? dflt : v;
}

/** End of the token at p (next space or e). */
export function tokenEndB(b: Uint8Array, p: number, e: number): number {
  while (p < e && b[p] !== SP) p++;
  return p;
}

/** Trim trailing spaces/tabs/CR of [a, e): returns the new end. */
export function trimEndB(b: Uint8Array, a: number, e: number): number {
  while (e > a) {
    const c = b[e - 1]!;
    if (c !== SP && c !== 9 && c !== 13) break;
    e--;
  }
  return e;
}


/** ASCII key as bytes, for the functions above. */
export function k(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
