import * as arrow from 'apache-arrow';
import { paramColumn } from './resultTables.js';
import type { StoredCell, StoredPlan } from './storedPlan.js';
import type { CellRecord, Params } from './types.js';

// The sweep at a glance: each metric per policy + parameter combination, aggregated over
// scenarios and seeds. Groups appear in plan order; sums run in plan order (deterministic).

export interface SummaryRow {
  policy: string;
  params: Params;
  paramsJson: string;
  machine: string;
  probe: string;
  metric: string;
  /** Cells contributing a finite value. */
  n: number;
  mean: number | null;
  min: number | null;
  max: number | null;
}

export function summarize(cells: StoredCell[], records: Map<string, CellRecord>): SummaryRow[] {
  const groups = new Map<string, SummaryRow & { sum: number }>();
  for (const c of cells) {
    const rec = records.get(c.id);
    if (!rec || rec.status !== 'ok') continue;
    const pj = JSON.stringify(c.params);
    for (const r of rec.rows) {
      const key = JSON.stringify([c.policy, pj, r.machine, r.probe, r.metric]);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { policy: c.policy, params: c.params, paramsJson: pj, machine: r.machine, probe: r.probe, metric: r.metric, n: 0, mean: null, min: null, max: null, sum: 0 }));
      if (typeof r.value !== 'number' || !Number.isFinite(r.value)) continue;
      g.n++;
      g.sum += r.value;
      g.min = g.min === null ? r.value : Math.min(g.min, r.value);
      g.max = g.max === null ? r.value : Math.max(g.max, r.value);
    }
  }
  return [...groups.values()].map(({ sum, ...g }) => ({ ...g, mean: g.n ? sum / g.n : null }));
}

export function summaryTable(plan: StoredPlan, rows: SummaryRow[]): arrow.Table {
  const cols: Record<string, arrow.Vector> = {
    policy: arrow.vectorFromArray(rows.map((r) => r.policy), new arrow.Utf8()),
    params: arrow.vectorFromArray(rows.map((r) => r.paramsJson), new arrow.Utf8()),
  };
  for (const k of plan.paramKeys) {
    const t = plan.paramTypes[k];
    const vals = rows.map((r) => (k in r.params ? r.params[k]! : null));
    cols[paramColumn(k)] =
      t === 'number' ? arrow.vectorFromArray(vals as Array<number | null>, new arrow.Float64())
      : t === 'boolean' ? arrow.vectorFromArray(vals as Array<boolean | null>, new arrow.Bool())
      : arrow.vectorFromArray(vals.map((v) => (v === null ? null : String(v))), new arrow.Utf8());
  }
  cols['machine'] = arrow.vectorFromArray(rows.map((r) => r.machine), new arrow.Utf8());
  cols['probe'] = arrow.vectorFromArray(rows.map((r) => r.probe), new arrow.Utf8());
  cols['metric'] = arrow.vectorFromArray(rows.map((r) => r.metric), new arrow.Utf8());
  cols['n'] = arrow.makeVector(Int32Array.from(rows.map((r) => r.n)));
  for (const f of ['mean', 'min', 'max'] as const) cols[f] = arrow.vectorFromArray(rows.map((r) => r[f]), new arrow.Float64());
  return new arrow.Table(cols);
}

/**
 * A CSV field. Strings are always quoted; ones a spreadsheet would run as a formula (=, +, @,
 * a leading '-' that is not a number) get a leading apostrophe, since comm names come from traces.
 */
export function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  const safe = /^[=+@\t\r]/.test(v) || /^-(?![\d.])/.test(v) ? `'${v}` : v;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function summaryCsv(plan: StoredPlan, rows: SummaryRow[]): string {
  const header = ['policy', ...plan.paramKeys.map(paramColumn), 'machine', 'probe', 'metric', 'n', 'mean', 'min', 'max'];
  const lines = [header.join(',')];
  for (const r of rows) {
    lines.push(
      [r.policy, ...plan.paramKeys.map((k) => (k in r.params ? r.params[k]! : null)), r.machine, r.probe, r.metric, r.n, r.mean, r.min, r.max]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
