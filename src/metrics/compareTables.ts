import type { LatencyStats } from './types.js';
import type { CompareResult, LatencyRow, ScenarioKey } from './compareTypes.js';

// CompareResult -> display tables (header + cells), shared by the text, Markdown and HTML
// renderers so all three show the same numbers in the same layout.

export type Cell = string | number | null;

export interface TableColumn {
  label: string;
  /** Header group spanning adjacent columns with the same group (e.g. 'avg'). */
  group?: string;
  align: 'left' | 'right';
}

export interface TableModel {
  id: 'guest-latency' | 'host-latency' | 'deadlines' | 'host-impact';
  title: string;
  notes: string[];
  columns: TableColumn[];
  rows: Cell[][];
}

const MEASURED = 'trace';

/** Column order inside a group: the measured value right after the captured policy's replay. */
export function policyColumns(result: CompareResult, keys: ScenarioKey[]): string[] {
  const captured = [...new Set(keys.map((k) => k.capturedPolicy))];
  const cols = [...result.policies];
  const at = captured.length === 1 && captured[0] ? cols.indexOf(captured[0]) : -1;
  if (at >= 0) cols.splice(at + 1, 0, MEASURED);
  else cols.unshift(MEASURED);
  return cols;
}

function capturedNote(keys: ScenarioKey[]): string {
  const c = [...new Set(keys.map((k) => k.capturedPolicy ?? 'unknown policy'))].join(', ');
  return `${MEASURED} = measured on the captured trace (captured under ${c}); other columns are replays.`;
}

/** Rows captured under different policies cannot share one "trace" position: name it per row. */
const mixedCapture = (keys: ScenarioKey[]) => new Set(keys.map((k) => k.capturedPolicy)).size > 1;

function keyColumns(keys: ScenarioKey[]): TableColumn[] {
  return [
    { label: 'scenario', align: 'left' },
    { label: 'load', align: 'left' },
    { label: 'interval µs', align: 'right' },
    ...(mixedCapture(keys) ? [{ label: 'captured', align: 'left' as const }] : []),
  ];
}

function keyCellsOf(keys: ScenarioKey[]): (k: ScenarioKey) => Cell[] {
  const mixed = mixedCapture(keys);
  return (k) => [k.scenario, k.load ?? '-', k.intervalUs, ...(mixed ? [k.capturedPolicy ?? '?'] : [])];
}

function latencyTable(result: CompareResult, side: 'guest' | 'host'): TableModel | null {
  const rows = result.latency.filter((r) => r.side === side);
  if (!rows.length) return null;
  const cols = policyColumns(result, rows);
  const stats: Array<[string, keyof LatencyStats]> = [
    ['avg', 'avgUs'],
    ['p99', 'p99Us'],
    ['max', 'maxUs'],
  ];
  const pick = (r: LatencyRow, c: string) => (c === MEASURED ? r.measured : (r.byPolicy[c] ?? null));
  const keyCells = keyCellsOf(rows);
  return {
    id: side === 'guest' ? 'guest-latency' : 'host-latency',
    title: `${side === 'guest' ? 'Guest' : 'Host'} probe wakeup latency (µs)`,
    notes: [capturedNote(rows), 'p99 is nearest-rank; "-" = no such probe in that run.'],
    columns: [
      ...keyColumns(rows),
      { label: 'probe', align: 'left' },
      { label: 'count', align: 'right' },
      ...stats.flatMap(([g]) => cols.map((c) => ({ label: c, group: g, align: 'right' as const }))),
    ],
    rows: rows.map((r) => [
      ...keyCells(r),
      `${r.machine}/${r.task}`,
      countCell(cols.map((c) => pick(r, c)?.count ?? null)),
      ...stats.flatMap(([, k]) => cols.map((c) => {
        const s = pick(r, c);
        return s && s.count > 0 ? s[k] : null;
      })),
    ]),
  };
}

