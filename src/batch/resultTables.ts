import * as arrow from 'apache-arrow';
import type { ParamType, StoredCell, StoredPlan } from './storedPlan.js';
import type { CellRecord, Params } from './types.js';

// Arrow tables of a batch, built from the plan and the cell records in plan order, so the bytes
// depend only on what was computed, never on completion order, worker count or sharding.

export const paramColumn = (k: string): string => `param_${k}`;

/** Column builder for one parameter over the given cells (null where a cell lacks it). */
function paramVector(type: ParamType, key: string, params: Params[]): arrow.Vector {
  if (type === 'number') return arrow.vectorFromArray(params.map((p) => (key in p ? (p[key] as number) : null)), new arrow.Float64());
  if (type === 'boolean') return arrow.vectorFromArray(params.map((p) => (key in p ? (p[key] as boolean) : null)), new arrow.Bool());
  return arrow.vectorFromArray(params.map((p) => (key in p ? String(p[key]) : null)), new arrow.Utf8());
}

const utf8 = (xs: Array<string | null>): arrow.Vector => arrow.vectorFromArray(xs, new arrow.Utf8());
const int32 = (xs: number[]): arrow.Vector => arrow.makeVector(Int32Array.from(xs));
const int64 = (xs: number[]): arrow.Vector => arrow.makeVector(BigInt64Array.from(xs, (x) => BigInt(x)));
const f64 = (xs: Array<number | null>): arrow.Vector => arrow.vectorFromArray(xs, new arrow.Float64());

function withParams(plan: StoredPlan, base: Record<string, arrow.Vector>, params: Params[], tail: Record<string, arrow.Vector>): arrow.Table {
  const cols: Record<string, arrow.Vector> = { ...base };
  for (const k of plan.paramKeys) cols[paramColumn(k)] = paramVector(plan.paramTypes[k]!, k, params);
  Object.assign(cols, tail);
  return new arrow.Table(cols);
}

/** Long format: one row per cell x machine x probe x metric. */
export function resultsTable(plan: StoredPlan, cells: StoredCell[], records: Map<string, CellRecord>): arrow.Table {
  const id: string[] = [];
  const index: number[] = [];
  const scenario: string[] = [];
  const policy: string[] = [];
  const paramsJson: string[] = [];
  const seed: number[] = [];
  const params: Params[] = [];
  const machine: string[] = [];
  const probe: string[] = [];
  const metric: string[] = [];
  const value: Array<number | null> = [];
  for (const c of cells) {
    const rec = records.get(c.id);
    if (!rec || rec.status !== 'ok') continue;
    const pj = JSON.stringify(c.params);
    for (const r of rec.rows) {
      id.push(c.id);
      index.push(c.index);
      scenario.push(c.scenario);
      policy.push(c.policy);
      paramsJson.push(pj);
      seed.push(c.seed);
      params.push(c.params);
      machine.push(r.machine);
      probe.push(r.probe);
      metric.push(r.metric);
      // JSON turns NaN/Infinity into null; keep that as a null value.
      value.push(typeof r.value === 'number' ? r.value : null);
    }
  }
  return withParams(
    plan,
    { cellId: utf8(id), cellIndex: int32(index), scenario: utf8(scenario), policy: utf8(policy), params: utf8(paramsJson), seed: int64(seed) },
    params,
    { machine: utf8(machine), probe: utf8(probe), metric: utf8(metric), value: f64(value) },
  );
}

/** How to reproduce one cell anywhere: scenario paths relative to the manifest, policy, params, seed. */
export function reproduceOptions(plan: StoredPlan, c: StoredCell): string {
  const s = plan.scenarios.find((x) => x.label === c.scenario);
  const { label: _l, key: _k, ...paths } = s ?? { label: '', key: '' };
  return JSON.stringify({ scenario: { name: c.scenario, ...paths }, policy: c.policy, params: c.params, seed: c.seed });
}

/** One row per planned cell in scope: status ('ok', 'failed', 'missing'), error, warnings, reproduction options. */
export function cellsTable(plan: StoredPlan, cells: StoredCell[], records: Map<string, CellRecord>): arrow.Table {
  const recs = cells.map((c) => records.get(c.id));
  return withParams(
    plan,
    {
      cellId: utf8(cells.map((c) => c.id)),
      cellIndex: int32(cells.map((c) => c.index)),
      scenario: utf8(cells.map((c) => c.scenario)),
      policy: utf8(cells.map((c) => c.policy)),
      params: utf8(cells.map((c) => JSON.stringify(c.params))),
      seed: int64(cells.map((c) => c.seed)),
    },
    cells.map((c) => c.params),
    {
      status: utf8(recs.map((r) => r?.status ?? 'missing')),
      error: utf8(recs.map((r) => r?.error ?? null)),
      warnings: utf8(recs.map((r) => JSON.stringify(r?.warnings ?? []))),
      metricRows: int32(recs.map((r) => r?.rows.length ?? 0)),
      options: utf8(cells.map((c) => reproduceOptions(plan, c))),
    },
  );
}
