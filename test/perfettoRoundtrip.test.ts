import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPerfetto } from '../src/ingest/perfetto/index.js';
import { writePerfetto } from '../src/report/perfetto/index.js';
import {
  ALL_TABLES, EVENT_TABLES, Flags, HrtimerKind, IrqKind, KvmKind, MachineBuilder, MarkerKind, ProcessKind, TaskState, WakeupKind,
  type TraceTables, type TableSpec,
} from '../src/tables/index.js';
import { tableRows } from './fixtures/perfetto/rows.js';

// Every table and the awkward cases of the writer: rows that must fall back from compact_sched
// to verbose, or from typed payloads to GenericFtraceEvent, must still read back identically.

type Row = Record<string, number | string>;

function add(b: MachineBuilder, table: (typeof EVENT_TABLES)[number]['name'], r: Row): void {
  const tb = b[table];
  const i = tb.row();
  const cols = tb.c as unknown as Record<string, Array<unknown>>;
  const spec = tb.spec.columns as Record<string, string>;
  cols['seq']![i] = b.seq();
  for (const [k, type] of Object.entries(spec)) {
    if (k === 'seq') continue;
    const v = r[k];
    if (type === 'str') cols[k]![i] = v === undefined || v === null ? -1 : b.str(String(v));
    else if (type === 'text') cols[k]![i] = v ?? '';
    else cols[k]![i] = v ?? (k === 'flags' ? Flags.UNKNOWN : -1);
  }
}

