import { describe, expect, it } from 'vitest';
import { alignScenario } from '../../src/align/alignScenario.js';
import { measureScenarioLatency } from '../../src/metrics/latency.js';
import { loadScenario } from '../../src/scenario/index.js';
import { bundledScenarioDirs } from '../../src/cli/scenarioArgs.js';

// The trace-derived latency of cyclictest must agree with what cyclictest itself printed
// (scenario.measured) on every bundled real capture: same number of activations within 1%,
// average and maximum each within 10% or 20 µs, whichever is larger. cyclictest reads its clock
// after returning to user space, so it sees a few µs more than the switch-in.
//
// Each bundled capture costs a 100+ MB text ingest, so the captures are spread over several test
// files (latency-captures-<k>.test.ts takes every SHARDS-th one) to keep each file fast.

export const SHARDS = 4;

export function latencyCaptureTests(shard: number): void {
  const dirs = bundledScenarioDirs().filter((_, i) => i % SHARDS === shard);
  if (!dirs.length) process.stderr.write(`SKIPPED latency-captures-${shard}: no bundled captures for this shard in traces/*/scenario.json\n`);
  describe.skipIf(!dirs.length)(`measured latency on the bundled captures (shard ${shard})`, () => {
    for (const dir of dirs) {
      it(`${dir.split('/').pop()}: agrees with cyclictest's own summary`, async () => {
        const sc = await loadScenario(dir);
        // Latency is measured in each machine's own clock: the clock refinement does not change it.
        const aligned = await alignScenario(sc, { refineClock: false });
        const probes = measureScenarioLatency(aligned);
        const measured = sc.scenario.measured ?? {};
        expect(Object.keys(measured).length).toBeGreaterThan(0);
        for (const [machine, m] of Object.entries(measured)) {
          const p = probes.find((x) => x.machine === machine);
          expect(p, `no trace-derived probe for ${machine}`).toBeDefined();
          const count = m.threads.reduce((a, t) => a + t.count, 0);
          const avg = m.threads.reduce((a, t) => a + t.avgUs * t.count, 0) / count;
          const max = Math.max(...m.threads.map((t) => t.maxUs));
          const s = p!.stats;
          const tol = (v: number) => Math.max(0.1 * v, 20);
          const what = `${machine}: trace count ${s.count} avg ${s.avgUs.toFixed(1)} max ${s.maxUs.toFixed(1)} vs cyclictest ${count}/${avg.toFixed(1)}/${max}`;
          expect(Math.abs(s.count - count), what).toBeLessThanOrEqual(0.01 * count);
          expect(Math.abs(s.avgUs - avg), what).toBeLessThanOrEqual(tol(avg));
          expect(Math.abs(s.maxUs - max), what).toBeLessThanOrEqual(tol(max));
        }
        for (const g of aligned.guests) {
          const p = probes.find((x) => x.machine === g.name);
          if (!p) continue;
          // the host-caused part is a part: never more than the latency itself
          for (let i = 0; i < p.latencyNs.length; i++) expect(p.hostCausedNs![i]!).toBeLessThanOrEqual(p.latencyNs[i]! + 1);
        }
      }, 120_000);
    }
  });
}
