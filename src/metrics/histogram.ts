// Latency histograms in cyclictest's `-h N` layout, so existing scripts that parse cyclictest
// output (gnuplot recipes, rteval) read ours unchanged:
//
//   # Histogram
//   000000 000012 000000        one row per 1 µs bucket, one count column per thread
//   ...
//   # Total: 000012345 000000012
//   # Min Latencies: 00003 ...
//   # Avg Latencies: 00005 ...
//   # Max Latencies: 00123 ...
//   # Histogram Overflows: 00000 ...
//   # Histogram Overflow at cycle number:
//   # Thread 0: 00017 00023 # 00005 others
//
// As in cyclictest, a latency is truncated to whole µs, Total counts only in-range samples, and
// the overflow list shows the first 5 cycle numbers (cyclictest prints up to its -o limit).

export interface LatencyHistogram {
  bucketUs: number;
  /** counts[t][b]: samples of column t in [b, b+1) buckets; overflow past the last bucket. */
  counts: Uint32Array[];
  overflows: number[];
  overflowCycles: number[][];
  minUs: number[];
  avgUs: number[];
  maxUs: number[];
}

const MAX_OVERFLOW_CYCLES = 5;

/** Build a histogram of `buckets` 1 µs buckets for each column of per-activation latencies (ns). */
export function latencyHistogram(columns: ArrayLike<number>[], buckets: number): LatencyHistogram {
  if (!Number.isInteger(buckets) || buckets <= 0) throw new RangeError(`histogram bucket count must be a positive integer (got ${buckets})`);
  const h: LatencyHistogram = { bucketUs: 1, counts: [], overflows: [], overflowCycles: [], minUs: [], avgUs: [], maxUs: [] };
  for (const lat of columns) {
    const counts = new Uint32Array(buckets);
    let over = 0;
    const cycles: number[] = [];
    let min = Infinity;
    let max = 0;
    let sum = 0;
    for (let i = 0; i < lat.length; i++) {
      const us = Math.max(0, Math.trunc(lat[i]! / 1000));
      if (us < min) min = us;
      if (us > max) max = us;
      sum += us;
      if (us < buckets) counts[us]!++;
      else {
        over++;
        if (cycles.length < MAX_OVERFLOW_CYCLES) cycles.push(i);
      }
    }
    h.counts.push(counts);
    h.overflows.push(over);
    h.overflowCycles.push(cycles);
    h.minUs.push(lat.length ? min : 0);
    h.maxUs.push(max);
    h.avgUs.push(lat.length ? Math.trunc(sum / lat.length) : 0);
  }
  return h;
}

const pad = (v: number, w: number) => String(v).padStart(w, '0');

/** Render in cyclictest's text layout. */
export function formatHistogram(h: LatencyHistogram): string {
  const out: string[] = ['# Histogram'];
  const n = h.counts[0]?.length ?? 0;
  for (let b = 0; b < n; b++) {
    let line = pad(b, 6);
    for (const c of h.counts) line += ' ' + pad(c[b]!, 6);
    out.push(line);
  }
  const row = (label: string, vals: number[], w: number) => `# ${label}:` + vals.map((v) => ' ' + pad(v, w)).join('');
  out.push(row('Total', h.counts.map((c) => c.reduce((a, x) => a + x, 0)), 9));
  out.push(row('Min Latencies', h.minUs, 5));
  out.push(row('Avg Latencies', h.avgUs, 5));
  out.push(row('Max Latencies', h.maxUs, 5));
  out.push(row('Histogram Overflows', h.overflows, 5));
  out.push('# Histogram Overflow at cycle number:');
  h.overflowCycles.forEach((cycles, t) => {
    const others = h.overflows[t]! - cycles.length;
    out.push(`# Thread ${t}:` + cycles.map((c) => ' ' + pad(c, 5)).join('') + (others > 0 ? ` # ${pad(others, 5)} others` : ''));
  });
  return out.join('\n') + '\n';
}
