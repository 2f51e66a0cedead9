import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { ingest } from '../src/ingest/index.js';
import { Flags, TaskState, parseFlagsText } from '../src/tables/index.js';
import { fixture, rows, threads } from './ingest-text-rows.js';

// One hand-written fixture per text variant (formats.md §1-§2), each with its exact rows.

const one = async (name: string, opts = {}) => {
  const t = await ingest(name.startsWith('/') ? name : fixture(name), opts);
  expect(t.machines).toHaveLength(1);
  return { trace: t, m: t.machines[0]! };
};
const SW = ['tsNs', 'cpu', 'pid', 'prevComm', 'prevPid', 'prevPrio', 'prevState', 'nextComm', 'nextPid', 'nextPrio'];
const WK = ['tsNs', 'cpu', 'pid', 'kind', 'comm', 'tid', 'prio', 'targetCpu', 'success'];
const f = parseFlagsText;

describe('ftrace text variants', () => {
  it('modern kernel: 7-wide pid, TGID column with (-------), 5-char flags, comms with spaces/dashes, loss markers, overwrite', async () => {
    const { trace, m } = await one('ftrace-tgid7-flags5.txt');
    expect(trace.format).toBe('ftrace-text');
    expect(m.meta.cpuCount).toBe(4);
    expect(m.meta.clock).toBe('unknown');
    expect(rows(m, 'sched_switch', [...SW, 'flags'])).toEqual([
      [5000000300000, 0, 150787, 'vhost-150742', 150787, 120, TaskState.D, 'swapper/0', 0, 120, f('d..2.')],
      [5000000400000, 3, 0, 'swapper/3', 0, 120, TaskState.RUNNING, 'CPU 1/KVM', 150791, 120, f('d..2.')],
      [5000000500000, 3, 150791, 'CPU 1/KVM', 150791, 120, TaskState.PREEMPTED, 'rs:main Q:Reg', 811, 120, f('d..2.')],
    ]);
    expect(rows(m, 'sched_wakeup', WK)).toEqual([
      [5000000200000, 1, 150742, 0, 'CPU 1/KVM', 150791, 120, 3, -1],
      [5000000210000, 1, 150742, 1, 'CPU 1/KVM', 150791, 120, 3, -1],
    ]);
    expect(rows(m, 'kvm', ['tsNs', 'pid', 'kind', 'vcpuId', 'reason', 'vector', 'flags'])).toEqual([
      [5000000100000, 150790, 0, 0, null, -1, f('d..2.')],
      [5000000150000, 150790, 1, 0, 'EXTERNAL_INTERRUPT', -1, f('d..2.')],
      [5000000700000, 150790, 2, -1, 'IRQ', 0xec, Flags.IRQS_OFF | Flags.NEED_RESCHED | Flags.HARDIRQ | (2 << Flags.PREEMPT_SHIFT)],
    ]);
    expect(rows(m, 'markers', ['tsNs', 'pid', 'kind', 'ip', 'text'])).toEqual([[5000000600000, 150742, 1, null, 'hello world']]);
    expect(threads(m)).toEqual([
      [0, -1, '<idle>'],
      [811, -1, 'rs:main Q:Reg'],
      [150742, 150742, 'qemu-system-x86'],
      [150787, 150742, 'vhost-150742'],
      [150790, 150742, 'CPU 0/KVM'],
      [150791, 150742, 'CPU 1/KVM'], // comm from payloads, tgid from the `<...>-150791 ( 150742)` line
    ]);
    expect(m.meta.lost).toEqual([
      { cpu: -1, startNs: 5000000100000, endNs: 5000000400000, events: 3, kind: 'overwrite', detail: expect.any(String) },
      { cpu: 3, startNs: 5000000100000, endNs: 5000000400000, events: null, kind: 'buffer-started', detail: '##### CPU 3 buffer started ####' },
      { cpu: 1, startNs: 5000000210000, endNs: 5000000600000, events: 42, kind: 'lost', detail: 'CPU:1 [LOST 42 EVENTS]' },
    ]);
    expect(m.meta.warnings.join('\n')).toMatch(/overwrote 3 events/);
    expect(m.meta.unparsed.count).toBe(0);
  });

  it('trace_pipe: no header, 5-wide pid, no flags (timestamp digits never taken as flags)', async () => {
    const { m } = await one('trace-pipe-pid5-noflags.txt');
    expect(rows(m, 'sched_switch', [...SW, 'flags'])).toEqual([
      [123456800000, 0, 0, 'swapper/0', 0, 120, 0, 'ksoftirqd/0', 9, 120, Flags.UNKNOWN],
      [123456900000, 0, 9, 'ksoftirqd/0', 9, 120, TaskState.S, 'Web Content', 31337, 120, Flags.UNKNOWN],
    ]);
    expect(rows(m, 'sched_wakeup', WK)).toEqual([[123456789000, 0, 0, 1, 'ksoftirqd/0', 9, 120, 0, -1]]);
    expect(rows(m, 'sched_migrate', ['tsNs', 'comm', 'tid', 'prio', 'origCpu', 'destCpu'])).toEqual([[123457000000, 'Web Content', 31337, 120, 0, 1]]);
    expect(m.meta.cpuCount).toBe(1);
  });

  it('4-char flags with digits (dNh2, d.s5) and 8-char PREEMPT_RT flags; success= kept', async () => {
    const { m } = await one('ftrace-flags4-and-rt8.txt');
    expect(rows(m, 'sched_wakeup', [...WK, 'flags'])).toEqual([[108255501000, 0, 1252, 1, 'android.display', 1603, 116, 0, 1, f('dNh2')]]);
    expect(rows(m, 'irq', ['tsNs', 'pid', 'kind', 'event', 'num', 'name', 'flags'])).toEqual([
      [108255661000, 2418, 3, 'softirq_entry', 9, 'RCU', f('d.s5')],
      [108255800000, 900, 2, 'softirq_raise', 1, 'TIMER', f('...1')], // name from the vector when [action=] is absent
    ]);
    expect(rows(m, 'sched_switch', ['tsNs', 'cpu', 'pid', 'prevComm', 'prevPrio', 'nextComm', 'nextPrio', 'flags'])).toEqual([
      [108255700000, 1, 211, 'irq/30-eth0', 49, 'cyclictest', 9, f('d...1..2')],
    ]);
  });

  it('raw-counter timestamps stay ticks unless --tsc-hz is given', async () => {
    const { m } = await one('ftrace-raw-counter.txt');
    expect(m.meta.timeUnit).toBe('ticks');
    expect(m.meta.clock).toBe('counter');
    expect(rows(m, 'kvm', ['tsNs', 'kind', 'vcpuId', 'reason', 'value', 'value2'])).toEqual([
      [303280081900681, 12, 1, 'grow', 10000, -1],
      [303280081903681, 6, -1, 'wait', 2999, 3],
    ]);
    const { m: ns } = await one('ftrace-raw-counter.txt', { tscHz: 3e9 });
    expect(ns.meta.timeUnit).toBe('ns');
    expect(ns.meta.counterHz).toBe(3e9);
    expect(rows(ns, 'sched_switch', ['tsNs'])).toEqual([[Math.round((303280081906681 * 1e9) / 3e9)]]);
  });

  it('prev_state letters of every era', async () => {
    const { m } = await one('ftrace-prev-states.txt');
    expect(rows(m, 'sched_switch', ['prevState']).map((r) => r[0])).toEqual([
      0, TaskState.PREEMPTED, TaskState.S, TaskState.D, TaskState.D | TaskState.K, TaskState.x, TaskState.I, TaskState.P,
      TaskState.T, TaskState.t, TaskState.Z, TaskState.X, TaskState.W, TaskState.D | TaskState.N,
    ]);
  });

  it('every typed payload parser', async () => {
    const { m } = await one('ftrace-payloads.txt');
    expect(rows(m, 'sched_process', ['pid', 'kind', 'comm', 'tid', 'prio', 'childComm', 'childTid'])).toEqual([
      [4202, 0, 'bash', 4202, -1, 'bash', 4204],
      [4204, 3, '/usr/bin/sleep', 4204, -1, null, -1],
      [4204, 1, 'sleep', 4204, 120, null, -1],
      [4202, 4, 'bash', 0, 120, null, -1],
      [22, 2, 'sleep', 4204, 120, null, -1],
      [4202, 5, 'bash', 4210, -1, null, -1],
      [4210, 6, 'bash', 4210, -1, 'CPU 3/KVM', 4210],
    ]);
    expect(rows(m, 'irq', ['kind', 'event', 'num', 'name', 'ret'])).toEqual([
      [0, 'irq_handler_entry', 24, 'PCIe PME', -1],
      [1, 'irq_handler_exit', 24, null, 1],
      [2, 'softirq_raise', 7, 'SCHED', -1],
      [3, 'softirq_entry', 7, 'SCHED', -1],
      [4, 'softirq_exit', 7, 'SCHED', -1],
      [5, 'ipi_raise', -1, 'Function call interrupts', -1],
      [6, 'ipi_entry', -1, 'Function call interrupts', -1],
      [7, 'ipi_exit', -1, 'Function call interrupts', -1],
      [8, 'local_timer_entry', 236, 'local_timer', -1],
      [9, 'local_timer_exit', 236, 'local_timer', -1],
      [8, 'call_function_single_entry', 251, 'call_function_single', -1],
    ]);
    expect(rows(m, 'hrtimer', ['kind', 'hrtimer', 'function', 'expiresNs', 'softexpiresNs', 'nowNs', 'mode'])).toEqual([
      [0, '00000000a0b1c2d3', null, -1, -1, -1, 'ABS'],
      [1, '00000000a0b1c2d3', 'tick_nohz_handler', 100001000000, 100000950000, -1, 'ABS|PINNED|HARD'],
      [2, '00000000a0b1c2d3', null, -1, -1, -1, null],
      [3, '00000000a0b1c2d3', 'tick_nohz_handler', -1, -1, 100000029500, null],
      [4, '00000000a0b1c2d3', null, -1, -1, -1, null],
      [3, '00000000a0b1c2d3', 'tick_nohz_handler', -1, -1, 100000031500, null], // 6.x order: now= before function=
    ]);
    expect(rows(m, 'kvm', ['pid', 'kind', 'vcpuId', 'reason', 'vector', 'target', 'value', 'value2'])).toEqual([
      [4210, 0, 3, null, -1, -1, -1, -1],
      [4210, 1, 3, 'MSR_WRITE', -1, -1, -1, -1],
      [4210, 8, -1, 'write', -1, -1, 0x6e0, 0x2b5d4f0a6c],
      [4210, 2, -1, 'Soft/INTn', 0x80, -1, -1, -1],
      [4210, 3, -1, 'Fixed|edge', 236, 3, -1, -1],
      [4200, 4, -1, null, -1, 11, 1, 0],
      [4200, 5, -1, 'Fixed|logical|edge', 42, 1, -1, -1],
      [4210, 6, -1, 'poll', -1, -1, 1500, 0],
      [4210, 7, -1, null, -1, -1, 0xb, -1],
      [4210, 9, -1, 'KVM_EXIT_IO', -1, -1, -1, -1],
      [4210, 10, -1, 'Fixed|physical|de-assert|edge|self', 253, 1, -1, -1],
      [4200, 11, -1, 'edge|masked', 4, 0, -1, -1],
      [4210, 12, 3, 'grow', -1, -1, 20000, -1],
      [4210, 1, -1, 'EXTERNAL_INTERRUPT', -1, -1, -1, -1], // oldest kvm_exit: no vcpu
      [4210, 0, -1, null, -1, -1, -1, -1], // arm64 kvm_entry: no vcpu
    ]);
    expect(rows(m, 'kvm', ['detail'])[3]).toEqual(['Soft/INTn 0x80 [reinjected]']);
    expect(rows(m, 'markers', ['kind', 'ip', 'text'])).toEqual([
      [2, 'thermal_gpu_power_get', 'power=12 state=3'],
      [3, 'my_func', 'plain string'],
      [0, '0xc042f8a0f', 'caller text'],
    ]);
    expect(rows(m, 'generic', ['event', 'fields'])).toEqual([
      ['sys_enter', 'NR 172 (29, c350, 805)'],
      ['sched_stat_runtime', 'comm=bash pid=4202 runtime=7778999 [ns] vruntime=6087430069 [ns]'],
    ]);
    expect(threads(m)).toContainEqual([4210, -1, 'CPU 3/KVM']);
    expect(m.meta.unparsed.count).toBe(0);
  });

  it('options/latency-format lines (CPU without brackets, 8-char comm)', async () => {
    const { m } = await one('latency-format.txt');
    expect(rows(m, 'sched_switch', [...SW, 'flags'])).toEqual([
      [162534215742000, 5, 6244, 'trace-cmd', 6244, 120, TaskState.S, 'swapper/5', 0, 120, f('d..4.')],
    ]);
  });
});