/** Activation counts usually agree across runs: one number then, else all of them in column order. */
function countCell(counts: Array<number | null>): Cell {
  const known = counts.filter((c): c is number => c !== null);
  if (!known.length) return null;
  return known.every((c) => c === known[0]) ? known[0]! : counts.map((c) => c ?? '-').join('/');
}

function deadlineTable(result: CompareResult): TableModel | null {
  const rows = result.deadlines;
  if (!rows.length) return null;
  const cols = policyColumns(result, rows);
  const keyCells = keyCellsOf(rows);
  return {
    id: 'deadlines',
    title: `Deadline misses (periodic consumer, ${result.sampleRateHz} Hz)`,
    notes: [
      'A period misses when the probe finishes its work (blocks again) later than activation + buffer duration.',
      'periods = periods decided in each run, in column order when they differ; unfinished periods at the end of a run are not counted.',
      capturedNote(rows),
    ],
    columns: [
      ...keyColumns(rows),
      { label: 'probe', align: 'left' },
      { label: 'buffer', align: 'right' },
      { label: 'ms', align: 'right' },
      { label: 'periods', align: 'right' },
      ...cols.map((c) => ({ label: c, group: 'misses', align: 'right' as const })),
    ],
    rows: rows.map((r) => {
      const counts = cols.map((c) => (c === MEASURED ? r.measured : (r.byPolicy[c] ?? null)));
      const periods = countCell(counts.map((x) => (x ? x.periods : null)));
      return [...keyCells(r), `${r.machine}/${r.task}`, r.bufferFrames, r.bufferUs / 1000, periods, ...counts.map((x) => (x ? x.misses : null))];
    }),
  };
}

function hostImpactTable(result: CompareResult): TableModel | null {
  const rows = result.hostImpact;
  if (!rows.length) return null;
  const pct = (x: number | undefined) => (x === undefined ? null : x * 100);
  const keyCells = keyCellsOf(rows);
  return {
    id: 'host-impact',
    title: 'Host impact',
    notes: [
      'CPU % = share of all host CPU time (CPUs x trace span) running non-vCPU host threads / vCPU threads.',
      'throttles = RT throttling hits; boosts and boosted ms from the dynamic policy; cap = preempt-disabled cap unboosts.',
    ],
    columns: [
      ...keyColumns(rows),
      { label: 'run', align: 'left' },
      { label: 'p99 µs', group: 'host probe', align: 'right' },
      { label: 'max µs', group: 'host probe', align: 'right' },
      { label: 'other', group: 'CPU %', align: 'right' },
      { label: 'vCPU', group: 'CPU %', align: 'right' },
      { label: 'throttles', align: 'right' },
      { label: 'boosts', align: 'right' },
      { label: 'boosted ms', align: 'right' },
      { label: 'cap', align: 'right' },
      { label: 'reasons', align: 'left' },
      { label: 'busiest other thread', align: 'left' },
    ],
    rows: rows.map((r) => [
      ...keyCells(r),
      r.policy,
      r.hostProbe?.count ? r.hostProbe.p99Us : null,
      r.hostProbe?.count ? r.hostProbe.maxUs : null,
      pct(r.share?.other),
      pct(r.share?.vcpu),
      r.throttles,
      r.boosts,
      r.boostedNs === null ? null : r.boostedNs / 1e6,
      r.capHits,
      Object.entries(r.boostReasons).map(([k, v]) => `${k}:${v}`).join(' ') || null,
      r.share?.topOther[0] ? `${r.share.topOther[0].comm} (${r.share.topOther[0].tid}) ${(r.share.topOther[0].share * 100).toFixed(1)}%` : null,
    ]),
  };
}

export function compareTables(result: CompareResult): TableModel[] {
  return [latencyTable(result, 'guest'), latencyTable(result, 'host'), deadlineTable(result), hostImpactTable(result)].filter(
    (t): t is TableModel => t !== null,
  );
}

/** Numbers as people read latency tables: whole µs from 100 up, fewer decimals as values grow. */
export function formatCell(v: Cell): string {
  if (v === null) return '-';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return '-';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2);
}
