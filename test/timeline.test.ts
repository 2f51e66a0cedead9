import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { IrqKind, MachineBuilder, TaskState, WakeupKind, emptyTraceTables } from '../src/tables/index.js';
import { machineTimeline, scenarioTimeline, threadIntervals } from '../src/timeline/build.js';
import { CpuState, SectionKind, ThreadState, VcpuState } from '../src/timeline/schema.js';
import { coveredNs, containsTime, intervalSet } from '../src/timeline/intervals.js';
import { writeTimelineDir } from '../src/timeline/write.js';
import type { AlignedScenario } from '../src/align/types.js';
import { Rows } from './helpers/alignFixtures.js';

function rowsOf(t: { length: number; cols: Record<string, ArrayLike<number>> }, cols: string[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < t.length; i++) out.push(cols.map((c) => t.cols[c]![i]!));
  return out;
}

/** Host: vCPU thread 11 (CPU 0/KVM) and a hog 50 sharing CPU 0; irq and softirq on CPU 0; an RT task on CPU 1. */
function host() {
  const b = new MachineBuilder('host', 'generated');
  const r = new Rows(b);
  r.switch(1000, 0, ['swapper/0', 0], TaskState.RUNNING, ['CPU 0/KVM', 11]); // vCPU runs 1000-2000
  r.waking(1500, 0, 11, 'hog', 50, 0);
  r.switch(2000, 0, ['CPU 0/KVM', 11], TaskState.PREEMPTED, ['hog', 50]); // preempted: steal 2000-3000
  r.switch(3000, 0, ['hog', 50], TaskState.D, ['CPU 0/KVM', 11]); // hog blocked from 3000
  r.switch(4000, 0, ['CPU 0/KVM', 11], TaskState.S, ['swapper/0', 0]); // vCPU halts 4000-
  r.waking(6000, 1, 77, 'CPU 0/KVM', 11, 0);
  r.switch(6500, 0, ['swapper/0', 0], TaskState.RUNNING, ['CPU 0/KVM', 11]);
  r.switch(7000, 1, ['swapper/1', 0], TaskState.RUNNING, ['rt', 60, 9]);
  r.switch(7600, 1, ['rt', 60, 9], TaskState.S, ['swapper/1', 0]);
  const irq = (ts: number, kind: number, name: string) => {
    const i = b.irq.row();
    b.irq.c.tsNs[i] = ts; b.irq.c.seq[i] = b.seq(); b.irq.c.cpu[i] = 0; b.irq.c.pid[i] = 11; b.irq.c.flags[i] = 0;
    b.irq.c.kind[i] = kind; b.irq.c.event[i] = b.str('x'); b.irq.c.num[i] = 1; b.irq.c.name[i] = b.str(name); b.irq.c.ret[i] = -1;
  };
  irq(1100, IrqKind.VECTOR_ENTRY, 'local_timer');
  irq(1150, IrqKind.IRQ_ENTRY, 'nested'); // nested inside the vector: one section
  irq(1160, IrqKind.IRQ_EXIT, 'nested');
  irq(1200, IrqKind.VECTOR_EXIT, 'local_timer');
  irq(1300, IrqKind.SOFTIRQ_ENTRY, 'TIMER');
  irq(1350, IrqKind.SOFTIRQ_EXIT, 'TIMER');
  irq(1400, IrqKind.IRQ_EXIT, 'orphan'); // exit without entry: dropped
  r.switch(8000, 1, ['swapper/1', 0], TaskState.RUNNING, ['bash', 90]);
  return b.finish();
}

