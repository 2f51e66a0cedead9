// The library entry point: replay an aligned scenario under one or more vCPU policies.
import type { AlignedScenario } from '../align/types.js';
import { demandFromAligned, type ExtractOptions } from './demand/fromTrace.js';
import type { Demand } from './demand/types.js';
import { loadPolicy } from './policies/index.js';
import type { VcpuPolicy } from './policies/types.js';
import { replayDemand, type EngineOverrides } from './replayDemand.js';
import type { ReplayResult } from './types.js';

export interface ReplayOptions {
  /** Built-in names (vanilla, static, dynamic, dynamic-v3, crosvm-rt), module paths, or policy objects. */
  policies: Array<string | VcpuPolicy>;
  /** Parameters per policy name (e.g. { dynamic: { capUs: 0 }, static: { rtPrio: 6 } }). */
  policyParams?: Record<string, Record<string, unknown>>;
  seed?: number;
  engine?: EngineOverrides;
  extract?: ExtractOptions;
  /** Called per policy with simulated progress. */
  onProgress?: (policy: string, doneNs: number, totalNs: number) => void;
}

export async function replayDemandAll(demand: Demand, opts: ReplayOptions): Promise<ReplayResult[]> {
  const out: ReplayResult[] = [];
  for (const p of opts.policies) {
    const pol = typeof p === 'string' ? await loadPolicy(p, opts.policyParams?.[p] ?? {}) : p;
    const prog = opts.onProgress;
    out.push(replayDemand(demand, pol, { ...(opts.engine ?? {}), seed: opts.seed ?? opts.engine?.seed ?? 1 }, prog ? (d, t) => prog(pol.name, d, t) : undefined));
  }
  return out;
}

/** Extract the demand of `aligned` and replay it under each policy. */
export async function replay(aligned: AlignedScenario, opts: ReplayOptions): Promise<ReplayResult[]> {
  const demand = demandFromAligned(aligned, opts.extract ?? {});
  return replayDemandAll(demand, opts);
}
