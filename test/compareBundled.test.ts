import { describe, expect, it } from 'vitest';
import { bundledScenarioDirs } from '../src/cli/scenarioArgs.js';
import { loadScenario } from '../src/scenario/index.js';
import { runCompare } from '../src/metrics/comparePipeline.js';

// The README's first job on a real bundled capture (traces/*/scenario.json): the trace column must
// agree with what cyclictest itself printed during the capture.

const dirs = bundledScenarioDirs();
if (!dirs.length) process.stderr.write('\n*** SKIPPED compare on bundled captures: no traces/*/scenario.json in this checkout ***\n\n');

describe.skipIf(!dirs.length)('compare on the first bundled capture', () => {
  it('measures what cyclictest printed and replays every policy', async () => {
    const sc = await loadScenario(dirs[0]!);
    const { result } = await runCompare([sc], { policies: ['vanilla', 'dynamic'] });
    for (const row of result.latency) {
      const tool = sc.scenario.measured?.[row.machine];
      if (!tool || !row.measured) continue;
      const printed = tool.threads.reduce((n, t) => n + t.count, 0);
      // cyclictest counts the loops it finished; the trace sees the same activations (±1%).
      expect(Math.abs(row.measured.count - printed) / printed).toBeLessThan(0.01);
      const printedMax = Math.max(...tool.threads.map((t) => t.maxUs));
      // Its max is switch-in + the user-space read; ours ends at the switch-in: never larger, close.
      expect(row.measured.maxUs).toBeLessThanOrEqual(printedMax + 1);
      expect(row.measured.maxUs).toBeGreaterThan(printedMax * 0.5);
    }
    const guest = result.latency.find((r) => r.side === 'guest')!;
    expect(guest.byPolicy['vanilla']?.count).toBeGreaterThan(0);
    expect(result.deadlines[0]!.measured!.periods + result.deadlines[0]!.measured!.unfinished).toBe(guest.measured!.count);
  }, 120_000);
});
