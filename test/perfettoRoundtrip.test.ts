import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPerfetto } from '../src/ingest/perfetto/index.js';
import { writePerfetto } from '../src/report/perfetto/index.js';
import { ALL_TABLES, EVENT_TABLES, MachineBuilder, MarkerKind, TaskState, type TraceTables, type TableSpec } from '../src/tables/index.js';
import { add, guestTables, hostTables } from './fixtures/perfetto/tables.js';
import { tableRows } from './fixtures/perfetto/rows.js';

// Every table and the awkward cases of the writer: rows that must fall back from compact_sched
// to verbose, or from typed payloads to GenericFtraceEvent, must still read back identically.

async function viaFile(bytes: Uint8Array) {
  const dir = await mkdtemp(join(tmpdir(), 'pf-rt2-'));
  const p = join(dir, 'x.perfetto-trace');
  await writeFile(p, bytes);
  return readPerfetto(p);
}

const EVENTS_ONLY = EVENT_TABLES as readonly TableSpec[];

describe('perfetto writer round trip on hand-built tables', () => {
  it('every event table survives write -> read; threads and meta too; a second round trip is a fixed point', async () => {
    const host = hostTables();
    const guest = guestTables();
    const warnings: string[] = [];
    const bytes = writePerfetto([{ name: 'host', tables: host }, { name: 'guest0', tables: guest }], { onWarning: (m) => warnings.push(m), bundleEvents: 3 });
    expect(warnings).toEqual([]);
    const b = await viaFile(bytes);
    expect(b.machines.map((m) => m.meta.machine)).toEqual(['host', 'guest0']);
    const [bh, bg] = b.machines as [TraceTables, TraceTables];
    for (const spec of EVENTS_ONLY) expect(tableRows(bh, spec), spec.name).toEqual(tableRows(host, spec));
    for (const spec of EVENTS_ONLY) expect(tableRows(bg, spec), spec.name).toEqual(tableRows(guest, spec));
    expect(bh.meta.lost).toEqual(host.meta.lost);
    expect(bh.meta.kernelVersion).toBe('6.1.0');
    expect(bg.meta.kernelVersion).toBe('6.6.0');
    expect(bg.meta.extra['remoteClockSync']).toEqual({ offsetNs: 12_345, uncertaintyNs: 7, rounds: 3 });
    expect(bh.meta.formatDetail).toContain('compact_sched');
    // Names the threads table learned from the events are all there.
    const names = (m: TraceTables) => new Set(Array.from({ length: m.threads.length }, (_, i) => `${m.threads.cols.tid[i]}:${m.strings[m.threads.cols.comm[i]!]}`));
    for (const n of ['500:CPU 0/KVM', '600:stress-ng', '800:a<b>&"c', '901:bash', '901:stress-ng', '902:early', '90:kworker/1:1']) expect(names(bh).has(n), n).toBe(true);
    // Second trip: everything, threads and cpus included, is identical.
    const c = await viaFile(writePerfetto(b.machines.map((m) => ({ name: m.meta.machine, tables: m }))));
    for (const [k, m] of c.machines.entries()) {
      for (const spec of ALL_TABLES) expect(tableRows(m, spec as TableSpec), spec.name).toEqual(tableRows(b.machines[k]!, spec as TableSpec));
      expect(m.meta.lost).toEqual(b.machines[k]!.meta.lost);
    }
  });

  it('compact_sched is used where exact and verbose events where not', async () => {
    const host = hostTables();
    const compact = writePerfetto([{ name: 'host', tables: host }]);
    const verbose = writePerfetto([{ name: 'host', tables: host }], { compact: false });
    expect(compact.length).toBeLessThan(verbose.length);
    const a = await viaFile(verbose);
    for (const spec of EVENTS_ONLY) expect(tableRows(a.machines[0]!, spec), spec.name).toEqual(tableRows(host, spec));
    expect(a.machines[0]!.meta.formatDetail).not.toContain('compact_sched');
  });

  it('rows without a CPU are reported, not silently dropped', () => {
    const b = new MachineBuilder('mem', 'replay');
    add(b, 'markers', { tsNs: 5, cpu: -1, pid: 1, kind: MarkerKind.PRINT, text: 'x' });
    const warnings: string[] = [];
    writePerfetto([{ name: 'h', tables: b.finish() }], { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual(['h: 1 events with unknown CPU not written (ftrace bundles need a CPU)']);
  });

  it('is deterministic: same tables and options give the same bytes', () => {
    const inputs = [{ name: 'host', tables: hostTables() }, { name: 'guest0', tables: guestTables() }];
    const a = writePerfetto(inputs, { bundleEvents: 5 });
    const b = writePerfetto([{ name: 'host', tables: hostTables() }, { name: 'guest0', tables: guestTables() }], { bundleEvents: 5 });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    expect(a.length).toBeGreaterThan(1000);
  });

  it('pre-4.14 kernels: prev_state is written in that kernel\'s bit layout and reads back the same', async () => {
    const b = new MachineBuilder('mem', 'replay');
    b.meta.kernelVersion = '4.9.112';
    const states = [TaskState.PREEMPTED, TaskState.S, TaskState.D | TaskState.K, TaskState.x, TaskState.W, TaskState.N, TaskState.P, TaskState.RUNNING];
    states.forEach((st, k) =>
      add(b, 'sched_switch', { tsNs: 100 + k, cpu: 0, pid: 10 + k, prevComm: `p${k}`, prevPid: 10 + k, prevPrio: 120, prevState: st, nextComm: `p${k + 1}`, nextPid: 11 + k, nextPrio: 120 }),
    );
    add(b, 'sched_switch', { tsNs: 200, cpu: 1, pid: 1, prevComm: 'u', prevPid: 1, prevPrio: 120, prevState: TaskState.UNKNOWN, nextComm: 'v', nextPid: 2, nextPrio: 120 });
    const warnings: string[] = [];
    const t = await viaFile(writePerfetto([{ name: 'old', tables: b.finish() }], { onWarning: (m) => warnings.push(m) }));
    const got = Array.from(t.machines[0]!.sched_switch.cols.prevState);
    expect(got).toEqual([...states, TaskState.RUNNING]);
    expect(warnings).toEqual(['old: 1 unknown prev_state values written as R (a pre-4.14 layout cannot express unknown)']);
  });
});
