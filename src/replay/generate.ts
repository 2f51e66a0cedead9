// `generate`: a synthetic scenario from a workload spec. The spec is simulated under its captured
// policy with the replay engine, and the schedule is written as ftrace text traces plus a
// scenario.json (same clock, known vCPU map), so every later stage reads it like a capture.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFtraceTextFile } from '../tables/ftraceTextWriter.js';
import { validateScenario, type Scenario } from '../scenario/index.js';
import { demandFromSpec, type WorkloadSpec } from './demand/synthetic.js';
import { loadPolicy } from './policies/index.js';
import { replayDemand, type EngineOverrides } from './replayDemand.js';
import type { ReplayResult } from './types.js';

export interface GenerateOptions {
  seed?: number;
  engine?: EngineOverrides;
  progress?: (doneNs: number, totalNs: number) => void;
}

export interface GenerateResult {
  dir: string;
  scenario: Scenario;
  result: ReplayResult;
}

/** Pure part: the scenario.json content for a spec and the file names used. */
export function scenarioForSpec(spec: WorkloadSpec, seed: number): Scenario {
  const d = demandFromSpec(spec);
  const probes: Record<string, string> = {};
  const hostProbe = d.host.tasks.find((t) => t.probe);
  if (hostProbe) probes['host'] = hostProbe.name;
  for (const g of d.guests) {
    const p = g.tasks.find((t) => t.probe);
    if (p) probes[g.name] = p.name;
  }
  const s: Scenario = {
    version: 1,
    name: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    host: { trace: 'host.txt', cpus: d.host.cpus, ...(d.host.kernel ? { kernel: d.host.kernel } : {}) },
    guests: d.guests.map((g) => ({
      name: g.name,
      trace: `${g.name}.txt`,
      vcpus: g.vcpuTids,
      clock: { offsetNs: 0, source: 'same-clock' },
      cpus: g.vcpuTids.length,
      ...(g.kernel ? { kernel: g.kernel } : {}),
    })),
    capturedPolicy: spec.capturedPolicy ?? { name: 'vanilla' },
    probes,
    capture: { generated: true, durationMs: spec.durationMs, accel: d.guests.map((g) => g.accel) },
    generator: { tool: 'vcpu-replay generate', seed, spec: spec as unknown as Record<string, unknown> },
  };
  return validateScenario(s, `${spec.name}/scenario.json`);
}

export async function generateScenario(spec: WorkloadSpec, outDir: string, opts: GenerateOptions = {}): Promise<GenerateResult> {
  const seed = opts.seed ?? spec.seed ?? 1;
  const scenario = scenarioForSpec(spec, seed);
  const demand = demandFromSpec(spec);
  const cap = scenario.capturedPolicy!;
  const policy = await loadPolicy(cap.name, cap.params ?? {});
  const result = replayDemand(demand, policy, { ...(opts.engine ?? {}), seed }, opts.progress);
  await mkdir(outDir, { recursive: true });
  const [host, ...guests] = result.trace.machines;
  await writeFtraceTextFile(join(outDir, 'host.txt'), host!);
  for (let i = 0; i < guests.length; i++) await writeFtraceTextFile(join(outDir, `${demand.guests[i]!.name}.txt`), guests[i]!);
  await writeFile(join(outDir, 'scenario.json'), JSON.stringify(scenario, null, 2) + '\n');
  return { dir: outDir, scenario, result };
}
