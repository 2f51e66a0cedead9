import { availableParallelism } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { prepareCellsDir, readCellRecord, writeCellRecord } from './cellStore.js';
import { loadCellCheck } from './executeCell.js';
import { ManifestError, loadManifest } from './manifest.js';
import { writeBatchOutputs, type OutputCounts } from './outputs.js';
import { planBatch, shardCells, type BatchPlan, type Shard } from './plan.js';
import { runPool, siblingModule } from './pool.js';
import { readStoredPlan, storedPlanOf, writeStoredPlan } from './storedPlan.js';
import type { CellRecord } from './types.js';

// `vcpu-replay batch`: plan the manifest's cells, run the ones not yet done (this shard's) on
// worker threads, record each as it finishes, then write the batch's data files.

export interface BatchOptions {
  manifest: string;
  outDir: string;
  /** Worker threads; default: the number of cores. */
  workers?: number;
  /** Run only this slice of the cells (job arrays). */
  shard?: Shard | null;
  /** Continue a run in outDir, skipping finished cells (failed ones are run again). */
  resume?: boolean;
  /** Cell runner module (path or URL exporting runCell); default: the built-in align -> replay -> metrics runner. */
  runner?: string;
  /** done/total count the shard's cells (kept ones included); ran/toRun only the cells run now (for an ETA). */
  onProgress?: (p: { done: number; total: number; failed: number; ran: number; toRun: number }) => void;
  onWarning?: (msg: string) => void;
}

export interface BatchRunSummary extends OutputCounts {
  outDir: string;
  /** Cells in the whole manifest. */
  planned: number;
  /** Cells of this shard (all when unsharded). */
  inScope: number;
  /** Cells found finished in outDir and not run again. */
  skipped: number;
  /** Cells run now. */
  ran: number;
}

const userError = (msg: string): Error => Object.assign(new Error(msg), { userError: true });

export const DEFAULT_RUNNER = (): string => siblingModule('replayCellRunner');

/** A bad parameter in a sweep fails here, before hours of cells, not in every one of its cells. */
async function preflight(plan: BatchPlan, runner: string): Promise<void> {
  const check = await loadCellCheck(runner);
  if (!check) return;
  const seen = new Set<string>();
  for (const c of plan.cells) {
    const key = JSON.stringify([c.policy, c.params]);
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      await check(c);
    } catch (e) {
      throw new ManifestError(plan.manifestFile, '', `policy ${c.policy} with ${JSON.stringify(c.params)}: ${(e as Error).message}`);
    }
  }
}

export interface BatchCheck {
  name: string;
  planned: number;
  scenarios: string[];
  /** Cells per policy name, in manifest order. */
  cellsByPolicy: Record<string, number>;
  seeds: number;
}

/** Validate a manifest, plan it and check every policy + parameter combination, without running a cell. */
export async function checkBatch(manifestPath: string, runner?: string): Promise<BatchCheck> {
  const manifest = await loadManifest(manifestPath);
  const plan = await planBatch(manifest);
  await preflight(plan, runner ?? DEFAULT_RUNNER());
  const cellsByPolicy: Record<string, number> = {};
  for (const c of plan.cells) cellsByPolicy[c.policy] = (cellsByPolicy[c.policy] ?? 0) + 1;
  return { name: plan.name, planned: plan.cells.length, scenarios: plan.scenarios.map((s) => s.target.label), cellsByPolicy, seeds: manifest.seeds.length };
}

export async function runBatch(opts: BatchOptions): Promise<BatchRunSummary> {
  const outDir = resolve(opts.outDir);
  const workers = opts.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) throw userError(`--workers must be a positive integer (got ${workers})`);
  const warn = opts.onWarning ?? (() => {});
  const manifest = await loadManifest(opts.manifest);
  const plan = await planBatch(manifest);
  const shard = opts.shard ?? null;
  const runner = opts.runner ?? DEFAULT_RUNNER();
  await preflight(plan, runner);

  const existing = await readStoredPlan(outDir);
  if (existing && !opts.resume) throw userError(`${outDir} already holds a batch ("${existing.name}"); pass --resume to continue it, or choose another output directory`);
  if (existing && existing.planHash !== plan.planHash) {
    throw userError(`${outDir} holds a different batch (plan ${existing.planHash}, manifest now plans ${plan.planHash}): the manifest or the scenarios its globs match changed; use another output directory`);
  }
  await mkdir(outDir, { recursive: true });
  const removed = await prepareCellsDir(outDir);
  if (removed) warn(`${outDir}: removed ${removed} partial cell file(s) left by an interrupted run`);
  const stored = storedPlanOf(plan, shard);
  await writeStoredPlan(outDir, stored);

  const scope = shardCells(plan.cells, shard);
  const todo = [];
  let skipped = 0;
  for (const c of scope) {
    const rec = opts.resume ? await readCellRecord(outDir, c.id, warn) : null;
    if (rec?.status === 'ok') skipped++;
    else todo.push(c);
  }
  let done = skipped;
  let failed = 0;
  const report = (): void => opts.onProgress?.({ done, total: scope.length, failed, ran: done - skipped, toRun: todo.length });
  report();
  await runPool(todo, {
    workers,
    runner,
    cellTimeoutMs: plan.cellTimeoutS ? plan.cellTimeoutS * 1000 : null,
    async onRecord(rec) {
      await writeCellRecord(outDir, rec);
      done++;
      if (rec.status === 'failed') failed++;
      report();
    },
  });

  // Outputs come from the files on disk, so a resumed run reads exactly what a straight run wrote.
  const records = new Map<string, CellRecord>();
  for (const c of scope) {
    const rec = await readCellRecord(outDir, c.id, warn);
    if (rec) records.set(c.id, rec);
  }
  const counts = await writeBatchOutputs(outDir, stored, shardCells(stored.cells, shard), records);
  return { outDir, planned: plan.cells.length, inScope: scope.length, skipped, ran: todo.length, ...counts };
}
