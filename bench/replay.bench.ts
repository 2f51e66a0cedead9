// Replay engine speed: simulated events per second, and the time to replay a 10 s capture
// (RFC-shaped, generated) under vanilla, dynamic and static.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demandFromSpec, type WorkloadSpec } from '../src/replay/demand/synthetic.js';
import { replayDemand } from '../src/replay/replayDemand.js';
import { builtinPolicy } from '../src/replay/policies/index.js';
import { generateScenario } from '../src/replay/generate.js';
import { loadScenario } from '../src/scenario/index.js';
import { alignScenario } from '../src/align/alignScenario.js';
import { demandFromAligned } from '../src/replay/demand/fromTrace.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function run(): Promise<Record<string, number | string>> {
  const spec = JSON.parse(readFileSync(join(repo, 'examples/rfc-busy.json'), 'utf8')) as WorkloadSpec;
  spec.durationMs = 10_000;
  const out: Record<string, number | string> = {};
  const demand = demandFromSpec(spec);
  // Warm the JIT on every policy first: the figures are for steady-state simulation.
  for (const p of ['vanilla', 'dynamic', 'static']) replayDemand({ ...demand, durationNs: 2e9 }, builtinPolicy(p));
  out['load average (1 min) at start'] = (await import('node:os')).loadavg()[0]!;
  for (const p of ['vanilla', 'dynamic', 'static']) {
    // Best of two: the machine is shared, so the faster run is the closer to the engine's cost.
    let best = Infinity;
    let events = 0;
    for (let k = 0; k < 2; k++) {
      const t0 = performance.now();
      events = replayDemand(demand, builtinPolicy(p)).simulatedEvents;
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    out[`${p}: simulated events (10 s spec)`] = events;
    out[`${p}: simulated events/s`] = Math.round(events / best);
  }
  const dir = mkdtempSync(join(tmpdir(), 'vr-bench-'));
  try {
    await generateScenario(spec, dir);
    let t0 = performance.now();
    const aligned = await alignScenario(await loadScenario(dir));
    out['10 s capture: ingest + align, s'] = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const d = demandFromAligned(aligned);
    let events = 0;
    for (const p of ['vanilla', 'dynamic', 'static']) events += replayDemand(d, builtinPolicy(p)).simulatedEvents;
    const s = (performance.now() - t0) / 1000;
    out['10 s capture: extract + 3-policy replay, s'] = s;
    out['10 s capture: 3-policy simulated events/s'] = Math.round(events / s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // A real bundled capture (10 s, QEMU TCG guest; ~0.2 M host + 40 k guest sched_switch).
  const real = join(repo, 'traces/busy-vanilla-i500');
  {
    let t0 = performance.now();
    const aligned = await alignScenario(await loadScenario(real));
    out['bundled busy-vanilla-i500: ingest + align, s'] = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const d = demandFromAligned(aligned);
    out['bundled busy-vanilla-i500: demand extraction, s'] = (performance.now() - t0) / 1000;
    let events = 0;
    for (const p of ['vanilla', 'dynamic', 'static']) events += replayDemand(d, builtinPolicy(p)).simulatedEvents;
    const s = (performance.now() - t0) / 1000;
    out['bundled busy-vanilla-i500: extract + 3-policy replay, s'] = s;
    out['bundled busy-vanilla-i500: 3-policy simulated events/s'] = Math.round(events / s);
  }
  return out;
}
