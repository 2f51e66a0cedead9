// Sorted, non-overlapping interval sets (e.g. "when was this vCPU thread running") and the two
// queries the metrics need: is a time inside, and how much of a window is covered.

export interface IntervalSet {
  startNs: Float64Array;
  endNs: Float64Array;
}

export const EMPTY_INTERVALS: IntervalSet = { startNs: new Float64Array(0), endNs: new Float64Array(0) };

/** Build from parallel arrays of possibly unsorted, possibly overlapping intervals (merged). */
export function intervalSet(starts: ArrayLike<number>, ends: ArrayLike<number>): IntervalSet {
  const n = starts.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => starts[a]! - starts[b]! || ends[a]! - ends[b]!);
  const s = new Float64Array(n);
  const e = new Float64Array(n);
  let k = -1;
  for (let o = 0; o < n; o++) {
    const i = order[o]!;
    const a = starts[i]!;
    const z = ends[i]!;
    if (z < a) continue;
    if (k >= 0 && a <= e[k]!) {
      if (z > e[k]!) e[k] = z;
    } else {
      k++;
      s[k] = a;
      e[k] = z;
    }
  }
  return { startNs: s.slice(0, k + 1), endNs: e.slice(0, k + 1) };
}

/** Index of the last interval starting at or before t, or -1. */
export function lastStartingBefore(set: IntervalSet, t: number): number {
  let lo = 0;
  let hi = set.startNs.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (set.startNs[mid]! <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

export function containsTime(set: IntervalSet, t: number): boolean {
  const i = lastStartingBefore(set, t);
  return i >= 0 && t <= set.endNs[i]!;
}

/** Nanoseconds of [a, b] covered by the set. */
export function coveredNs(set: IntervalSet, a: number, b: number): number {
  if (b <= a) return 0;
  let i = Math.max(0, lastStartingBefore(set, a));
  let sum = 0;
  for (; i < set.startNs.length && set.startNs[i]! < b; i++) {
    const lo = Math.max(a, set.startNs[i]!);
    const hi = Math.min(b, set.endNs[i]!);
    if (hi > lo) sum += hi - lo;
  }
  return sum;
}
