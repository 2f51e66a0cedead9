// Checks the bundled real captures in traces/: every scenario.json is valid and loadable, its trace
// files exist, its vCPU tids are the host trace's "CPU n/TCG" threads, its clock mapping can be
// recomputed from the sync markers in both traces, no ring buffer overwrote events, and
// traces/README.md shows exactly the numbers in the scenario files.
import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_DIR } from './helpers/shared.js';
import { loadScenario, validateScenario, vcpuMapOf } from '../src/scenario/index.js';
import type { Scenario } from '../src/scenario/types.js';
import { listScenarioDirs, loadEntries } from '../traces/capture/readme-table.js';
import { renderReadme } from '../traces/capture/lib/readme.js';
import { readTraceFacts } from '../traces/capture/lib/traceFacts.js';
import { estimateClock, pairRounds } from '../traces/capture/lib/syncClock.js';

const TRACES = join(REPO_DIR, 'traces');
const dirs = listScenarioDirs(TRACES);
const read = (dir: string): Scenario => validateScenario(JSON.parse(readFileSync(join(TRACES, dir, 'scenario.json'), 'utf8')), dir);

describe('bundled captures in traces/', () => {
  it('include idle and busy x vanilla and static', () => {
    const cells = new Set(dirs.map((d) => read(d)).map((s) => `${s.capture?.['load']}/${s.capturedPolicy?.name}`));
    for (const cell of ['idle/vanilla', 'idle/static', 'busy/vanilla', 'busy/static']) expect(cells, cell).toContain(cell);
  });

  it('stay within 25 MB', () => {
    const total = loadEntries(TRACES).reduce((a, e) => a + e.bytes, 0);
    expect(total).toBeLessThan(25e6);
  });

  it('README table is generated from the scenario files', () => {
    const readme = readFileSync(join(TRACES, 'README.md'), 'utf8');
    expect(readme).toBe(renderReadme(loadEntries(TRACES)));
  });

  for (const dir of dirs) {
    describe(dir, () => {
      it('validates and loads, with trace files present', async () => {
        const { scenario } = await loadScenario(join(TRACES, dir));
        expect(scenario.name).toBe(dir);
        expect(existsSync(join(TRACES, dir, scenario.host.trace))).toBe(true);
        for (const g of scenario.guests) expect(existsSync(join(TRACES, dir, g.trace!))).toBe(true);
        expect(scenario.probes).toEqual({ host: 'cyclictest', guest0: 'cyclictest' });
        for (const m of ['host', 'guest0']) {
          const p = scenario.measured![m];
          expect(p.tool).toBe('cyclictest');
          expect(p.threads.length).toBeGreaterThan(0);
          const t = p.threads[0];
          expect(t.minUs).toBeLessThanOrEqual(t.avgUs);
          expect(t.avgUs).toBeLessThanOrEqual(t.maxUs);
          // The raw summary line kept in the file says the same as the parsed numbers.
          expect(p.raw).toMatch(new RegExp(`C:\\s*${t.count}\\s+Min:\\s*${t.minUs}\\s+Act:\\s*\\d+\\s+Avg:\\s*${t.avgUs}\\s+Max:\\s*${t.maxUs}`));
        }
        const cap = scenario.capture as Record<string, unknown>;
        for (const k of ['load', 'intervalUs', 'durationS', 'accel', 'versions']) expect(cap[k], k).toBeDefined();
        expect(Object.keys(cap['versions'] as object)).toEqual(expect.arrayContaining(['hostKernel', 'qemu', 'traceCmd', 'rtTests', 'hostCpuModel', 'guestKernel']));
      });

      it('has vCPU tids named CPU n/TCG, the probe tids, sync markers and complete buffers in its traces', async () => {
        const s = read(dir);
        const g = s.guests[0];
        const vcpus = vcpuMapOf(g.vcpus);
        const hostTid = s.measured!.host.threads[0].tid!;
        const guestTid = s.measured!.guest0.threads[0].tid!;
        const host = await readTraceFacts(join(TRACES, dir, s.host.trace), [...vcpus.values(), hostTid]);
        const guest = await readTraceFacts(join(TRACES, dir, g.trace!), [guestTid]);
        expect(vcpus.size).toBe(g.cpus);
        expect(new Set(vcpus.values()).size).toBe(vcpus.size);
        // Names from sched_switch payloads: the host's comm column is "<...>" (see traceFacts.ts).
        const accel = String(s.capture?.['accel']).toUpperCase();
        for (const [cpu, tid] of vcpus) expect(host.switchComms.get(tid), `host thread ${tid}`).toBe(`CPU ${cpu}/${accel}`);
        expect(host.switchComms.get(hostTid)).toBe('cyclictest');
        expect(guest.switchComms.get(guestTid)).toBe('cyclictest');
        expect(guest.comms.get(guestTid)).toBe('cyclictest');
        for (const [name, f] of [['host', host], ['guest0', guest]] as const) {
          expect(f.entriesInBuffer, `${name} entries-in-buffer`).toBe(f.entriesWritten);
          expect(f.lostLines).toBe(0);
          expect(f.eventLines).toBe(f.entriesInBuffer);
        }
        const est = estimateClock(pairRounds(host.markers, guest.markers));
        expect(est.phases.map((p) => p.rounds)).toEqual([20, 20]);
        expect(est.clock).toEqual(g.clock);
        expect(g.clock!.uncertaintyNs!).toBeLessThan(5e6);
      });
    });
  }
});
