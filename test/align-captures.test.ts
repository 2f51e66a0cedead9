import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ingest } from '../src/ingest/index.js';
import { loadScenario, vcpuMapOf } from '../src/scenario/index.js';
import { bundledScenarioDirs } from '../src/cli/scenarioArgs.js';
import { syncRounds } from '../src/align/syncMarkers.js';
import { vcpuEvidence } from '../src/align/alignGuest.js';
import { estimateClock, plateauSearch } from '../src/align/estimateClock.js';
import { retimeTables } from '../src/align/retime.js';

// Alignment on real host + guest captures (QEMU TCG, traces/*/): the offset estimated from the
// traces alone must lie inside the bounds that the round-trip sync markers prove, must move by
// exactly a known shift applied to the guest trace, and must agree between the two halves of the
// trace. (Under TCG a marker round trip through the emulated serial port takes a millisecond or
// more, so the markers alone bound the offset only to hundreds of µs.)

// One capture: each costs a 100+ MB text ingest and two trace-only estimates.
const dirs = bundledScenarioDirs().slice(0, 1);
if (!dirs.length) process.stderr.write('SKIPPED align-captures: no bundled captures in traces/*/scenario.json\n');

describe.skipIf(!dirs.length)('clock estimate on real captures', () => {
  for (const dir of dirs) {
    it(`${dir.split('/').pop()}: inside the sync-marker bounds, exact under a known shift, consistent across halves`, async () => {
      const sc = await loadScenario(dir);
      const g = sc.scenario.guests[0]!;
      const host = (await ingest(join(sc.dir, sc.scenario.host.trace))).machines[0]!;
      const guest = (await ingest(join(sc.dir, g.trace!))).machines[0]!;
      const vcpus = { tids: vcpuMapOf(g.vcpus), source: 'scenario' };
      const ev = vcpuEvidence(host, guest, vcpus);
      const est = estimateClock(ev, g.name);
      expect(est.contained).toBeGreaterThanOrEqual(0.99 * est.considered);

      // Every round trip bounds hostNs - guestNs at its own time; the estimate must honour each one.
      const rounds = syncRounds(host, guest);
      expect(rounds.length).toBeGreaterThan(5);
      for (const r of rounds) {
        const o = r.guestNs * (est.scale - 1) + est.offsetNs;
        expect(o).toBeGreaterThanOrEqual(r.loNs - est.uncertaintyNs);
        expect(o).toBeLessThanOrEqual(r.hiNs + est.uncertaintyNs);
      }

      const shift = 987_654_321;
      const shifted = retimeTables(guest, { offsetNs: -shift, scale: 1, uncertaintyNs: 0, source: 'test' });
      const est2 = estimateClock(vcpuEvidence(host, shifted, vcpus), g.name);
      for (const gNs of [guest.meta.startNs, guest.meta.endNs]) {
        const want = gNs * est.scale + est.offsetNs;
        expect(Math.abs((gNs - shift) * est2.scale + est2.offsetNs - want)).toBeLessThan(20_000);
      }

      // halves of the part of the guest trace that the host trace covers (the guest buffer may reach further back)
      const from = Math.max(guest.meta.startNs, (host.meta.startNs - est.offsetNs) / est.scale);
      const to = Math.min(guest.meta.endNs, (host.meta.endNs - est.offsetNs) / est.scale);
      const mid = (from + to) / 2;
      const a = plateauSearch(ev, est.offsetNs - 1e6, est.offsetNs + 1e6, est.scale, from, mid);
      expect(a.count).toBeGreaterThan(1000);
      const b = plateauSearch(ev, est.offsetNs - 1e6, est.offsetNs + 1e6, est.scale, mid, to);
      expect(b.count).toBeGreaterThan(1000);
      expect(Math.abs((a.loNs + a.hiNs) / 2 - (b.loNs + b.hiNs) / 2)).toBeLessThan(20_000);
    }, 60_000);
  }
});
