import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import type { CellCheck, CellRecord, CellRunner, CellSpec, MetricRow } from './types.js';

// Runs one cell with a runner and turns whatever happens into a CellRecord. Used inside worker
// threads; a failing cell becomes a 'failed' record and never takes the batch down.

async function importRunner(moduleRef: string): Promise<{ runCell?: unknown; checkCell?: unknown }> {
  const url = isAbsolute(moduleRef) ? pathToFileURL(moduleRef).href : moduleRef;
  return (await import(url)) as { runCell?: unknown; checkCell?: unknown };
}

/** Import a runner module (absolute path or URL) and return its `runCell`. */
export async function loadRunner(moduleRef: string): Promise<CellRunner> {
  const mod = await importRunner(moduleRef);
  if (typeof mod.runCell !== 'function') throw new Error(`cell runner ${moduleRef} does not export a function runCell(cell)`);
  return mod.runCell as CellRunner;
}

/** The runner's optional `checkCell(cell)`, which throws on settings it cannot run. */
export async function loadCellCheck(moduleRef: string): Promise<CellCheck | null> {
  let mod;
  try {
    mod = await importRunner(moduleRef);
  } catch (e) {
    throw Object.assign(new Error(`cannot load cell runner ${moduleRef}: ${(e as Error).message}`), { userError: true });
  }
  if (typeof mod.runCell !== 'function') throw Object.assign(new Error(`cell runner ${moduleRef} does not export a function runCell(cell)`), { userError: true });
  return typeof mod.checkCell === 'function' ? (mod.checkCell as CellCheck) : null;
}

function checkRows(rows: unknown): MetricRow[] {
  if (!Array.isArray(rows)) throw new Error('runner returned no rows array');
  for (const [i, r] of rows.entries()) {
    const o = r as Partial<MetricRow>;
    if (typeof o?.machine !== 'string' || typeof o.probe !== 'string' || typeof o.metric !== 'string' || !o.metric || typeof o.value !== 'number') {
      throw new Error(`runner returned a bad row ${i}: ${JSON.stringify(r)?.slice(0, 200)} (need machine, probe, metric strings and a numeric value)`);
    }
  }
  return rows as MetricRow[];
}

export async function executeCell(runner: CellRunner, cell: CellSpec): Promise<CellRecord> {
  const t0 = performance.now();
  const base = { version: 1 as const, id: cell.id, index: cell.index, scenario: cell.scenario.label, policy: cell.policy, params: cell.params, seed: cell.seed };
  try {
    const out = await runner(cell);
    const rows = checkRows(out?.rows).map((r) => ({ machine: r.machine, probe: r.probe, metric: r.metric, value: r.value }));
    const warnings = Array.isArray(out.warnings) ? out.warnings.map(String) : [];
    return { ...base, status: 'ok', rows, warnings, error: null, elapsedMs: Math.round(performance.now() - t0) };
  } catch (e) {
    return failedRecord(cell, e instanceof Error ? e.message : String(e), performance.now() - t0);
  }
}

export function failedRecord(cell: CellSpec, error: string, elapsedMs = 0): CellRecord {
  return {
    version: 1,
    id: cell.id,
    index: cell.index,
    scenario: cell.scenario.label,
    policy: cell.policy,
    params: cell.params,
    seed: cell.seed,
    status: 'failed',
    rows: [],
    warnings: [],
    error,
    elapsedMs: Math.round(elapsedMs),
  };
}
