import type { TableBuilder } from '../../tables/index.js';

// Puts a table builder's rows in (tsNs, seq) order before finish(). Rows arrive as per-CPU
// bundles, i.e. a few long sorted runs: a natural merge sort over those runs is linear-ish.
// finish() then finds the table sorted and only trims it.

/**
 * Permutation that sorts rows by (ts, row index) - row index order is seq order - or null if
 * already sorted. With `cpu`, rows are first grouped by CPU (a counting sort: each CPU's rows are
 * nearly always in order already), so the merge has log2(#CPUs) passes instead of log2(#bundles).
 */
export function timeOrder(ts: Float64Array, n: number, cpu?: Int32Array): Uint32Array | null {
  let sorted = true;
  for (let i = 1; i < n; i++) if (ts[i]! < ts[i - 1]!) { sorted = false; break; }
  if (sorted) return null;
  let a = new Uint32Array(n);
  let bounds: number[] = [0];
  if (cpu) {
    const MAXC = 1026; // cpu -1 .. 1024
    const start = new Int32Array(MAXC + 1);
    for (let i = 0; i < n; i++) start[Math.min(MAXC - 1, cpu[i]! + 1) + 1]!++;
    for (let c = 1; c <= MAXC; c++) start[c]! += start[c - 1]!;
    const fill = start.slice();
    for (let i = 0; i < n; i++) a[fill[Math.min(MAXC - 1, cpu[i]! + 1)]!++] = i;
    for (let c = 0; c < MAXC; c++) {
      const lo = start[c]!;
      const hi = start[c + 1]!;
      if (lo === hi) continue;
      if (lo > 0) bounds.push(lo);
      for (let k = lo + 1; k < hi; k++) if (ts[a[k]!]! < ts[a[k - 1]!]!) bounds.push(k);
    }
  } else {
    for (let i = 0; i < n; i++) a[i] = i;
    for (let i = 1; i < n; i++) if (ts[i]! < ts[i - 1]!) bounds.push(i);
  }
  bounds.push(n);
  let b = new Uint32Array(n);
  // Keys travel with the indices so the merge compares sequentially read values.
  let ka = new Float64Array(n);
  let kb = new Float64Array(n);
  for (let i = 0; i < n; i++) ka[i] = ts[a[i]!]!;
  while (bounds.length > 2) {
    const next: number[] = [0];
    for (let k = 0; k + 1 < bounds.length; k += 2) {
      const lo = bounds[k]!;
      const mid = bounds[k + 1]!;
      const hi = k + 2 < bounds.length ? bounds[k + 2]! : mid;
      let i = lo;
      let j = mid;
      let o = lo;
      while (i < mid && j < hi) {
        // Equal times: the lower row index (earlier seq) first; runs need not be in index order.
        if (ka[j]! < ka[i]! || (ka[j] === ka[i] && a[j]! < a[i]!)) {
          kb[o] = ka[j]!;
          b[o++] = a[j++]!;
        } else {
          kb[o] = ka[i]!;
          b[o++] = a[i++]!;
        }
      }
      while (i < mid) {
        kb[o] = ka[i]!;
        b[o++] = a[i++]!;
      }
      while (j < hi) {
        kb[o] = ka[j]!;
        b[o++] = a[j++]!;
      }
      next.push(hi);
    }
    if (next[next.length - 1] !== n) next.push(n);
    bounds = next;
    const t = a;
    a = b;
    b = t;
    const tk = ka;
    ka = kb;
    kb = tk;
  }
  return a;
}

// Gathers (out[i] = x[perm[i]]): the permutation interleaves a few sequential per-CPU streams,
// so reads stay cache-friendly; measured 4x faster than permuting in place along cycles. One copy
// per array type keeps each loop monomorphic.
function gF64(x: Float64Array, p: Uint32Array, n: number): Float64Array {
  const o = new Float64Array(n);
  for (let i = 0; i < n; i++) o[i] = x[p[i]!]!;
  return o;
}
function gI32(x: Int32Array, p: Uint32Array, n: number): Int32Array {
  const o = new Int32Array(n);
  for (let i = 0; i < n; i++) o[i] = x[p[i]!]!;
  return o;
}
function gU32(x: Uint32Array, p: Uint32Array, n: number): Uint32Array {
  const o = new Uint32Array(n);
  for (let i = 0; i < n; i++) o[i] = x[p[i]!]!;
  return o;
}
function gI16(x: Int16Array, p: Uint32Array, n: number): Int16Array {
  const o = new Int16Array(n);
  for (let i = 0; i < n; i++) o[i] = x[p[i]!]!;
  return o;
}
function gU16(x: Uint16Array, p: Uint32Array, n: number): Uint16Array {
  const o = new Uint16Array(n);
  for (let i = 0; i < n; i++) o[i] = x[p[i]!]!;
  return o;
}
export function gU8(x: Uint8Array, p: Uint32Array, n: number): Uint8Array {
  const o = new Uint8Array(n);
  for (let i = 0; i < n; i++) o[i] = x[p[i]!]!;
  return o;
}
function gStr(x: string[], p: Uint32Array, n: number): string[] {
  const o = new Array<string>(n);
  for (let i = 0; i < n; i++) o[i] = x[p[i]!]!;
  return o;
}

/** Sort the builder's rows in place (columns replaced); returns the permutation applied, or null. */
export function sortBuilderRows(tb: TableBuilder<never>): Uint32Array | null {
  const c = tb.c as unknown as Record<string, unknown>;
  const n = tb.length;
  const perm = timeOrder(c['tsNs'] as Float64Array, n, c['cpu'] as Int32Array | undefined);
  if (!perm) return null;
  // Columns become exactly n long; the builder takes no more rows after this (finish() trims).
  for (const k of Object.keys(c)) {
    const a = c[k];
    if (a instanceof Float64Array) c[k] = gF64(a, perm, n);
    else if (a instanceof Int32Array) c[k] = gI32(a, perm, n);
    else if (a instanceof Uint32Array) c[k] = gU32(a, perm, n);
    else if (a instanceof Int16Array) c[k] = gI16(a, perm, n);
    else if (a instanceof Uint16Array) c[k] = gU16(a, perm, n);
    else if (a instanceof Uint8Array) c[k] = gU8(a, perm, n);
    else c[k] = gStr(a as string[], perm, n);
  }
  return perm;
}
