import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadScenario, type Scenario } from '../scenario/index.js';
import { demandFromSpec, type WorkloadSpec } from '../replay/demand/synthetic.js';
import type { Demand } from '../replay/demand/types.js';
import { loadPolicy } from '../replay/policies/index.js';
import { replayDemand, type EngineOverrides } from '../replay/replayDemand.js';
import type { VcpuPolicy } from '../replay/policies/types.js';
import { probeSamples, tidsByName } from '../replay/measure.js';
import { latencyStatsFromNs } from '../metrics/compareStats.js';
import { bufferDurationNs, countDeadlineMisses, responseTimesNs } from '../metrics/deadline.js';
import { DEFAULT_BUFFER_FRAMES, DEFAULT_SAMPLE_RATE_HZ } from '../metrics/compareTypes.js';
import { hostCpuShare } from '../metrics/hostImpact.js';
import type { TraceTables } from '../tables/index.js';
import { ENGINE_PARAMS, splitCellParams } from './cellParams.js';
import type { CellOutput, CellSpec, MetricRow } from './types.js';

// The product's cell runner: scenario -> demand -> replay under one policy with the cell's
// parameters and seed -> metric rows (probe latency stats, deadline misses per audio buffer,
// boost and host-share figures). Runs inside a batch worker thread; pure given its inputs.

/** Demand of a scenario. Generated scenarios carry the spec they were generated from. */
async function demandOf(cell: CellSpec): Promise<{ scenario: Scenario; demand: Demand }> {
  if (!cell.scenario.dir) {
    throw new Error(`scenario "${cell.scenario.label}" is a host/guest trace pair: replaying captured traces needs the trace demand extractor, which this build does not have yet; use generated scenario directories`);
  }
  const { scenario } = await loadScenario(cell.scenario.dir);
  const spec = (scenario.generator as { spec?: WorkloadSpec } | undefined)?.spec;
  if (!spec) {
    throw new Error(`${join(cell.scenario.dir, 'scenario.json')}: captured scenario (no generator.spec): replaying captured traces needs the trace demand extractor, which this build does not have yet`);
  }
  return { scenario, demand: demandFromSpec(spec) };
}

// A worker runs many cells of the same scenario in a row (cells are ordered by scenario).
let cached: { dir: string; mtime: string; value: Promise<{ scenario: Scenario; demand: Demand }> } | null = null;
async function cachedDemand(cell: CellSpec): Promise<{ scenario: Scenario; demand: Demand }> {
  const dir = cell.scenario.dir ?? '';
  const stamp = dir ? await readFile(join(dir, 'scenario.json'), 'utf8').catch(() => '') : '';
  if (cached && cached.dir === dir && cached.mtime === stamp) return cached.value;
  cached = { dir, mtime: stamp, value: demandOf(cell) };
  cached.value.catch(() => (cached = null));
  return cached.value;
}

function probeRows(machine: string, task: string, tables: TraceTables): MetricRow[] {
  const tids = tidsByName(tables, task);
  const s = probeSamples(tables, tids);
  const stats = latencyStatsFromNs(s.latencyNs);
  const rows: MetricRow[] = Object.entries(stats).map(([metric, value]) => ({ machine, probe: task, metric, value: value as number }));
  const resp = responseTimesNs({ machine, task, tids, stats, activationTsNs: s.activationTsNs, latencyNs: s.latencyNs }, tables);
  for (const frames of DEFAULT_BUFFER_FRAMES) {
    const d = countDeadlineMisses(resp, bufferDurationNs(frames, DEFAULT_SAMPLE_RATE_HZ));
    rows.push({ machine, probe: task, metric: `deadlineMisses_${frames}f`, value: d.misses });
    rows.push({ machine, probe: task, metric: `deadlinePeriods_${frames}f`, value: d.periods });
  }
  return rows;
}

/**
 * The policy and engine settings of a cell; throws on parameters the policy does not have or
 * rejects. The batch calls it for every distinct policy + parameters before running anything.
 */
export async function checkCell(cell: CellSpec): Promise<{ engine: EngineOverrides; policy: VcpuPolicy }> {
  const { engine, policy: policyParams } = splitCellParams(cell.params, cell.seed);
  const policy = await loadPolicy(cell.policy, policyParams);
  // A misspelt parameter would silently give identical cells: refuse what the policy ignored.
  for (const k of Object.keys(policyParams)) {
    if (k !== 'postedInterrupts' && !(k in policy.params)) {
      throw new Error(`policy ${cell.policy} has no parameter "${k}" (its parameters: ${Object.keys(policy.params).join(', ') || 'none'}; engine parameters: ${ENGINE_PARAMS.join(', ')})`);
    }
  }
  return { engine, policy };
}

export async function runCell(cell: CellSpec): Promise<CellOutput> {
  const { engine, policy } = await checkCell(cell);
  const { scenario, demand } = await cachedDemand(cell);
  const result = replayDemand(demand, policy, engine);
  const rows: MetricRow[] = [];
  const probes = scenario.probes ?? {};
  for (const m of result.trace.machines) {
    const task = probes[m.meta.machine];
    if (task) rows.push(...probeRows(m.meta.machine, task, m));
  }
  const host = result.trace.machines[0]!;
  const vcpuTids = new Set(demand.guests.flatMap((g) => g.vcpuTids));
  const share = hostCpuShare(host, vcpuTids);
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
  return { rows, warnings: result.warnings };
}
