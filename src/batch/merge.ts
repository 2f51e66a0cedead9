import { copyFile, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { cellPath, prepareCellsDir, readCellRecord } from './cellStore.js';
import { writeBatchOutputs, type OutputCounts } from './outputs.js';
import { readStoredPlan, writeStoredPlan, type StoredPlan } from './storedPlan.js';
import type { CellRecord } from './types.js';

// `vcpu-replay merge`: combine the output directories of shards (or of partial runs) of one
// manifest into one directory, identical to what an unsharded run writes. The merged directory
// keeps the cell files, so `batch --resume` on it fills in any missing cells.

export interface MergeSummary extends OutputCounts {
  outDir: string;
  inputs: number;
  planned: number;
  /** Cells present in more than one input (expected only for overlapping reruns). */
  duplicates: number;
  warnings: string[];
}

const userError = (msg: string): Error => Object.assign(new Error(msg), { userError: true });

function sameRows(a: CellRecord, b: CellRecord): boolean {
  return JSON.stringify(a.rows) === JSON.stringify(b.rows);
}

export async function mergeBatches(inputDirs: string[], outDir: string, onWarning?: (msg: string) => void): Promise<MergeSummary> {
  if (inputDirs.length === 0) throw userError('merge: name at least one batch output directory');
  const out = resolve(outDir);
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    onWarning?.(m);
  };
  const plans: StoredPlan[] = [];
  for (const d of inputDirs) {
    if (resolve(d) === out) throw userError(`merge: the output directory ${out} is also an input`);
    const p = await readStoredPlan(resolve(d));
    if (!p) throw userError(`merge: ${d} is not a batch output directory (no batch.json)`);
    if (plans[0] && p.planHash !== plans[0].planHash) {
      throw userError(`merge: ${d} belongs to a different batch (plan ${p.planHash}) than ${inputDirs[0]} (plan ${plans[0].planHash}); only shards of one manifest can be merged`);
    }
    plans.push(p);
  }
  if (await readStoredPlan(out)) throw userError(`merge: ${out} already holds a batch; choose a new output directory`);
  await mkdir(out, { recursive: true });
  await prepareCellsDir(out);
  const plan: StoredPlan = { ...plans[0]!, shard: null };
  await writeStoredPlan(out, plan);

  const records = new Map<string, CellRecord>();
  let duplicates = 0;
  for (const c of plan.cells) {
    let chosen: { rec: CellRecord; dir: string } | null = null;
    for (const d of inputDirs) {
      const rec = await readCellRecord(resolve(d), c.id, warn);
      if (!rec) continue;
      if (!chosen) {
        chosen = { rec, dir: d };
        continue;
      }
      duplicates++;
      if (chosen.rec.status === 'ok' && rec.status === 'ok' && !sameRows(chosen.rec, rec)) {
        warn(`cell ${c.id} (${c.scenario} ${c.policy} ${JSON.stringify(c.params)} seed ${c.seed}) differs between ${chosen.dir} and ${d}; keeping ${chosen.dir} (the runner is not deterministic?)`);
      }
      // A success beats a failure: the failed copy is usually an earlier, since-fixed attempt.
      if (chosen.rec.status === 'failed' && rec.status === 'ok') chosen = { rec, dir: d };
    }
    if (!chosen) continue;
    records.set(c.id, chosen.rec);
    await copyFile(cellPath(resolve(chosen.dir), c.id), cellPath(out, c.id));
  }
  const counts = await writeBatchOutputs(out, plan, plan.cells, records);
  if (counts.missing) warn(`${counts.missing} of ${plan.cells.length} cells are in none of the inputs (a shard is missing or unfinished); run \`vcpu-replay batch MANIFEST -o ${outDir} --resume\` to compute them`);
  return { outDir: out, inputs: inputDirs.length, planned: plan.cells.length, duplicates, warnings, ...counts };
}
