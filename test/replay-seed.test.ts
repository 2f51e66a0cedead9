// Seed shape: the RFC-shaped synthetic scenario reproduces the orderings of the RFC's busy table
// (rfc-mechanism.md §12.2-§12.3) when replayed under vanilla, dynamic and static.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_DIR } from './helpers/shared.js';
import { demandFromSpec, type WorkloadSpec } from '../src/replay/demand/synthetic.js';
import { replayDemand } from '../src/replay/replayDemand.js';
import { builtinPolicy } from '../src/replay/policies/index.js';
import { latencyStats, probeSamples, tidsByName } from '../src/replay/measure.js';
import type { ReplayResult } from '../src/replay/types.js';

const spec = JSON.parse(readFileSync(resolve(REPO_DIR, 'examples/rfc-busy.json'), 'utf8')) as WorkloadSpec;

function stats(r: ReplayResult, machine: number) {
  const m = r.trace.machines[machine]!;
  return latencyStats(probeSamples(m, tidsByName(m, 'cyclictest')).latencyNs);
}

describe('RFC-shaped busy scenario', () => {
  const demand = demandFromSpec(spec);
  const runs = Object.fromEntries(['vanilla', 'dynamic', 'static'].map((p) => [p, replayDemand(demand, builtinPolicy(p), { seed: 1 })]));
  const guest = Object.fromEntries(Object.entries(runs).map(([p, r]) => [p, stats(r, 1)]));
  const host = Object.fromEntries(Object.entries(runs).map(([p, r]) => [p, stats(r, 0)]));

  it('measures every guest and host activation', () => {
    const expected = spec.durationMs / 0.5; // one per 500 us
    for (const p of ['vanilla', 'dynamic']) expect(guest[p]!.count).toBeGreaterThan(expected * 0.95);
    for (const p of ['vanilla', 'dynamic']) expect(host[p]!.count).toBeGreaterThan(expected * 0.95);
  });

  it('busy guest avg latency: vanilla >= 10x dynamic, dynamic within 2x static', () => {
    expect(guest['vanilla']!.avgUs).toBeGreaterThanOrEqual(10 * guest['dynamic']!.avgUs);
    expect(guest['dynamic']!.avgUs).toBeLessThanOrEqual(2 * guest['static']!.avgUs);
  });

  it("static's host max latency >= 3x vanilla's (static RT starves host threads)", () => {
    expect(host['static']!.maxUs).toBeGreaterThanOrEqual(3 * host['vanilla']!.maxUs);
    expect(runs['static']!.boost.throttles).toBeGreaterThan(0);
  });

  it('dynamic boosts on guest timers and records boosted time', () => {
    const b = runs['dynamic']!.boost;
    expect(b.boosts).toBeGreaterThan(guest['dynamic']!.count * 0.9);
    expect(b.byReason['timer']).toBeGreaterThan(0);
    expect(b.boostedNs).toBeGreaterThan(0);
    expect(runs['vanilla']!.boost.boosts).toBe(0);
  });

  it('is deterministic: same inputs and seed give identical schedules', () => {
    const again = replayDemand(demand, builtinPolicy('dynamic'), { seed: 1 });
    const a = runs['dynamic']!.trace.machines[1]!.sched_switch.cols.tsNs;
    const b = again.trace.machines[1]!.sched_switch.cols.tsNs;
    expect(b.length).toBe(a.length);
    expect(Buffer.from(b.buffer, 0, b.length * 8).equals(Buffer.from(a.buffer, 0, a.length * 8))).toBe(true);
    expect(again.simulatedEvents).toBe(runs['dynamic']!.simulatedEvents);
  });
});

describe('RFC-shaped idle scenario', () => {
  const idle = JSON.parse(readFileSync(resolve(REPO_DIR, 'examples/rfc-idle.json'), 'utf8')) as WorkloadSpec;
  const demand = demandFromSpec(idle);
  const runs = Object.fromEntries(['vanilla', 'dynamic', 'static'].map((p) => [p, replayDemand(demand, builtinPolicy(p), { seed: 1 })]));
  it('idle guest: vanilla and dynamic agree (nothing competes), static still costs the host', () => {
    const g = (p: string) => stats(runs[p]!, 1);
    const h = (p: string) => stats(runs[p]!, 0);
    expect(g('vanilla').avgUs).toBeLessThanOrEqual(2 * g('dynamic').avgUs);
    expect(g('dynamic').avgUs).toBeLessThanOrEqual(2 * g('vanilla').avgUs);
    expect(h('static').maxUs).toBeGreaterThanOrEqual(3 * h('vanilla').maxUs);
  });
});
