import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFtraceTextFile } from '../src/tables/ftraceTextWriter.js';
import { alignScenario } from '../src/align/alignScenario.js';
import { loadScenario, scenarioFromFiles } from '../src/scenario/index.js';
import { writePerfetto } from '../src/report/perfetto/index.js';
import { measureScenarioLatency } from '../src/metrics/latency.js';
import { syntheticPair } from './helpers/alignFixtures.js';

// alignScenario end to end through files: ftrace text written from a synthetic pair with a known
// offset (µs timestamps, as real text traces have), no vCPU map and no clock in scenario.json.

async function scenarioDir(files: Record<string, string>, scenario: object): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'align-files-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await writeFile(join(dir, 'scenario.json'), JSON.stringify(scenario));
  return dir;
}

describe('alignScenario on trace files', () => {
  it('maps vCPUs by thread name and estimates a known offset within 20 µs from µs-precision text', async () => {
    const truth = 2_718_281_828;
    const { host, guest, vcpuTids } = syntheticPair({ seed: 77, offsetNs: truth, durationNs: 2e9 });
    const dir = await scenarioDir({}, { version: 1, name: 'files', host: { trace: 'host.txt' }, guests: [{ name: 'vm', trace: 'guest.txt' }] });
    await writeFtraceTextFile(join(dir, 'host.txt'), host);
    await writeFtraceTextFile(join(dir, 'guest.txt'), guest);
    const a = await alignScenario(await loadScenario(dir));
    const g = a.guests[0]!;
    expect(g.vcpus.source).toBe('thread-name');
    expect([...g.vcpus.tids.values()]).toEqual(vcpuTids);
    expect(g.clock.source).toBe('estimated');
    expect(Math.abs(g.clock.offsetNs - truth)).toBeLessThan(20_000);
    // every guest event table is on the host clock now
    expect(Math.abs(g.tables!.sched_switch.cols.tsNs[0]! - (guest.sched_switch.cols.tsNs[0]! + truth))).toBeLessThan(20_000);
    expect(a.warnings).toEqual([]);
  }, 30_000);

  it('a raw-counter guest clock with no frequency is a clear error', async () => {
    const { host } = syntheticPair({ seed: 78, offsetNs: 0, durationNs: 2e8 });
    const guestText =
      '# tracer: nop\n#\n' +
      '          <idle>-0     [000] d..2. 1234567890123: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=sh next_pid=5 next_prio=120\n' +
      '              sh-5     [000] d..2. 1234567990123: sched_switch: prev_comm=sh prev_pid=5 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n';
    const dir = await scenarioDir({ 'guest.txt': guestText }, { version: 1, name: 'raw', host: { trace: 'host.txt' }, guests: [{ name: 'vm', trace: 'guest.txt' }] });
    await writeFtraceTextFile(join(dir, 'host.txt'), host);
    await expect(alignScenario(await loadScenario(dir))).rejects.toThrow(/guest.txt: the guest "vm" trace uses the raw counter clock "counter".*tscHz/);
  });

  it('with no probe task anywhere, latency says which tasks exist', async () => {
    const { host, guest } = syntheticPair({ seed: 79, offsetNs: 0, durationNs: 2e8 });
    const dir = await scenarioDir({}, { version: 1, name: 'noprobe', host: { trace: 'host.txt' }, guests: [{ name: 'vm', trace: 'guest.txt', clock: { offsetNs: 0 } }] });
    await writeFtraceTextFile(join(dir, 'host.txt'), host);
    await writeFtraceTextFile(join(dir, 'guest.txt'), guest);
    const a = await alignScenario(await loadScenario(dir));
    expect(() => measureScenarioLatency(a)).toThrow(/no probe task.*CPU 0\/TCG.*--task/);
  });

  it('a multi-machine Perfetto trace: guest machine found in the host file, clock from RemoteClockSync', async () => {
    const truth = 5_000_000_000;
    const { host, guest, vcpuTids } = syntheticPair({ seed: 80, offsetNs: truth, durationNs: 5e8 });
    // trace processor convention: offset = client - host
    guest.meta.extra['remoteClockSync'] = { offsetNs: -truth, uncertaintyNs: 200, rounds: 2 };
    const dir = await mkdtemp(join(tmpdir(), 'align-pf-'));
    const file = join(dir, 'vm.perfetto-trace');
    await writeFile(file, writePerfetto([{ name: 'host', tables: host }, { name: 'vm', tables: guest }]));
    const a = await alignScenario(scenarioFromFiles(file, []));
    expect(a.guests.map((g) => g.name)).toEqual(['vm']);
    const g = a.guests[0]!;
    expect(g.vcpus.source).toBe('perfetto-machine');
    expect([...g.vcpus.tids.values()]).toEqual(vcpuTids);
    expect(g.clock.source).toBe('remote-clock-sync');
    expect(Math.abs(g.clock.offsetNs - truth)).toBeLessThanOrEqual(200);
  });
});
