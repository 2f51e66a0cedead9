import { describe, expect, it } from 'vitest';
import { compare } from '../src/metrics/compare.js';
import { latencyStatsFromNs } from '../src/metrics/compareStats.js';
import { countDeadlineMisses, responseTimesNs } from '../src/metrics/deadline.js';
import { SAMPLE_HOSTILE_COMM, sampleCompareInput } from '../src/report/sampleData.js';

// Golden tables on the hand-built sample (src/report/sampleData.ts). Every expected number below
// was computed by hand from the sample's period list; the arithmetic is in the comments.

describe('latencyStatsFromNs', () => {
  it('uses nearest-rank percentiles', () => {
    // 197 x 10 µs, then 100, 3000, 9000: p99 is rank ceil(0.99*200)=198 -> 100 µs.
    const ns = [...Array(197).fill(10_000), 100_000, 3_000_000, 9_000_000];
    const s = latencyStatsFromNs(ns.reverse());
    expect(s).toEqual({ count: 200, minUs: 10, avgUs: 70.35, p50Us: 10, p99Us: 100, p999Us: 9000, maxUs: 9000 });
    expect(latencyStatsFromNs([]).count).toBe(0);
    expect(latencyStatsFromNs([]).maxUs).toBeNaN();
  });
});

describe('compare on the hand-built sample', () => {
  const r = compare([sampleCompareInput()]);

  it('orders policies as replayed and keys rows by load and interval', () => {
    expect(r.policies).toEqual(['vanilla', 'dynamic', 'static']);
    expect(r.latency.map((x) => [x.side, x.machine, x.load, x.intervalUs, x.capturedPolicy])).toEqual([
      ['guest', 'guest0', 'busy', 20000, 'vanilla'],
      ['host', 'host', 'busy', 20000, 'vanilla'],
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('guest latency table', () => {
    const g = r.latency[0]!;
    const pick = (s: typeof g.measured) => s && [s.count, s.avgUs, s.p99Us, s.maxUs];
    // measured: (197*10 + 100 + 3000 + 8000) / 200 = 65.35
    expect(pick(g.measured)).toEqual([200, 65.35, 100, 8000]);
    expect(pick(g.byPolicy['vanilla']!)).toEqual([200, 70.35, 100, 9000]);
    // dynamic: (198*10 + 20 + 40) / 200 = 10.2
    expect(pick(g.byPolicy['dynamic']!)).toEqual([200, 10.2, 10, 40]);
    // static: (199*10 + 15) / 200 = 10.025
    expect(pick(g.byPolicy['static']!)).toEqual([200, 10.025, 10, 15]);
  });

  it('host latency table', () => {
    const h = r.latency[1]!;
    expect([h.measured!.avgUs, h.measured!.maxUs]).toEqual([177.25, 700]);
    expect(h.byPolicy['vanilla']!.avgUs).toBe(176.5);
    expect(h.byPolicy['dynamic']!.maxUs).toBe(174);
    expect([h.byPolicy['static']!.avgUs, h.byPolicy['static']!.p99Us]).toEqual([613.25, 2444]);
  });

  it('deadline misses per buffer size', () => {
    expect(r.deadlines.map((d) => [d.bufferFrames, Math.round(d.bufferUs)])).toEqual([
      [96, 2000],
      [256, 5333],
      [512, 10667],
    ]);
    const misses = (p: string) => r.deadlines.map((d) => (p === 'trace' ? d.measured!.misses : d.byPolicy[p]!.misses));
    // Responses = latency + 50 µs burst. trace: 150, 3050, 8050 -> 2 over 2 ms, 1 over 5.3 ms.
    expect(misses('trace')).toEqual([2, 1, 0]);
    expect(misses('vanilla')).toEqual([2, 1, 0]);
    // dynamic period 60: switch-in at +10, preempted by a kworker for 2470, blocks at 10+20+2470+30 = 2530 µs.
    expect(misses('dynamic')).toEqual([1, 0, 0]);
    expect(misses('static')).toEqual([0, 0, 0]);
    // static's last period never blocks: unfinished, not counted.
    expect(r.deadlines[0]!.byPolicy['static']).toEqual({ periods: 199, misses: 0, unfinished: 1 });
    expect(r.deadlines[0]!.measured).toEqual({ periods: 200, misses: 2, unfinished: 0 });
  });

  it('host impact: CPU shares from the host schedule and boost statistics', () => {
    const row = (p: string) => r.hostImpact.find((x) => x.policy === p)!;
    // 2 CPUs x 4 s = 8e9 ns. vCPU runs 70 µs per ordinary period (5 + 10 + 50 + 5).
    // trace: 197*70 + 160 (period 50) + 70 + 70 = 14090 µs; others: 2990 + 7990 + 2e6 µs of stress.
    expect(row('trace').share!.vcpu).toBeCloseTo(14090e3 / 8e9, 12);
    expect(row('trace').share!.other).toBeCloseTo(2_010_980e3 / 8e9, 12);
    expect(row('vanilla').share!.other).toBeCloseTo(2_011_980e3 / 8e9, 12);
    // dynamic: 197*70 + 2540 (kworker period: the vCPU keeps running) + 70 + 70 = 16470 µs.
    expect(row('dynamic').share!.vcpu).toBeCloseTo(16470e3 / 8e9, 12);
    // static: 198*70 + 75 + the last vCPU run from 3.980995 s to the 4 s end = 32.94 ms.
    expect(row('static').share!.vcpu).toBeCloseTo(32.94e6 / 8e9, 12);
    expect(row('static').share!.other).toBeCloseTo(0.25, 12);
    for (const x of r.hostImpact) if (x.share) expect(x.share.vcpu + x.share.other + x.share.idle).toBeCloseTo(1, 12);
    expect(row('dynamic')).toMatchObject({ boosts: 2, boostedNs: 200_000, boostReasons: { timer: 2 }, throttles: 0 });
    expect(row('static').throttles).toBe(1);
    // The busiest non-vCPU threads, by CPU time: stress (2 s) before the hostile thread (11.98 ms).
    expect(row('vanilla').share!.topOther.map((t) => [t.tid, t.comm])).toEqual([[7001, 'stress-ng-cpu'], [7000, SAMPLE_HOSTILE_COMM]]);
    expect(row('vanilla').share!.topOther[1]!.share).toBeCloseTo(11980e3 / 8e9, 12);
    expect(row('static').share!.topOther.map((t) => t.tid)).toEqual([7001]);
    expect(row('trace').boosts).toBeNull();
    expect(row('static').hostProbe!.maxUs).toBe(2444);
  });

  it('buffers and rate are configurable', () => {
    const r2 = compare([sampleCompareInput()], { bufferFrames: [144], sampleRateHz: 48000, policies: ['dynamic', 'vanilla'] });
    // 144 frames = 3 ms: trace misses 3050 and 8050, dynamic none (2530 < 3000).
    expect(r2.deadlines.map((d) => [d.measured!.misses, d.byPolicy['dynamic']!.misses, d.byPolicy['vanilla']!.misses])).toEqual([[2, 0, 2]]);
    expect(r2.policies).toEqual(['dynamic', 'vanilla']);
    expect(r2.warnings).toEqual(['sample-busy-20ms: replayed policy "static" is not in the policy list']);
    expect(() => compare([sampleCompareInput()], { sampleRateHz: 0 })).toThrow(/sample rate/);
  });

  it('records the scenario facts', () => {
    const f = r.scenarios[0]!;
    expect(f.machines.map((m) => [m.name, m.cpus, m.kernel])).toEqual([
      ['host', 2, '6.6.0-sample'],
      ['guest0', 1, '6.1.0-sample'],
    ]);
    expect(f.alignment).toEqual([{ guest: 'guest0', clockSource: 'same-clock', offsetNs: 0, uncertaintyNs: 0, vcpuSource: 'scenario', vcpus: { '0': 5000 } }]);
    expect(Object.keys(f.replayParams)).toEqual(['vanilla', 'dynamic', 'static']);
  });
});

describe('sanity', () => {
  it('flags latencies longer than the trace', () => {
    const input = sampleCompareInput();
    input.measured[1] = { ...input.measured[1]!, stats: { ...input.measured[1]!.stats, maxUs: 5e9 } };
    expect(compare([input]).warnings).toEqual([expect.stringMatching(/\[trace\]: host\/cyclictest max latency 5\.000e\+9 µs exceeds the trace span \(4000000 µs\)/)]);
  });
});

describe('responseTimesNs', () => {
  it('falls back to the switch-in when the tables have no switches of the probe', () => {
    const input = sampleCompareInput();
    const probe = { ...input.measured[0]!, tids: [424242] };
    const resp = responseTimesNs(probe, input.aligned.guests[0]!.tables!);
    expect(resp[150]).toBe(8000e3);
    expect(countDeadlineMisses(resp, 2e6)).toEqual({ periods: 200, misses: 2, unfinished: 0 });
  });
});
