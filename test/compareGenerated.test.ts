import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateScenario } from '../src/replay/generate.js';
import { loadScenario } from '../src/scenario/index.js';
import { runCompare } from '../src/metrics/comparePipeline.js';
import type { CompareResult } from '../src/metrics/compareTypes.js';
import type { WorkloadSpec } from '../src/replay/demand/synthetic.js';

// Known answers on a generated scenario without contention: one halting vCPU on a 2-CPU host with
// nothing else to run. No policy can change anything, so every column must agree, nothing misses
// a deadline, and no non-vCPU host thread uses CPU.

const SPEC: WorkloadSpec = {
  name: 'no-contention',
  durationMs: 300,
  seed: 3,
  host: { cpus: 2, kernel: '6.5.0', hz: 250, tasks: [] },
  guests: [
    {
      name: 'guest0',
      vcpus: 1,
      kernel: '6.1.0',
      hz: 250,
      accel: 'kvm',
      idlePollUs: 0,
      tasks: [{ kind: 'cyclictest', name: 'cyclictest', intervalUs: 1000, burstUs: 50, slackUs: 0, cpus: [0] }],
    },
  ],
  capturedPolicy: { name: 'vanilla' },
};

let dir: string;
let r: CompareResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cmp-gen-'));
  await generateScenario(SPEC, join(dir, 'g'));
  r = (await runCompare([await loadScenario(join(dir, 'g'))])).result;
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compare without contention', () => {
  it('every policy sees the same guest latency', () => {
    const g = r.latency.find((x) => x.side === 'guest')!;
    expect(g.intervalUs).toBe(1000);
    // 300 ms of a 1 ms period.
    expect(g.measured!.count).toBeGreaterThanOrEqual(295);
    expect(g.measured!.count).toBeLessThanOrEqual(300);
    for (const p of r.policies) {
      const s = g.byPolicy[p]!;
      expect(s.count).toBe(g.measured!.count);
      // Only per-policy costs (boost MSR exits, setscheduler) may differ, by a few µs at most.
      expect(Math.abs(s.maxUs - g.measured!.maxUs)).toBeLessThanOrEqual(5);
      expect(s.maxUs).toBeLessThan(100);
    }
  });

  it('no deadline is missed, every period is decided but the last few', () => {
    for (const d of r.deadlines) {
      for (const c of [d.measured!, ...r.policies.map((p) => d.byPolicy[p]!)]) {
        expect(c.misses).toBe(0);
        expect(c.unfinished).toBeLessThanOrEqual(1);
      }
    }
  });

  it('no host thread other than the vCPU runs; RT throttling never hits', () => {
    for (const h of r.hostImpact) {
      expect(h.share!.other).toBe(0);
      // The vCPU runs about (latency + 50 µs burst) per 1 ms period on one of 2 CPUs: 2.5% to 5%.
      expect(h.share!.vcpu).toBeGreaterThan(0.025);
      expect(h.share!.vcpu).toBeLessThan(0.05);
      if (h.policy !== 'trace') expect(h.throttles).toBe(0);
    }
  });
});
