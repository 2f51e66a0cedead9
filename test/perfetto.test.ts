import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPerfetto } from '../src/ingest/perfetto/index.js';
import { ingest } from '../src/ingest/index.js';
import { writePerfettoFile } from '../src/report/perfetto/index.js';
import { ALL_TABLES, TaskState } from '../src/tables/index.js';
import { sharedPath, warnNoShared } from './helpers/shared.js';
import { naiveSummary } from './fixtures/perfetto/naiveDecode.js';
import { tableRows } from './fixtures/perfetto/rows.js';

const PUBLIC = sharedPath('traces-public/ms-perf-tools-linux-android/test_trace.perfetto-trace');
const HAS = existsSync(PUBLIC);
warnNoShared('perfetto public trace tests');

describe.skipIf(!HAS)('perfetto reader on the public Android trace (ms-perf-tools-linux-android)', () => {
  it('event counts match the README golden counts; kernel, CPUs, time span', async () => {
    const t = await readPerfetto(PUBLIC);
    expect(t.machines.length).toBe(1);
    const m = t.machines[0]!;
    expect(m.meta.eventCounts).toEqual({
      cpu_frequency: 168,
      cpu_idle: 11_687,
      sched_process_exit: 4,
      sched_switch: 15_267,
      sched_wakeup: 8_743,
      task_newtask: 4,
      task_rename: 4,
    });
    expect(m.meta.kernelVersion).toMatch(/^4\.19\.113/);
    expect(Array.from(m.cpus.cols.cpu)).toEqual([0, 1, 2, 3, 5, 6]);
    expect((m.meta.endNs - m.meta.startNs) / 1e9).toBeCloseTo(15.78, 1);
    expect(m.meta.lost).toEqual([]);
    expect(m.meta.unparsed.count).toBe(0);
    // prev_state values of a 4.19 kernel: R, S, D, X, Z, I, R+ (formats.md §4.7).
    const states = new Set(m.sched_switch.cols.prevState);
    expect([...states].sort((a, z) => a - z)).toEqual([0, 1, 2, 16, 32, 128, 256]);
    expect(states.has(TaskState.PREEMPTED)).toBe(true);
    // Per-CPU time regresses across bundles in the file; the tables come out sorted.
    const ts = m.sched_switch.cols.tsNs;
    let sorted = true;
    for (let i = 1; i < ts.length; i++) if (ts[i]! < ts[i - 1]!) sorted = false;
    expect(sorted).toBe(true);
  });

  it('agrees with an independent naive decoding: payload counts and thread names', async () => {
    const naive = naiveSummary(readFileSync(PUBLIC));
    const m = (await readPerfetto(PUBLIC)).machines[0]!;
    expect(naive.ftraceIds.get(4)).toBe(m.meta.eventCounts['sched_switch']);
    expect(naive.ftraceIds.get(17)).toBe(m.meta.eventCounts['sched_wakeup']);
    expect(naive.ftraceIds.get(13)).toBe(m.meta.eventCounts['cpu_idle']);
    const ours = new Map<number, Set<string>>();
    for (let i = 0; i < m.threads.length; i++) {
      const tid = m.threads.cols.tid[i]!;
      if (!ours.has(tid)) ours.set(tid, new Set());
      ours.get(tid)!.add(m.strings[m.threads.cols.comm[i]!]!);
    }
    expect(naive.switchComms.size).toBeGreaterThan(100);
    for (const [tid, comms] of naive.switchComms) for (const c of comms) expect(ours.get(tid)?.has(c), `tid ${tid} ${c}`).toBe(true);
    // A few names read off the naive decoding, spelled out.
    for (const [tid, name] of [[10, 'ksoftirqd/0'], [41, 'rcuos/3'], [547, 'dhd_rpm_state_t'], [3632, 'irq/14-9091000.']] as const) {
      expect(naive.switchComms.get(tid)).toEqual(new Set([name]));
      expect(ours.get(tid)).toEqual(new Set([name]));
    }
  });

  it('round trip: ingest -> writePerfetto -> read gives the same tables', async () => {
    const a = (await ingest(PUBLIC)).machines[0]!;
    const out = join(await mkdtemp(join(tmpdir(), 'pf-rt-')), 'rt.perfetto-trace');
    await writePerfettoFile(out, [{ name: a.meta.machine, tables: a }]);
    const b = (await readPerfetto(out)).machines[0]!;
    for (const spec of ALL_TABLES) expect(tableRows(b, spec), spec.name).toEqual(tableRows(a, spec));
    expect(b.meta.eventCounts).toEqual(a.meta.eventCounts);
    expect([b.meta.kernelVersion, b.meta.cpuCount, b.meta.machine, b.meta.lost]).toEqual([a.meta.kernelVersion, a.meta.cpuCount, a.meta.machine, a.meta.lost]);
    // Our writer uses compact_sched: the switches must have gone that way, not all verbose.
    expect(b.meta.formatDetail).toContain('compact_sched');
  });
});
