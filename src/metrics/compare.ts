import type { Trace, TraceTables } from '../tables/index.js';
import type { AlignedScenario } from '../align/types.js';
import type { ProbeLatency } from './types.js';
import { bufferDurationNs, countDeadlineMisses, responseTimesNs } from './deadline.js';
import { hostCpuShare } from './hostImpact.js';
import {
  DEFAULT_BUFFER_FRAMES,
  DEFAULT_SAMPLE_RATE_HZ,
  type CompareOptions,
  type CompareResult,
  type CompareScenarioInput,
  type DeadlineCount,
  type DeadlineRow,
  type HostImpactRow,
  type LatencyRow,
  type ScenarioFacts,
  type ScenarioKey,
} from './compareTypes.js';

// compare(): the RFC-style comparison as plain data. Pure: everything it reports is computed
// from the aligned captured scenario, the probes measured on it, and the replay results.

export function compare(inputs: CompareScenarioInput[], opts: CompareOptions = {}): CompareResult {
  const policies = opts.policies ?? uniq(inputs.flatMap((s) => s.replays.map((r) => r.result.policy)));
  const bufferFrames = [...(opts.bufferFrames ?? DEFAULT_BUFFER_FRAMES)];
  const sampleRateHz = opts.sampleRateHz ?? DEFAULT_SAMPLE_RATE_HZ;
  if (!(sampleRateHz > 0)) throw new Error(`sample rate must be > 0 Hz (got ${sampleRateHz})`);
  for (const f of bufferFrames) if (!(f > 0)) throw new Error(`buffer sizes must be > 0 frames (got ${f})`);

  const result: CompareResult = { policies, bufferFrames, sampleRateHz, latency: [], deadlines: [], hostImpact: [], scenarios: [], warnings: [] };
  for (const input of inputs) {
    const key = scenarioKey(input.aligned);
    const byPolicy = new Map(input.replays.map((r) => [r.result.policy, r]));
    for (const p of byPolicy.keys()) if (!policies.includes(p)) result.warnings.push(`${key.scenario}: replayed policy "${p}" is not in the policy list`);
    for (const p of policies) if (!byPolicy.has(p)) result.warnings.push(`${key.scenario}: no replay for policy "${p}"`);

    const probeKeys = uniq([...input.measured, ...input.replays.flatMap((r) => r.probes)].map((p) => `${p.machine}\u0000${p.task}`))
      .map((k) => k.split('\u0000') as [string, string])
      .sort(([a], [b]) => Number(a === 'host') - Number(b === 'host'));

    for (const [machine, task] of probeKeys) {
      const find = (ps: ProbeLatency[]) => ps.find((p) => p.machine === machine && p.task === task) ?? null;
      const row: LatencyRow = { ...key, side: machine === 'host' ? 'host' : 'guest', machine, task, measured: find(input.measured)?.stats ?? null, byPolicy: {} };
      for (const p of policies) row.byPolicy[p] = byPolicy.has(p) ? (find(byPolicy.get(p)!.probes)?.stats ?? null) : null;
      result.latency.push(row);
    }

    // Deadlines are about the guest's periodic consumer; a host-only scenario uses its host probe.
    const guestProbes = probeKeys.filter(([m]) => m !== 'host');
    for (const [machine, task] of guestProbes.length ? guestProbes : probeKeys) {
      const find = (ps: ProbeLatency[]) => ps.find((p) => p.machine === machine && p.task === task) ?? null;
      const responses = (probe: ProbeLatency | null, tables: TraceTables | null) => (probe && tables ? responseTimesNs(probe, tables) : null);
      const measuredResp = responses(find(input.measured), alignedMachine(input.aligned, machine));
      const policyResp = new Map(
        policies.map((p) => {
          const r = byPolicy.get(p);
          return [p, r ? responses(find(r.probes), traceMachine(r.result.trace, machine, input.aligned)) : null] as const;
        }),
      );
      for (const frames of bufferFrames) {
        const bufferNs = bufferDurationNs(frames, sampleRateHz);
        const count = (resp: Float64Array | null): DeadlineCount | null => (resp ? countDeadlineMisses(resp, bufferNs) : null);
        const row: DeadlineRow = { ...key, machine, task, bufferFrames: frames, bufferUs: bufferNs / 1000, measured: count(measuredResp), byPolicy: {} };
        for (const p of policies) row.byPolicy[p] = count(policyResp.get(p) ?? null);
        result.deadlines.push(row);
      }
    }

    const vcpuTids = new Set(input.aligned.guests.flatMap((g) => [...g.vcpus.tids.values()]));
    const hostProbe = (ps: ProbeLatency[]) => ps.find((p) => p.machine === 'host')?.stats ?? null;
    const traceRow: HostImpactRow = {
      ...key,
      policy: 'trace',
      hostProbe: hostProbe(input.measured),
      share: hostCpuShare(input.aligned.host, vcpuTids),
      throttles: null,
      boosts: null,
      boostedNs: null,
      capHits: null,
      boostReasons: {},
    };
    result.hostImpact.push(traceRow);
    for (const p of policies) {
      const r = byPolicy.get(p);
      if (!r) continue;
      const host = traceMachine(r.result.trace, 'host', input.aligned);
      const b = r.result.boost;
      result.hostImpact.push({
        ...key,
        policy: p,
        hostProbe: hostProbe(r.probes),
        share: host ? hostCpuShare(host, vcpuTids) : null,
        throttles: b.throttles,
        boosts: b.boosts,
        boostedNs: b.boostedNs,
        capHits: b.capHits,
        boostReasons: sortedRecord(b.byReason),
      });
    }
    // A latency longer than the whole trace cannot be real: say so rather than let it pass as data.
    const spanUs = (input.aligned.host.meta.endNs - input.aligned.host.meta.startNs) / 1000;
    const runs: Array<[string, ProbeLatency[]]> = [['trace', input.measured], ...input.replays.map((r): [string, ProbeLatency[]] => [r.result.policy, r.probes])];
    for (const [run, probes] of runs) {
      for (const p of probes) {
        if (p.stats.count && p.stats.maxUs > spanUs) result.warnings.push(`${key.scenario} [${run}]: ${p.machine}/${p.task} max latency ${p.stats.maxUs.toExponential(3)} µs exceeds the trace span (${spanUs.toFixed(0)} µs): the measurement is broken (clock mapping?)`);
      }
    }
    result.scenarios.push(scenarioFacts(input, key));
    for (const r of input.replays) for (const w of r.result.warnings) result.warnings.push(`${key.scenario} [${r.result.policy}]: ${w}`);
  }
  return result;
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function sortedRecord(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}

/** The row label facts: load and interval as the capture lab or generator recorded them. */
export function scenarioKey(aligned: AlignedScenario): ScenarioKey {
  const s = aligned.scenario;
  const facts = { ...(s.generator ?? {}), ...(s.capture ?? {}) } as Record<string, unknown>;
  const load = typeof facts['load'] === 'string' ? facts['load'] : typeof facts['hostLoad'] === 'string' ? (facts['hostLoad'] as string) : null;
  let intervalUs: number | null = null;
  for (const k of ['intervalUs', 'interval', 'periodUs']) if (typeof facts[k] === 'number') { intervalUs = facts[k] as number; break; }
  if (intervalUs === null) {
    for (const m of Object.values(s.measured ?? {})) {
      const t = m.threads.find((x) => typeof x.intervalUs === 'number');
      if (t) { intervalUs = t.intervalUs!; break; }
    }
  }
  if (intervalUs === null) intervalUs = generatorProbeInterval(s.generator);
  return { scenario: aligned.name || s.name, load, intervalUs, capturedPolicy: s.capturedPolicy?.name ?? null };
}

/** A generated scenario's probe period: the first guest (else host) probe task in its spec. */
function generatorProbeInterval(gen: Record<string, unknown> | undefined): number | null {
  type T = { kind?: string; probe?: boolean; intervalUs?: number };
  const spec = gen?.['spec'] as { host?: { tasks?: T[] }; guests?: Array<{ tasks?: T[] }> } | undefined;
  if (!spec) return null;
  const isProbe = (t: T) => (t.probe || t.kind === 'cyclictest') && typeof t.intervalUs === 'number';
  for (const tasks of [...(spec.guests ?? []).map((g) => g.tasks ?? []), spec.host?.tasks ?? []]) {
    const t = tasks.find(isProbe);
    if (t) return t.intervalUs!;
  }
  return null;
}

function alignedMachine(aligned: AlignedScenario, machine: string): TraceTables | null {
  if (machine === 'host') return aligned.host;
  return aligned.guests.find((g) => g.name === machine)?.tables ?? null;
}

/** A machine of a replayed trace: by name, else by position (host first, then guests in scenario order). */
export function traceMachine(trace: Trace, machine: string, aligned: AlignedScenario): TraceTables | null {
  const byName = trace.machines.find((m) => m.meta.machine === machine);
  if (byName) return byName;
  const idx = machine === 'host' ? 0 : 1 + aligned.guests.findIndex((g) => g.name === machine);
  return idx >= 0 && idx < trace.machines.length && (machine === 'host' || idx > 0) ? trace.machines[idx]! : null;
}

function scenarioFacts(input: CompareScenarioInput, key: ScenarioKey): ScenarioFacts {
  const a = input.aligned;
  const s = a.scenario;
  const machineFacts = (name: string, t: TraceTables) => {
    const known = t.meta.lost.filter((l) => l.events !== null);
    return {
      name,
      format: t.meta.formatDetail || t.meta.format,
      source: t.meta.source,
      kernel: t.meta.kernelVersion,
      cpus: t.meta.cpuCount,
      clock: t.meta.clock,
      spanNs: t.meta.endNs - t.meta.startNs,
      lost: t.meta.lost.length,
      lostEvents: known.length === t.meta.lost.length ? known.reduce((n, l) => n + (l.events ?? 0), 0) : null,
      warnings: [...t.meta.warnings],
    };
  };
  const toolReported: ScenarioFacts['toolReported'] = {};
  for (const [m, mp] of Object.entries(s.measured ?? {})) {
    const count = mp.threads.reduce((n, t) => n + t.count, 0);
    const avgUs = count ? mp.threads.reduce((n, t) => n + t.avgUs * t.count, 0) / count : NaN;
    toolReported[m] = { tool: mp.tool, task: mp.task, count, avgUs, maxUs: Math.max(...mp.threads.map((t) => t.maxUs)) };
  }
  return {
    ...key,
    dir: a.dir,
    description: s.description ?? null,
    machines: [machineFacts('host', a.host), ...a.guests.filter((g) => g.tables).map((g) => machineFacts(g.name, g.tables!))],
    alignment: a.guests.map((g) => ({
      guest: g.name,
      clockSource: g.clock.source,
      offsetNs: g.clock.offsetNs,
      uncertaintyNs: g.clock.uncertaintyNs,
      vcpuSource: g.vcpus.source,
      vcpus: Object.fromEntries([...g.vcpus.tids].map(([c, t]) => [String(c), t])),
    })),
    capture: { ...(s.capture ?? {}) },
    toolReported,
    replayParams: Object.fromEntries(input.replays.map((r) => [r.result.policy, r.result.params])),
    warnings: [...a.warnings],
  };
}
