import type { AlignedScenario } from '../align/types.js';
import { alignScenario } from '../align/alignScenario.js';
import type { ScenarioOnDisk } from '../scenario/index.js';
import { demandFromSpec, type WorkloadSpec } from '../replay/demand/synthetic.js';
import { loadPolicy } from '../replay/policies/index.js';
import { replayDemand, type EngineOverrides } from '../replay/replayDemand.js';
import type { ReplayResult } from '../replay/types.js';
import { measureScenarioLatency, measureTraceLatency } from './latency.js';
import type { ProbeLatency } from './types.js';
import { compare } from './compare.js';
import type { CompareOptions, CompareResult, CompareScenarioInput } from './compareTypes.js';

// The whole `compare` job for scenarios on disk: align each, measure its probes, replay it under
// every policy, measure the replays, then compare(). I/O lives here; compare() stays pure.

export interface CompareRunOptions extends CompareOptions {
  /** Policies to replay (names or policy module paths); default vanilla, dynamic, static. */
  policies?: string[];
  /** Parameters per policy name. */
  policyParams?: Record<string, Record<string, unknown>>;
  /** Probe task (name or tid) for every machine; default scenario "probes", else cyclictest. */
  task?: string | number;
  /** Engine options for every replay (seed, host scheduler, HZ, ...). */
  engine?: EngineOverrides;
  /** Progress: a stage label, work done and total (in that stage's units) when known. */
  onProgress?: (label: string, done: number, total: number | null) => void;
}

export const DEFAULT_POLICIES = ['vanilla', 'dynamic', 'static'] as const;

/** Why a scenario cannot be replayed yet: printed to the user without a stack. */
export class ReplayUnavailableError extends Error {
  readonly userError = true;
}

/**
 * Replay one aligned scenario under a policy. A generated scenario carries its workload spec
 * (scenario.generator.spec), which is replayed exactly, with the generator's seed unless the
 * engine options give one.
 */
export async function replayAligned(
  aligned: AlignedScenario,
  policyName: string,
  o: Pick<CompareRunOptions, 'policyParams' | 'engine'> = {},
  progress?: (doneNs: number, totalNs: number) => void,
): Promise<ReplayResult> {
  const gen = aligned.scenario.generator as { spec?: WorkloadSpec; seed?: number } | undefined;
  const policy = await loadPolicy(policyName, o.policyParams?.[policyName] ?? {});
  if (gen?.spec) {
    const seed = o.engine?.seed ?? gen.seed ?? gen.spec.seed ?? 1;
    return replayDemand(demandFromSpec(gen.spec), policy, { ...(o.engine ?? {}), seed }, progress);
  }
  throw new ReplayUnavailableError(
    `${aligned.name}: replaying a captured trace (no generator spec in scenario.json) is not available in this build yet; ` +
      'generated scenarios (vcpu-replay generate) can be compared',
  );
}

/** Probes measured on a replayed trace, with the scenario's probe names and vCPU maps. */
export function measureReplay(aligned: AlignedScenario, result: ReplayResult, task?: string | number): ProbeLatency[] {
  const vcpus = new Map(aligned.guests.map((g) => [g.name, g.vcpus.tids] as const));
  return measureTraceLatency(result.trace, {
    ...(task !== undefined ? { task } : {}),
    ...(aligned.scenario.probes ? { probes: aligned.scenario.probes } : {}),
    vcpus,
  });
}

/** Align, measure and replay one scenario: the input compare() needs. */
export async function prepareCompareInput(onDisk: ScenarioOnDisk, o: CompareRunOptions = {}): Promise<CompareScenarioInput> {
  const name = onDisk.scenario.name;
  const aligned = await alignScenario(onDisk, {
    onStage: (l) => o.onProgress?.(`${name}: ${l}`, 0, null),
    onProgress: (n, total) => o.onProgress?.(`${name}: reading`, n, total),
  });
  const measured = measureScenarioLatency(aligned, o.task === undefined ? {} : { task: o.task });
  const replays = [];
  for (const p of o.policies ?? DEFAULT_POLICIES) {
    const result = await replayAligned(aligned, p, o, (done, total) => o.onProgress?.(`${name}: replay ${p}`, done, total));
    replays.push({ result, probes: measureReplay(aligned, result, o.task) });
  }
  return { aligned, measured, replays };
}

/** The comparison of scenarios on disk. Returns the inputs too: charts and reports need the samples. */
export async function runCompare(scenarios: ScenarioOnDisk[], o: CompareRunOptions = {}): Promise<{ result: CompareResult; inputs: CompareScenarioInput[] }> {
  const inputs: CompareScenarioInput[] = [];
  for (const s of scenarios) inputs.push(await prepareCompareInput(s, o));
  const policies = (o.policies ?? [...DEFAULT_POLICIES]).map((p) => inputs.flatMap((i) => i.replays).find((r) => r.result.policy === p || p.endsWith(r.result.policy))?.result.policy ?? p);
  return { result: compare(inputs, { ...o, policies: [...new Set(policies)] }), inputs };
}
