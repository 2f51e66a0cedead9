import { readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchPlan, PlannedScenario, Shard } from './plan.js';
import type { Params } from './types.js';

// OUT/batch.json: the plan a batch directory belongs to, with paths relative to the manifest.
// Resume checks it; merge combines directories whose plans agree.

export const PLAN_FILE = 'batch.json';

export type ParamType = 'number' | 'boolean' | 'string';

export interface StoredCell {
  index: number;
  id: string;
  scenario: string;
  policy: string;
  params: Params;
  seed: number;
}

export interface StoredPlan {
  version: 1;
  name: string;
  planHash: string;
  /** Informational: where the manifest was when this directory was planned. */
  manifestFile: string;
  shard: Shard | null;
  paramKeys: string[];
  paramTypes: Record<string, ParamType>;
  chartMetrics: string[] | null;
  scenarios: Array<{ label: string; key: string } & PlannedScenario['relative']>;
  cells: StoredCell[];
}

/** A value type per parameter over the whole plan (not one shard), so every shard writes the same columns. */
export function paramTypesOf(plan: Pick<BatchPlan, 'cells' | 'paramKeys'>): Record<string, ParamType> {
  const out: Record<string, ParamType> = {};
  for (const k of plan.paramKeys) {
    const types = new Set(plan.cells.filter((c) => k in c.params).map((c) => typeof c.params[k]));
    out[k] = types.size === 1 && types.has('number') ? 'number' : types.size === 1 && types.has('boolean') ? 'boolean' : 'string';
  }
  return out;
}

export function storedPlanOf(plan: BatchPlan, shard: Shard | null): StoredPlan {
  return {
    version: 1,
    name: plan.name,
    planHash: plan.planHash,
    manifestFile: plan.manifestFile,
    shard,
    paramKeys: plan.paramKeys,
    paramTypes: paramTypesOf(plan),
    chartMetrics: plan.chartMetrics,
    scenarios: plan.scenarios.map((s) => ({ label: s.target.label, key: s.key, ...s.relative })),
    cells: plan.cells.map((c) => ({ index: c.index, id: c.id, scenario: c.scenario.label, policy: c.policy, params: c.params, seed: c.seed })),
  };
}

export async function writeStoredPlan(outDir: string, plan: StoredPlan): Promise<void> {
  const p = join(outDir, PLAN_FILE);
  await writeFile(`${p}.tmp-${process.pid}`, JSON.stringify(plan) + '\n');
  await rename(`${p}.tmp-${process.pid}`, p);
}

/** The plan of a batch directory, or null when it has none. */
export async function readStoredPlan(outDir: string): Promise<StoredPlan | null> {
  let text: string;
  try {
    text = await readFile(join(outDir, PLAN_FILE), 'utf8');
  } catch {
    return null;
  }
  const p = JSON.parse(text) as StoredPlan;
  if (p.version !== 1 || !Array.isArray(p.cells) || typeof p.planHash !== 'string') {
    throw Object.assign(new Error(`${join(outDir, PLAN_FILE)}: not a vcpu-replay batch plan`), { userError: true });
  }
  return p;
}