describe('trace-cmd report variants', () => {
  it('pretty plugin: prev:pid [prio] S ==> next:pid [prio], comms with colons and spaces, version/cpus headers', async () => {
    const { trace, m } = await one('trace-cmd-pretty.txt');
    expect(trace.format).toBe('trace-cmd-report');
    expect(m.meta.extra['traceCmdVersion']).toBe('6');
    expect(m.meta.cpuCount).toBe(2);
    expect(rows(m, 'sched_switch', SW)).toEqual([
      [34897053000, 0, 2461, 'trace-cmd', 2461, 120, 0, 'rs:main Q:Reg', 811, 120],
      // plugin letters are fixed bits: D=0x2, W=0x80, which is I (idle) on >= 4.14 kernels
      [34897100000, 0, 811, 'rs:main Q:Reg', 811, 120, TaskState.D | TaskState.I, 'swapper/0', 0, 120],
    ]);
    expect(rows(m, 'sched_wakeup', WK)).toEqual([
      [34896972000, 0, 2461, 1, 'rs:main Q:Reg', 811, 120, 0, 1],
      [34897200000, 0, 0, 2, 'bash', 900, 120, 1, -1],
    ]);
  });

  it('raw key=value with numeric prev_state: pre-4.14 layout inferred from the preempted bit', async () => {
    const { m } = await one('trace-cmd-raw.txt');
    expect(rows(m, 'sched_switch', ['prevComm', 'prevState', 'nextComm'])).toEqual([
      ['trace-cmd', TaskState.x, 'swapper/1'], // 64 = TASK_DEAD before 4.14
      ['sh', TaskState.PREEMPTED, 'kworker/u12:1'], // 4096 = preempted (4.8-4.13)
      ['kworker/u12:1', TaskState.S, 'sh'],
    ]);
    expect(m.meta.warnings.join('\n')).toMatch(/pre-4\.14 layout/);
    expect(rows(m, 'markers', ['kind', 'ip', 'text'])).toEqual([[0, '0xffff00000819ff24s', 'TRACE_MARKER_START']]);
    expect(rows(m, 'sched_wakeup', ['tid', 'targetCpu', 'success'])).toEqual([[1642, 2, 1]]);
  });

  it('3.3+ flags column, -0x raw flags, EVENTS DROPPED markers', async () => {
    const { m } = await one('trace-cmd-33-flags.txt');
    expect(rows(m, 'sched_switch', ['tsNs', 'cpu', 'flags'])).toEqual([[162534215742000, 5, f('d..4.')]]);
    expect(rows(m, 'sched_wakeup', ['tsNs', 'kind', 'comm', 'tid', 'flags'])).toEqual([[162534215800000, 0, 'crosvm_vcpu2', 7001, Flags.UNKNOWN]]);
    expect(rows(m, 'irq', ['kind', 'num', 'name', 'ret'])).toEqual([
      [0, 24, 'PCIe PME', -1],
      [1, 24, null, 0],
    ]);
    expect(m.meta.lost).toEqual([
      { cpu: 5, startNs: 162534215742000, endNs: 162534215800000, events: 12, kind: 'dropped', detail: 'CPU:5 [12 EVENTS DROPPED]' },
      { cpu: 6, startNs: 162534215742000, endNs: 162534216000000, events: null, kind: 'dropped', detail: 'CPU:6 [EVENTS DROPPED]' },
    ]);
  });

  it('-t ns timestamps, --ts-diff deltas, LOST EVENTS without a count', async () => {
    const { m } = await one('trace-cmd-ns-tsdiff.txt');
    expect(rows(m, 'sched_switch', ['tsNs', 'prevComm', 'nextComm'])).toEqual([[162534215742123, 'trace-cmd', 'swapper/5']]);
    expect(rows(m, 'sched_wakeup', ['tsNs', 'kind', 'comm', 'tid', 'targetCpu'])).toEqual([[162534215800500, 0, 'CPU 0/KVM', 7001, 5]]);
    expect(rows(m, 'kvm', ['tsNs', 'pid', 'vcpuId'])).toEqual([[162534215900000, 7001, 0]]);
    expect(m.meta.lost).toEqual([
      { cpu: 5, startNs: 162534215800500, endNs: 162534215900000, events: null, kind: 'lost', detail: 'CPU:5 [LOST EVENTS]' },
    ]);
  });

  it('raw counter longer than 12 digits glued to the CPU bracket', async () => {
    const { m } = await one('trace-cmd-counter-glued.txt');
    expect(m.meta.timeUnit).toBe('ticks');
    expect(rows(m, 'kvm', ['tsNs', 'cpu', 'pid', 'vcpuId', 'value'])).toEqual([[303280081900681, 5, 533825, 1, 10000]]);
    expect(rows(m, 'sched_wakeup', ['tsNs', 'cpu', 'comm', 'tid'])).toEqual([[12345678901, 4, 'CPU 1/KVM', 533830]]);
  });

  it('multi-file prefixes: one machine per prefix', async () => {
    const t = await ingest(fixture('trace-cmd-multi.txt'));
    expect(t.machines.map((m) => [m.meta.machine, m.meta.cpuCount, m.meta.eventCounts])).toEqual([
      ['trace-host.dat', 2, { kvm_entry: 1, kvm_exit: 1 }],
      ['trace-guest.dat', 1, { sched_switch: 2 }],
    ]);
    const [host, guest] = t.machines;
    expect(rows(host!, 'kvm', ['tsNs', 'pid', 'kind', 'vcpuId', 'reason'])).toEqual([
      [1196830835990000, 5001, 0, 0, null],
      [1196830836010000, 5001, 1, -1, 'HLT'],
    ]);
    expect(rows(guest!, 'sched_switch', ['tsNs', 'prevPid', 'nextComm', 'nextPid', 'nextPrio'])).toEqual([
      [1196830835995000, 0, 'cyclictest', 700, 19],
      [1196830836020000, 700, 'swapper/0', 0, 120],
    ]);
  });
});

