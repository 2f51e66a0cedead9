import type { LostWindow, MachineBuilder } from '../../tables/index.js';
import type { CpuRecords, PageLoss } from './ringBuffer.js';

// Ring-buffer losses, corrupt pages and truncation -> meta.lost windows (and warnings).

/** Where a record is, for unparsed examples: a file offset, or CPU data offset when decompressed. */
export function recordAt(cr: CpuRecords, rec: number): { offset: number } {
  return { offset: cr.fileBase >= 0 ? cr.fileBase + rec : rec };
}

export function lostWindows(b: MachineBuilder, cpus: CpuRecords[], losses: PageLoss[], problems: string[]): void {
  const byCpu = new Map(cpus.map((c) => [c.cpu, c]));
  let traceStart = Infinity;
  for (const c of cpus) if (c.n) traceStart = Math.min(traceStart, c.ts[0]!);
  for (const loss of losses) {
    const c = cpus[loss.src ?? 0]!;
    const before = loss.beforeRecord > 0 ? c.ts[loss.beforeRecord - 1]! : null;
    const after = loss.beforeRecord < c.n ? c.ts[loss.beforeRecord]! : before;
    // Loss before the first page kept: the ring buffer overwrote older data, so this CPU's
    // events are unknown from the trace start up to its first kept event.
    const start = before ?? (Number.isFinite(traceStart) ? Math.min(traceStart, after ?? traceStart) : (after ?? 0));
    const w: LostWindow = {
      cpu: loss.cpu,
      startNs: start,
      endNs: after ?? start,
      events: loss.events,
      kind: loss.kind === 'corrupt' ? 'corrupt' : before === null ? 'overwrite' : 'lost',
      ...(loss.detail ? { detail: loss.detail } : {}),
    };
    if (loss.kind === 'corrupt') b.warn(loss.detail ?? `corrupt page on CPU ${loss.cpu}`);
    b.meta.lost.push(w);
  }
  const dropped = losses.filter((x) => x.kind === 'lost');
  if (dropped.length) {
    const n = dropped.reduce((a, x) => a + (x.events ?? 0), 0);
    b.warn(`${dropped.length} ring-buffer page(s) flagged missed events${n ? `: ${n} events missing` : ''} (see lost windows)`);
  }
  for (const p of problems) {
    const m = /^CPU (\d+)/.exec(p);
    if (!m || !/truncated|decompress|chunk/.test(p)) continue;
    const c = byCpu.get(Number(m[1]));
    const last = c && c.n ? c.ts[c.n - 1]! : 0;
    b.meta.lost.push({ cpu: Number(m[1]), startNs: last, endNs: last, events: null, kind: 'truncated', detail: p });
  }
}
