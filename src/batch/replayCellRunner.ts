import { alignScenario } from '../align/alignScenario.js';
import type { AlignedScenario } from '../align/types.js';
import { loadScenario, scenarioFromFiles } from '../scenario/index.js';
import { demandFromAligned } from '../replay/demand/fromTrace.js';
import { demandFromSpec, type WorkloadSpec } from '../replay/demand/synthetic.js';
import type { Demand } from '../replay/demand/types.js';
import { loadPolicy } from '../replay/policies/index.js';
import type { VcpuPolicy } from '../replay/policies/types.js';
import { replayDemand, type EngineOverrides } from '../replay/replayDemand.js';
import { measureProbeLatency, taskTids, ProbeError } from '../metrics/latency.js';
import type { Trace } from '../tables/index.js';
import { bufferDurationNs, countDeadlineMisses, responseTimesNs } from '../metrics/deadline.js';
import { DEFAULT_BUFFER_FRAMES, DEFAULT_SAMPLE_RATE_HZ } from '../metrics/compareTypes.js';
import { hostCpuShare } from '../metrics/hostImpact.js';
import { ENGINE_PARAMS, splitCellParams, type DemandSource } from './cellParams.js';
import type { ExtractOptions } from '../replay/demand/fromTrace.js';
import type { CellOutput, CellSpec, MetricRow } from './types.js';

// The product's cell runner: scenario -> align -> workload (demand) -> replay under one policy
// with the cell's parameters and seed -> metric rows (probe latency stats, deadline misses per
// audio buffer, boost and host-share figures). Runs inside a batch worker thread; a pure
// function of the cell and the files it names.

interface Prepared {
  aligned: AlignedScenario;
  demand: Demand;
}

async function prepare(cell: CellSpec, source: DemandSource, extract: ExtractOptions): Promise<Prepared> {
  const s = cell.scenario;
  const onDisk = s.dir ? await loadScenario(s.dir) : scenarioFromFiles(s.host!, s.guests ?? []);
  const aligned = await alignScenario(onDisk);
  if (source === 'spec') {
    const spec = (aligned.scenario.generator as { spec?: WorkloadSpec } | undefined)?.spec;
    const where = s.dir ? onDisk.file : `trace pair "${s.label}"`;
    if (!spec) throw new Error(`${where}: parameter demand = "spec" needs a generated scenario (scenario.json generator.spec)`);
    return { aligned, demand: demandFromSpec(spec) };
  }
  return { aligned, demand: demandFromAligned(aligned, extract) };
}

// Reading and aligning traces costs far more than one replay, and a worker gets the cells of one
// scenario in a row (cells are ordered by scenario), so keep the last one.
let cached: { key: string; value: Promise<Prepared> } | null = null;
function prepared(cell: CellSpec, source: DemandSource, extract: ExtractOptions): Promise<Prepared> {
  const key = JSON.stringify([cell.scenario, source, extract.affinity ?? null, extract.guestIdlePollNs ?? null]);
  if (cached?.key === key) return cached.value;
  const value = prepare(cell, source, extract);
  // A failure is kept too: the files do not change during a run, so the scenario's other cells
  // fail at once with the same error instead of reading the traces again.
  value.catch(() => undefined);
  cached = { key, value };
  return value;
}

/**
 * The policy and engine settings of a cell; throws on parameters the policy does not have or
 * rejects. The batch calls it for every distinct policy + parameters before running anything.
 */
export async function checkCell(cell: CellSpec): Promise<{ engine: EngineOverrides; policy: VcpuPolicy; extract: ExtractOptions; demand: DemandSource }> {
  const { engine, policy: policyParams, extract, demand } = splitCellParams(cell.params, cell.seed);
  const policy = await loadPolicy(cell.policy, policyParams);
  // A misspelt parameter would silently give identical cells: refuse what the policy ignored.
  for (const k of Object.keys(policyParams)) {
    if (k !== 'postedInterrupts' && !(k in policy.params)) {
      throw new Error(`policy ${cell.policy} has no parameter "${k}" (its parameters: ${Object.keys(policy.params).join(', ') || 'none'}; engine parameters: ${ENGINE_PARAMS.join(', ')})`);
    }
  }
  return { engine, policy, extract, demand };
}

/**
 * Probe latency rows of every machine of a replayed trace. A probe that exists but never got to
 * run (an RT vCPU policy can starve a host task) is a result, not an error: count 0 and a warning.
 */
function probeRows(trace: Trace, probes: Record<string, string>, warnings: string[]): MetricRow[] {
  const rows: MetricRow[] = [];
  const host = trace.machines.find((m) => m.meta.machine === 'host') ?? trace.machines[0]!;
  for (const m of trace.machines) {
    const machine = m === host ? 'host' : m.meta.machine;
    const task = probes[machine] ?? (taskTids(m, 'cyclictest').length ? 'cyclictest' : null);
    if (task === null || !taskTids(m, task).length) continue;
    let p;
    try {
      p = measureProbeLatency(m, machine, { task });
    } catch (e) {
      if (!(e instanceof ProbeError)) throw e;
      warnings.push(`${machine}: probe ${task} never ran after a timer in the replay (starved?): ${e.message}`);
      rows.push({ machine, probe: task, metric: 'count', value: 0 });
      continue;
    }
    warnings.push(...p.warnings);
    for (const [metric, value] of Object.entries(p.stats)) rows.push({ machine, probe: task, metric, value: value as number });
    const resp = responseTimesNs(p, m);
    for (const frames of DEFAULT_BUFFER_FRAMES) {
      const d = countDeadlineMisses(resp, bufferDurationNs(frames, DEFAULT_SAMPLE_RATE_HZ));
      rows.push({ machine, probe: task, metric: `deadlineMisses_${frames}f`, value: d.misses });
      rows.push({ machine, probe: task, metric: `deadlinePeriods_${frames}f`, value: d.periods });
    }
  }
  return rows;
}

export async function runCell(cell: CellSpec): Promise<CellOutput> {
  const { engine, policy, extract, demand: source } = await checkCell(cell);
  const { aligned, demand } = await prepared(cell, source, extract);
  const result = replayDemand(demand, policy, engine);
  const warnings = [...aligned.warnings, ...result.warnings];
  const rows = probeRows(result.trace, (aligned.scenario.probes ?? {}) as Record<string, string>, warnings);
  const host = result.trace.machines[0]!;
  const share = hostCpuShare(host, new Set(demand.guests.flatMap((g) => g.vcpuTids)));
  const b = result.boost;
  rows.push(
    { machine: 'host', probe: '', metric: 'boosts', value: b.boosts },
    { machine: 'host', probe: '', metric: 'boostedMs', value: b.boostedNs / 1e6 },
    { machine: 'host', probe: '', metric: 'capHits', value: b.capHits },
    { machine: 'host', probe: '', metric: 'rtThrottles', value: b.throttles },
    { machine: 'host', probe: '', metric: 'simulatedEvents', value: result.simulatedEvents },
  );
  if (share) {
    rows.push(
      { machine: 'host', probe: '', metric: 'vcpuCpuShare', value: share.vcpu },
      { machine: 'host', probe: '', metric: 'otherCpuShare', value: share.other },
      { machine: 'host', probe: '', metric: 'idleCpuShare', value: share.idle },
    );
  }
  return { rows, warnings: [...new Set(warnings)] };
}