describe('thread states', () => {
  it('derives running / preempted / blocked / sleeping / runnable-with-waker intervals', () => {
    const h = host();
    const tl = machineTimeline(h);
    const ts = tl.threadStates;
    const vcpu = rowsOf(ts as never, ['tsNs', 'endNs', 'tid', 'state', 'cpu', 'wakerTid']).filter((r) => r[2] === 11);
    expect(vcpu).toEqual([
      [1000, 2000, 11, ThreadState.RUNNING, 0, -1],
      [2000, 3000, 11, ThreadState.PREEMPTED, 0, -1],
      [3000, 4000, 11, ThreadState.RUNNING, 0, -1],
      [4000, 6000, 11, ThreadState.SLEEPING, 0, -1],
      [6000, 6500, 11, ThreadState.RUNNABLE, 0, 77],
      [6500, 8000, 11, ThreadState.RUNNING, 0, -1], // open until the trace end
    ]);
    const hog = rowsOf(ts as never, ['tsNs', 'endNs', 'tid', 'state', 'wakerTid']).filter((r) => r[2] === 50);
    expect(hog).toEqual([
      [1500, 2000, 50, ThreadState.RUNNABLE, 11],
      [2000, 3000, 50, ThreadState.RUNNING, -1],
      [3000, 8000, 50, ThreadState.BLOCKED, -1],
    ]);
    const run = threadIntervals(ts, 11);
    expect(Array.from(run.startNs)).toEqual([1000, 3000, 6500]);
    expect(coveredNs(run, 0, 10_000)).toBe(1000 + 1000 + 1500);
    expect(containsTime(run, 2500)).toBe(false);
  });

  it('cpu busy/idle and latency-sensitive sections', () => {
    const tl = machineTimeline(host());
    const cpu0 = rowsOf(tl.cpuStates as never, ['tsNs', 'endNs', 'cpu', 'state', 'tid']).filter((r) => r[2] === 0);
    expect(cpu0).toEqual([
      [1000, 2000, 0, CpuState.BUSY, 11],
      [2000, 3000, 0, CpuState.BUSY, 50],
      [3000, 4000, 0, CpuState.BUSY, 11],
      [4000, 6500, 0, CpuState.IDLE, -1],
      [6500, 8000, 0, CpuState.BUSY, 11],
    ]);
    const sec = rowsOf(tl.sections as never, ['tsNs', 'endNs', 'cpu', 'kind', 'tid']);
    expect(sec).toEqual([
      [1100, 1200, 0, SectionKind.HARDIRQ, 11],
      [1300, 1350, 0, SectionKind.SOFTIRQ, 11],
      [7000, 7600, 1, SectionKind.RT_TASK, 60],
    ]);
    expect(tl.strings[tl.sections.cols.name[2]!]).toBe('rt');
  });

  it('vCPU lanes: running, steal, halted, and in-guest from kvm events', () => {
    const h = host();
    const aligned: AlignedScenario = {
      name: 't', dir: '.', scenario: { version: 1, name: 't', host: { trace: 'h' }, guests: [{ name: 'g' }] }, host: h,
      guests: [{ name: 'g', tables: emptyTraceTables('g', 'generated'), vcpus: { tids: new Map([[0, 11]]), source: 'scenario' }, clock: { offsetNs: 0, scale: 1, uncertaintyNs: 0, source: 'same-clock' } }],
      warnings: [],
    };
    const tl = scenarioTimeline(aligned);
    const v = rowsOf(tl.guests[0]!.vcpuStates! as never, ['tsNs', 'endNs', 'vcpu', 'state']);
    expect(v).toEqual([
      [1000, 2000, 0, VcpuState.RUNNING],
      [2000, 3000, 0, VcpuState.RUNNABLE],
      [3000, 4000, 0, VcpuState.RUNNING],
      [4000, 6000, 0, VcpuState.SLEEPING],
      [6000, 6500, 0, VcpuState.RUNNABLE],
      [6500, 8000, 0, VcpuState.RUNNING],
    ]);
  });

  it('writes Arrow files that read back with the same rows', async () => {
    const h = host();
    const tl = { host: machineTimeline(h, 'host'), guests: [] };
    const dir = await mkdtemp(join(tmpdir(), 'tl-'));
    const files = await writeTimelineDir(dir, tl, 'arrow');
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['host/cpu_states.arrow', 'host/sections.arrow', 'host/thread_states.arrow', 'timeline.json']);
    const t = arrow.tableFromIPC(await readFile(join(dir, 'host/sections.arrow')));
    expect(t.numRows).toBe(3);
    expect(t.getChild('name')!.get(2)).toBe('rt');
    expect(Number(t.getChild('endNs')!.get(0))).toBe(1200);
  });
});

describe('interval sets', () => {
  it('merges overlaps and measures coverage', () => {
    const s = intervalSet([10, 0, 50], [20, 15, 60]);
    expect(Array.from(s.startNs)).toEqual([0, 50]);
    expect(Array.from(s.endNs)).toEqual([20, 60]);
    expect(coveredNs(s, 5, 55)).toBe(15 + 5);
  });
});

void WakeupKind;
