import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { arrowToParquet } from '../tables/io.js';
import { cellsTable, resultsTable } from './resultTables.js';
import { reportHtml } from './reportHtml.js';
import { summarize, summaryCsv, summaryTable } from './summary.js';
import { sweepCharts } from './sweepCharts.js';
import type { StoredCell, StoredPlan } from './storedPlan.js';
import type { CellRecord } from './types.js';

// Writes a batch directory's data files from its plan and cell records. A pure function of
// those inputs: an interrupted-and-resumed run, a sharded-and-merged run and a straight run
// write the same bytes.

export const OUTPUT_FILES = ['results.parquet', 'cells.parquet', 'summary.parquet', 'summary.csv', 'report.html'] as const;

export interface OutputCounts {
  ok: number;
  failed: number;
  missing: number;
  metricRows: number;
}

async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp-${process.pid}`, data);
  await rename(`${path}.tmp-${process.pid}`, path);
}

export async function writeBatchOutputs(outDir: string, plan: StoredPlan, cells: StoredCell[], records: Map<string, CellRecord>): Promise<OutputCounts> {
  const results = resultsTable(plan, cells, records);
  await atomicWrite(join(outDir, 'results.parquet'), arrowToParquet(results));
  await atomicWrite(join(outDir, 'cells.parquet'), arrowToParquet(cellsTable(plan, cells, records)));
  const summary = summarize(cells, records);
  await atomicWrite(join(outDir, 'summary.parquet'), arrowToParquet(summaryTable(plan, summary)));
  await atomicWrite(join(outDir, 'summary.csv'), summaryCsv(plan, summary));

  const counts: OutputCounts = { ok: 0, failed: 0, missing: 0, metricRows: results.numRows };
  const failures: Array<{ scenario: string; policy: string; params: string; seed: number; error: string }> = [];
  for (const c of cells) {
    const r = records.get(c.id);
    if (!r) counts.missing++;
    else if (r.status === 'ok') counts.ok++;
    else {
      counts.failed++;
      failures.push({ scenario: c.scenario, policy: c.policy, params: JSON.stringify(c.params), seed: c.seed, error: r.error ?? '' });
    }
  }
  const { charts, notes } = sweepCharts(plan, summary);
  await atomicWrite(join(outDir, 'report.html'), reportHtml({ name: plan.name, counts: { ok: counts.ok, failed: counts.failed, missing: counts.missing }, failures, charts, notes }));
  return counts;
}