describe('atrace and systrace', () => {
  it('atrace: preamble, (-----) tgid, enabled events, state=W, tracing_mark_write B|/E|/clock_sync, <pid> comm', async () => {
    const { trace, m } = await one('atrace.txt');
    expect(trace.format).toBe('atrace');
    expect(m.meta.extra['enabledEvents']).toEqual(['sched:sched_switch', 'sched:sched_wakeup']);
    expect(rows(m, 'sched_wakeup', WK)).toEqual([[214168479892000, 2, 23071, 1, 'Binder:549_4', 2029, 120, 0, 1]]);
    expect(rows(m, 'markers', ['pid', 'text'])).toEqual([
      [4583, 'trace_event_clock_sync: parent_ts=214168.968750'],
      [23071, 'B|23071|Choreographer#doFrame'],
      [1143, 'E|611'],
    ]);
    expect(threads(m)).toEqual([
      [0, -1, '<idle>'],
      [12, -1, 'ksoftirqd/1'],
      [1143, 611, 'RenderThread'],
      [2029, -1, 'Binder:549_4'],
      [4583, -1, '<4583>'],
      [23071, 23071, 'com.google.android.youtube'],
    ]);
    expect(m.meta.unparsed.count).toBe(0);
  });

  it('compressed atrace (atrace -z): TRACE: then zlib; same rows as the plain text', async () => {
    const text = await readFile(fixture('atrace.txt'));
    const plain = text.subarray(text.indexOf('# tracer'));
    const dir = await mkdtemp(join(tmpdir(), 'vr-ctrace-'));
    const p = join(dir, 'trace.ctrace');
    await writeFile(p, Buffer.concat([Buffer.from('capturing trace... done\nTRACE:\n'), deflateSync(plain)]));
    const { trace, m } = await one(p);
    expect(trace.format).toBe('atrace');
    expect(m.meta.formatDetail).toBe('android atrace (zlib-compressed ctrace)');
    const { m: ref } = await one('atrace.txt');
    for (const table of ['sched_switch', 'sched_wakeup', 'markers'] as const) {
      expect(rows(m, table, ['tsNs', 'cpu', 'pid'])).toEqual(rows(ref, table, ['tsNs', 'cpu', 'pid']));
    }
    expect(m.meta.eventCounts).toEqual(ref.meta.eventCounts);
    const cut = join(dir, 'cut.ctrace');
    const whole = await readFile(p);
    await writeFile(cut, whole.subarray(0, whole.length - 40));
    await expect(ingest(cut)).rejects.toThrow(/cut\.ctrace: compressed atrace \(zlib\) stream is corrupt or truncated/);
  });

  it('systrace HTML with a text block and a JSON block: only the text block is parsed', async () => {
    const { trace, m } = await one('systrace-two-blocks.html');
    expect(trace.format).toBe('systrace-html');
    expect(m.meta.formatDetail).toBe('systrace html (2 trace-data block(s), 1 text)');
    expect(rows(m, 'sched_switch', ['tsNs', 'prevComm', 'prevPid', 'prevPrio', 'nextPid'])).toEqual([[538064659000, 'surfaceflinger', 611, 97, 0]]);
    expect(rows(m, 'sched_wakeup', ['tsNs', 'comm', 'tid', 'targetCpu'])).toEqual([[538064700000, 'surfaceflinger', 611, 1]]);
    expect(m.meta.unparsed.count).toBe(0);
  });

  it('legacy systrace HTML (linuxPerfData with \\n\\ line ends and escaped quotes)', async () => {
    const { m } = await one('systrace-legacy.html');
    expect(m.meta.cpuCount).toBe(8);
    expect(rows(m, 'sched_switch', ['tsNs', 'prevComm', 'prevState', 'nextComm'])).toEqual([[7480992816000, 'sh', TaskState.PREEMPTED, 'kworker/7:0']]);
    expect(rows(m, 'markers', ['text'])).toEqual([['say "hi"']]);
    expect(m.meta.unparsed.count).toBe(0);
  });
});
