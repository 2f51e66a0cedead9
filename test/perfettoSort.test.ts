import { describe, expect, it } from 'vitest';
import { timeOrder } from '../src/ingest/perfetto/sortRows.js';

describe('perfetto reader row order', () => {
  it('timeOrder sorts by (ts, row index) with and without CPU grouping, ties included', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * 2000);
      const ts = new Float64Array(n);
      const cpu = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        ts[i] = Math.floor(rnd() * 50); // many ties
        cpu[i] = Math.floor(rnd() * 5) - 1; // including cpu -1
      }
      const ref = Array.from({ length: n }, (_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
      for (const c of [cpu, undefined]) {
        const p = timeOrder(ts, n, c);
        expect(p ? Array.from(p) : ref.slice().sort((a, b) => a - b)).toEqual(ref);
      }
    }
  });

  it('returns null for sorted input', () => {
    expect(timeOrder(Float64Array.of(1, 1, 2, 3), 4, Int32Array.of(1, 0, 1, 0))).toBeNull();
  });
});