function hostTables(): TraceTables {
  const b = new MachineBuilder('mem', 'replay');
  b.meta.kernelVersion = '6.1.0';
  const sw = (tsNs: number, cpu: number, prev: [string, number, number], state: number, next: [string, number, number], extra: Row = {}) =>
    add(b, 'sched_switch', { tsNs, cpu, pid: prev[1], prevComm: prev[0], prevPid: prev[1], prevPrio: prev[2], prevState: state, nextComm: next[0], nextPid: next[1], nextPrio: next[2], ...extra });
  sw(1000, 0, ['swapper/0', 0, 120], TaskState.RUNNING, ['CPU 0/KVM', 500, 120]);
  sw(2000, 0, ['CPU 0/KVM', 500, 120], TaskState.S, ['stress-ng', 600, 139]); // compactable
  sw(3000, 0, ['stress-ng', 600, 139], TaskState.PREEMPTED, ['CPU 0/KVM', 500, 91]); // compactable
  sw(4000, 0, ['ghost', 700, 120], TaskState.D | TaskState.X, ['a<b>&"c', 800, 100]); // chain broken: verbose
  sw(5000, 0, ['a<b>&"c', 800, 100], TaskState.UNKNOWN, ['swapper/0', 0, 120], { flags: Flags.IRQS_OFF | Flags.NEED_RESCHED }); // flags: verbose
  sw(5000, 1, ['swapper/1', 0, 120], TaskState.I, ['kworker/1:1', 90, 120]);
  sw(5000, 1, ['kworker/1:1', 90, 120], TaskState.Z, ['swapper/1', 0, 120]); // same-instant switches: verbose
  // wakeups: compactable waking (waker = running task), one at a switch instant, success set, wakeup, wakeup_new, unknown waker
  add(b, 'sched_wakeup', { tsNs: 1500, cpu: 0, pid: 500, kind: WakeupKind.WAKING, comm: 'stress-ng', tid: 600, prio: 139, targetCpu: 0, success: -1 });
  add(b, 'sched_wakeup', { tsNs: 2000, cpu: 0, pid: 600, kind: WakeupKind.WAKING, comm: 'CPU 0/KVM', tid: 500, prio: 120, targetCpu: 1, success: -1 });
  add(b, 'sched_wakeup', { tsNs: 2500, cpu: 0, pid: 600, kind: WakeupKind.WAKING, comm: 'CPU 0/KVM', tid: 500, prio: 120, targetCpu: 0, success: 1 });
  add(b, 'sched_wakeup', { tsNs: 2600, cpu: 0, pid: 600, kind: WakeupKind.WAKEUP, comm: 'CPU 0/KVM', tid: 500, prio: 120, targetCpu: 0, success: -1 });
  add(b, 'sched_wakeup', { tsNs: 2700, cpu: 1, pid: 5, kind: WakeupKind.WAKEUP_NEW, comm: 'child', tid: 901, prio: 120, targetCpu: 1, success: 1 });
  add(b, 'sched_wakeup', { tsNs: 100, cpu: 2, pid: -1, kind: WakeupKind.WAKING, comm: 'early', tid: 902, prio: 120, targetCpu: 2, success: -1 });
  add(b, 'sched_migrate', { tsNs: 2800, cpu: 1, pid: 90, comm: 'CPU 0/KVM', tid: 500, prio: 120, origCpu: 0, destCpu: 1 });
  // process lifecycle, including a fork with a prio (no typed proto carries it: generic fallback)
  add(b, 'sched_process', { tsNs: 2900, cpu: 1, pid: 5, kind: ProcessKind.FORK, comm: 'bash', tid: 5, childComm: 'bash', childTid: 901 });
  add(b, 'sched_process', { tsNs: 2901, cpu: 1, pid: 5, kind: ProcessKind.FORK, comm: 'bash', tid: 5, prio: 50, childComm: 'bash', childTid: 903 });
  add(b, 'sched_process', { tsNs: 2902, cpu: 1, pid: 901, kind: ProcessKind.EXEC, comm: '/usr/bin/stress-ng', tid: 901 });
  add(b, 'sched_process', { tsNs: 2903, cpu: 1, pid: 901, kind: ProcessKind.RENAME, comm: 'bash', tid: 901, childComm: 'stress-ng' });
  add(b, 'sched_process', { tsNs: 2904, cpu: 1, pid: 5, kind: ProcessKind.NEWTASK, comm: 'bash', tid: 904 });
  add(b, 'sched_process', { tsNs: 2905, cpu: 1, pid: 901, kind: ProcessKind.EXIT, comm: 'stress-ng', tid: 901, prio: 120 });
  add(b, 'sched_process', { tsNs: 2906, cpu: 1, pid: 5, kind: ProcessKind.WAIT, comm: 'bash', tid: 5, prio: 120 });
  add(b, 'sched_process', { tsNs: 2907, cpu: 1, pid: 0, kind: ProcessKind.FREE, comm: 'stress-ng', tid: 901, prio: 120 });
  // interrupts
  add(b, 'irq', { tsNs: 1100, cpu: 0, pid: 500, kind: IrqKind.IRQ_ENTRY, event: 'irq_handler_entry', num: 24, name: 'eth0 rx' });
  add(b, 'irq', { tsNs: 1110, cpu: 0, pid: 500, kind: IrqKind.IRQ_EXIT, event: 'irq_handler_exit', num: 24, ret: 1 });
  add(b, 'irq', { tsNs: 1120, cpu: 0, pid: 500, kind: IrqKind.SOFTIRQ_RAISE, event: 'softirq_raise', num: 3, name: 'NET_RX' });
  add(b, 'irq', { tsNs: 1130, cpu: 0, pid: 500, kind: IrqKind.SOFTIRQ_ENTRY, event: 'softirq_entry', num: 3, name: 'NET_RX' });
  add(b, 'irq', { tsNs: 1140, cpu: 0, pid: 500, kind: IrqKind.SOFTIRQ_EXIT, event: 'softirq_exit', num: 3, name: 'NET_RX' });
  add(b, 'irq', { tsNs: 1150, cpu: 0, pid: 500, kind: IrqKind.IPI_RAISE, event: 'ipi_raise', num: 2, name: 'Rescheduling interrupts' });
  add(b, 'irq', { tsNs: 1160, cpu: 1, pid: 0, kind: IrqKind.IPI_ENTRY, event: 'ipi_entry', name: 'Rescheduling interrupts' });
  add(b, 'irq', { tsNs: 1170, cpu: 1, pid: 0, kind: IrqKind.IPI_EXIT, event: 'ipi_exit', name: 'Rescheduling interrupts' });
  add(b, 'irq', { tsNs: 1180, cpu: 1, pid: 0, kind: IrqKind.VECTOR_ENTRY, event: 'reschedule_entry', num: 253, name: 'reschedule' });
  add(b, 'irq', { tsNs: 1190, cpu: 1, pid: 0, kind: IrqKind.VECTOR_EXIT, event: 'local_timer_exit', num: 236, name: 'local_timer' });
  add(b, 'irq', { tsNs: 1195, cpu: 1, pid: 0, kind: IrqKind.NMI, event: 'nmi_handler', num: -1, name: 'perf_event_nmi_handler' });
  add(b, 'hrtimer', { tsNs: 1200, cpu: 0, pid: 500, kind: HrtimerKind.START, hrtimer: '0xffff88810a2b3c40', function: 'tick_sched_timer', expiresNs: 123456789, softexpiresNs: 123456789, nowNs: -1, mode: 'ABS|PINNED' });
  add(b, 'hrtimer', { tsNs: 1210, cpu: 0, pid: 0, kind: HrtimerKind.EXPIRE_ENTRY, hrtimer: '0xffff88810a2b3c40', function: 'tick_sched_timer', expiresNs: -1, softexpiresNs: -1, nowNs: 123456790 });
  add(b, 'kvm', { tsNs: 1300, cpu: 0, pid: 500, kind: KvmKind.ENTRY, vcpuId: 0, detail: 'vcpu 0, rip 0xffffffff81000000' });
  add(b, 'kvm', { tsNs: 1310, cpu: 0, pid: 500, kind: KvmKind.EXIT, vcpuId: 0, reason: 'HLT', value: 1, detail: 'info1 0x0 info2 0x0' });
  add(b, 'kvm', { tsNs: 1320, cpu: 0, pid: 500, kind: KvmKind.INJ_VIRQ, vector: 236, detail: 'IRQ 0xec' });
  add(b, 'markers', { tsNs: 1400, cpu: 0, pid: 600, kind: MarkerKind.PRINT, ip: '0xffffffff81234567', text: 'cyclictest: hit 120 us' });
  add(b, 'markers', { tsNs: 1410, cpu: 0, pid: 600, kind: MarkerKind.TRACING_MARK_WRITE, text: 'B|600|frame' });
  add(b, 'markers', { tsNs: 1420, cpu: 0, pid: 600, kind: MarkerKind.PRINT, text: 'with newline\n' });
  add(b, 'generic', { tsNs: 1500, cpu: 0, pid: 0, event: 'cpu_idle', fields: 'state=1 cpu_id=0' });
  add(b, 'generic', { tsNs: 1510, cpu: 1, pid: 0, event: 'workqueue_execute_start', fields: 'work struct 0xffff: function vmstat_update' });
  b.meta.lost.push({ cpu: 0, startNs: 3000, endNs: 4000, events: null, kind: 'lost', detail: 'lost_events: the kernel overwrote events in this CPU buffer' });
  return b.finish();
}

function guestTables(): TraceTables {
  const b = new MachineBuilder('mem', 'replay');
  b.meta.kernelVersion = '6.6.0';
  b.meta.extra['remoteClockSync'] = { offsetNs: 12_345, uncertaintyNs: 7, rounds: 3 };
  add(b, 'sched_switch', { tsNs: 20_000, cpu: 0, pid: 0, prevComm: 'swapper/0', prevPid: 0, prevPrio: 120, prevState: 0, nextComm: 'cyclictest', nextPid: 77, nextPrio: 19 });
  add(b, 'sched_switch', { tsNs: 20_500, cpu: 0, pid: 77, prevComm: 'cyclictest', prevPid: 77, prevPrio: 19, prevState: TaskState.S, nextComm: 'swapper/0', nextPid: 0, nextPrio: 120 });
  return b.finish();
}

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
});
