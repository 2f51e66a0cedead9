// Platform delays measured on a capture and sampled by the engine (--platform-delays).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { replayDemand } from '../src/replay/replayDemand.js';
import { vanillaPolicy } from '../src/replay/policies/vanilla.js';
import { probeSamples, tidsByName } from '../src/replay/measure.js';
import { demandFromAligned } from '../src/replay/demand/fromTrace.js';
import { MAX_PLATFORM_DELAY_NS } from '../src/replay/demand/platformDelays.js';
import { alignScenario } from '../src/align/alignScenario.js';
import { loadScenario } from '../src/scenario/index.js';
import type { Demand, PlatformSamples } from '../src/replay/demand/types.js';
import { REPO_DIR } from './helpers/shared.js';

const US = 1000;

function probeDemand(samples: PlatformSamples): Demand {
  return {
    name: 'platform',
    startNs: 0,
    durationNs: 200 * 1_000_000,
    host: {
      cpus: 1,
      kernel: '6.5.0',
      hz: 1000,
      platform: { timerWakeNs: 0, wakeSwitchNs: 0, samples },
      tasks: [{ name: 'probe', tid: 10, sched: { policy: 'normal', rtPrio: 0, nice: 0 }, cpus: [0], behaviour: { kind: 'periodic', periodNs: 1_000_000, startNs: 1_000_000, burstNs: 10 * US, slackNs: 0 } }],
    },
    guests: [],
    warnings: [],
  };
}

function latenciesUs(d: Demand, opts: Parameters<typeof replayDemand>[2]): number[] {
  const r = replayDemand(d, vanillaPolicy(), opts);
  const t = r.trace.machines[0]!;
  return [...probeSamples(t, tidsByName(t, 'probe')).latencyNs].map((x) => x / US);
}

describe('empirical platform delays', () => {
  const d = probeDemand({ timerWakeNs: Float64Array.of(20 * US, 40 * US), idleWakeNs: Float64Array.of(5 * US) });

  it('a timer wakes its task after a sampled interrupt delay, onto an idle CPU after the sampled idle exit', () => {
    const lat = latenciesUs(d, { seed: 3 });
    expect(lat.length).toBeGreaterThan(150);
    expect(new Set(lat)).toEqual(new Set([25, 45]));
    const n25 = lat.filter((x) => x === 25).length;
    // two equally likely samples
    expect(n25 / lat.length).toBeGreaterThan(0.35);
    expect(n25 / lat.length).toBeLessThan(0.65);
  });

  it('is deterministic per seed and off with platformDelays median', () => {
    expect(latenciesUs(d, { seed: 3 })).toEqual(latenciesUs(d, { seed: 3 }));
    expect(latenciesUs(d, { seed: 4 })).not.toEqual(latenciesUs(d, { seed: 3 }));
    // medians/floors: timerWakeNs 0, idle wake max(wakeSwitchNs 0, resched IPI 1 us)
    expect(new Set(latenciesUs(d, { seed: 3, platformDelays: 'median' }))).toEqual(new Set([1]));
  });
});

const CAPTURE = join(REPO_DIR, 'traces/idle-vanilla-i500');
describe.skipIf(!existsSync(join(CAPTURE, 'scenario.json')))('platform delays measured on a bundled TCG capture', () => {
  it('host timer delivery and idle exit, and the QEMU TCG timer path, are plausible distributions', async () => {
    const a = await alignScenario(await loadScenario(CAPTURE));
    const d = demandFromAligned(a, {});
    const med = (s: Float64Array | undefined) => (s ? s[s.length >> 1]! / US : NaN);
    const host = d.host.platform!.samples!;
    const guest = d.guests[0]!.platform!.samples!;
    for (const s of [host.timerWakeNs, host.idleWakeNs, guest.tcgTimerLagNs, guest.tcgKickNs, guest.tcgIrqEntryNs, guest.idleWakeNs]) {
      expect(s!.length).toBeGreaterThan(1000);
      for (let i = 1; i < s!.length; i++) expect(s![i]! >= s![i - 1]!).toBe(true);
      expect(s![s!.length - 1]!).toBeLessThanOrEqual(MAX_PLATFORM_DELAY_NS);
    }
    // A nested-VM host: interrupts ~7-10 us after expiry, idle exit a few us; QEMU's main loop
    // sees the guest timer within tens of us and kicks the vCPU within a few.
    expect(med(host.timerWakeNs)).toBeGreaterThan(2);
    expect(med(host.timerWakeNs)).toBeLessThan(30);
    expect(med(host.idleWakeNs)).toBeGreaterThan(1);
    expect(med(host.idleWakeNs)).toBeLessThan(30);
    expect(med(guest.tcgTimerLagNs)).toBeLessThan(50);
    expect(med(guest.tcgKickNs)).toBeLessThan(20);
    expect(med(guest.tcgIrqEntryNs)).toBeGreaterThan(2);
    expect(med(guest.tcgIrqEntryNs)).toBeLessThan(50);
  }, 60_000);
});
