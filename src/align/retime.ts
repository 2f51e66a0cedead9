import { EVENT_TABLES, type Table, type TraceTables } from '../tables/index.js';
import type { ClockAlignment } from './types.js';

/** hostNs for a guest ns timestamp, rounded to whole ns. */
export function toHostNs(guestNs: number, c: Pick<ClockAlignment, 'offsetNs' | 'scale'>): number {
  return Math.round(guestNs * c.scale + c.offsetNs);
}

function mapColumn(a: Float64Array, c: ClockAlignment): Float64Array {
  const out = new Float64Array(a.length);
  const { scale, offsetNs } = c;
  if (scale === 1) for (let i = 0; i < a.length; i++) out[i] = a[i]! + Math.round(offsetNs);
  else for (let i = 0; i < a.length; i++) out[i] = Math.round(a[i]! * scale + offsetNs);
  return out;
}

/**
 * A copy of a guest's tables with every trace-clock timestamp (event tsNs, threads and cpus
 * first/last, meta range and lost windows) on the host clock. Clock-base values such as hrtimer
 * expiries stay in the guest's CLOCK_MONOTONIC: latency measurement maps them itself.
 */
export function retimeTables(t: TraceTables, c: ClockAlignment): TraceTables {
  if (c.offsetNs === 0 && c.scale === 1) return t;
  const out = { ...t } as Record<string, unknown>;
  for (const spec of EVENT_TABLES) {
    const tab = t[spec.name] as Table;
    const cols = { ...(tab.cols as Record<string, unknown>), tsNs: mapColumn((tab.cols as { tsNs: Float64Array }).tsNs, c) };
    out[spec.name] = { ...tab, cols };
  }
  // Unknown first/last (-1 in cpus) must stay -1.
  const keepNeg = (a: Float64Array) => {
    const m = mapColumn(a, c);
    for (let i = 0; i < a.length; i++) if (a[i]! < 0) m[i] = a[i]!;
    return m;
  };
  out['threads'] = { ...t.threads, cols: { ...t.threads.cols, firstTsNs: keepNeg(t.threads.cols.firstTsNs), lastTsNs: keepNeg(t.threads.cols.lastTsNs) } };
  out['cpus'] = { ...t.cpus, cols: { ...t.cpus.cols, firstTsNs: keepNeg(t.cpus.cols.firstTsNs), lastTsNs: keepNeg(t.cpus.cols.lastTsNs) } };
  out['meta'] = {
    ...t.meta,
    startNs: toHostNs(t.meta.startNs, c),
    endNs: toHostNs(t.meta.endNs, c),
    lost: t.meta.lost.map((w) => ({ ...w, startNs: toHostNs(w.startNs, c), endNs: toHostNs(w.endNs, c) })),
    extra: { ...t.meta.extra, alignedToHost: { offsetNs: c.offsetNs, scale: c.scale, source: c.source } },
  };
  return out as unknown as TraceTables;
}
