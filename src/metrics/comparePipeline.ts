import type { AlignedScenario } from '../align/types.js';
import { alignScenario } from '../align/alignScenario.js';
import type { ScenarioOnDisk } from '../scenario/index.js';
import { demandFromSpec, type WorkloadSpec } from '../replay/demand/synthetic.js';
import { demandFromAligned, type ExtractOptions } from '../replay/demand/fromTrace.js';
import type { Demand } from '../replay/demand/types.js';
import { loadPolicy } from '../replay/policies/index.js';
import { replayDemand, type EngineOverrides } from '../replay/replayDemand.js';
import type { ReplayResult } from '../replay/types.js';
import { measureProbeLatency, measureScenarioLatency, ProbeError, taskTids } from './latency.js';
import { threadStates } from '../timeline/threadStates.js';
import { threadIntervals } from '../timeline/build.js';
import type { IntervalSet } from '../timeline/intervals.js';
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
  /** How demand is extracted from captured traces (affinity, guest idle poll). */
  extract?: ExtractOptions;
  /** Generated scenarios: replay their generator spec instead of the demand extracted from their traces. */
  fromSpec?: boolean;
  /** Progress: what runs now and the fraction (0..1) of the whole job done. */
  onProgress?: (label: string, fraction: number) => void;
}

export const DEFAULT_POLICIES = ['vanilla', 'dynamic', 'static'] as const;

/**
 * The demand to replay: extracted from the aligned traces (as `replay` does), or, with fromSpec, a
 * generated scenario's own workload spec (scenario.generator.spec), replayed exactly with the
 * generator's seed unless the engine options give one.
 */
export function scenarioDemand(
  aligned: AlignedScenario,
  o: { fromSpec?: boolean; extract?: ExtractOptions } = {},
): { demand: Demand; seed: number | undefined; source: 'generator-spec' | 'trace' } {
  const gen = aligned.scenario.generator as { spec?: WorkloadSpec; seed?: number } | undefined;
  if (o.fromSpec) {
    if (!gen?.spec) throw new ReplaySourceError(`${aligned.name}: --from-spec needs a generated scenario (scenario.json with generator.spec)`);
    return { demand: demandFromSpec(gen.spec), seed: gen.seed ?? gen.spec.seed, source: 'generator-spec' };
  }
  return { demand: demandFromAligned(aligned, o.extract ?? {}), seed: undefined, source: 'trace' };
}

/** A replay source that cannot be used: printed to the user without a stack. */
export class ReplaySourceError extends Error {
  readonly userError = true;
}

/** Replay a demand under one policy; the seed is the engine's, else the generator's, else 1. */
export async function replayPolicy(
  demand: Demand,
  policyName: string,
  o: Pick<CompareRunOptions, 'policyParams' | 'engine'> & { defaultSeed?: number | undefined } = {},
  progress?: (doneNs: number, totalNs: number) => void,
): Promise<ReplayResult> {
  const policy = await loadPolicy(policyName, o.policyParams?.[policyName] ?? {});
  const seed = o.engine?.seed ?? o.defaultSeed ?? 1;
  return replayDemand(demand, policy, { ...(o.engine ?? {}), seed }, progress);
}

/** Replay one aligned scenario under a policy (see scenarioDemand for where the demand comes from). */
export async function replayAligned(aligned: AlignedScenario, policyName: string, o: Pick<CompareRunOptions, 'policyParams' | 'engine' | 'fromSpec' | 'extract'> = {}): Promise<ReplayResult> {
  const d = scenarioDemand(aligned, o);
  return replayPolicy(d.demand, policyName, { ...o, defaultSeed: d.seed });
}

/**
 * Probes measured on a replayed trace, with the scenario's probe names and vCPU maps. A probe that
 * cannot be measured in a replay (e.g. no timer-driven activations) becomes a warning on that
 * replay and a "-" in the tables, rather than failing the whole comparison.
 */
export function measureReplay(aligned: AlignedScenario, result: ReplayResult, task?: string | number): ProbeLatency[] {
  const trace = result.trace;
  const host = trace.machines.find((m) => m.meta.machine === 'host') ?? trace.machines[0]!;
  const out: ProbeLatency[] = [];
  let hostStates: ReturnType<typeof threadStates> | null = null;
  for (const m of trace.machines) {
    const name = m === host ? 'host' : m.meta.machine;
    const probe = task ?? aligned.scenario.probes?.[name] ?? (taskTids(m, 'cyclictest').length ? 'cyclictest' : null);
    if (probe === null) continue;
    try {
      if (m === host) {
        out.push(measureProbeLatency(m, name, { task: probe }));
        continue;
      }
      hostStates ??= threadStates(host);
      const running = new Map<number, IntervalSet>();
      for (const [cpu, tid] of aligned.guests.find((g) => g.name === name)?.vcpus.tids ?? []) running.set(cpu, threadIntervals(hostStates, tid));
      out.push(measureProbeLatency(m, name, { task: probe, vcpuRunning: running }));
    } catch (e) {
      if (!(e instanceof ProbeError)) throw e;
      result.warnings.push(`${name}: probe not measured in the replay: ${e.message}`);
    }
  }
  return out;
}

/** Align, measure and replay one scenario: the input compare() needs. */
export async function prepareCompareInput(onDisk: ScenarioOnDisk, o: CompareRunOptions = {}): Promise<CompareScenarioInput> {
  const name = onDisk.scenario.name;
  const policies = o.policies ?? DEFAULT_POLICIES;
  // Steps: reading + aligning + measuring, then one per policy; each reports its own fraction.
  const steps = 1 + policies.length;
  let label = `${name}: reading`;
  const report = (step: number, f: number) => o.onProgress?.(label, (step + Math.min(1, Math.max(0, f))) / steps);
  const aligned = await alignScenario(onDisk, {
    onStage: (l) => {
      label = `${name}: ${l}`;
      report(0, 0);
    },
    onProgress: (n, total) => report(0, total ? n / total : 0),
  });
  label = `${name}: measuring probes`;
  report(0, 1);
  const measured = measureScenarioLatency(aligned, o.task === undefined ? {} : { task: o.task });
  label = `${name}: extracting demand`;
  report(0, 1);
  const d = scenarioDemand(aligned, o);
  const replays = [];
  for (const [i, p] of policies.entries()) {
    label = `${name}: replay ${p}`;
    const result = await replayPolicy(d.demand, p, { ...o, defaultSeed: d.seed }, (done, total) => report(1 + i, total ? done / total : 0));
    result.params = { ...result.params, demand: d.source };
    replays.push({ result, probes: measureReplay(aligned, result, o.task) });
  }
  return { aligned, measured, replays };
}

/** The comparison of scenarios on disk. Returns the inputs too: charts and reports need the samples. */
export async function runCompare(scenarios: ScenarioOnDisk[], o: CompareRunOptions = {}): Promise<{ result: CompareResult; inputs: CompareScenarioInput[] }> {
  const inputs: CompareScenarioInput[] = [];
  for (const [i, s] of scenarios.entries()) {
    const onProgress = o.onProgress ? (label: string, f: number) => o.onProgress!(label, (i + f) / scenarios.length) : undefined;
    inputs.push(await prepareCompareInput(s, { ...o, ...(onProgress ? { onProgress } : {}) }));
  }
  // Columns follow the replays (in --policies order), named as the policies name themselves:
  // a policy module path becomes its policy's name.
  const { policies: _names, ...cmp } = o;
  return { result: compare(inputs, cmp), inputs };
}
