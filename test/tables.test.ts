import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MachineBuilder,
  readTraceDir,
  writeTraceDir,
  taskStateToString,
  parseTaskStateText,
  decodeTaskStateMask,
  TaskState,
  parseFlagsText,
  preemptDepth,
  Flags,
  WakeupKind,
} from '../src/tables/index.js';

function sample() {
  const b = new MachineBuilder('mem', 'ftrace-text');
  const sw = b.sched_switch;
  // Deliberately out of order: finish() must sort by (tsNs, seq).
  for (const [ts, prev, next] of [
    [2000, 'a<b>&"c', 'CPU 0/KVM'],
    [1000, 'swapper/0', 'a<b>&"c'],
  ] as const) {
    const i = sw.row();
    sw.c.tsNs[i] = ts;
    sw.c.seq[i] = b.seq();
    sw.c.cpu[i] = 0;
    sw.c.pid[i] = 1;
    sw.c.flags[i] = parseFlagsText('d..2.');
    sw.c.prevComm[i] = b.str(prev);
    sw.c.prevPid[i] = 1;
    sw.c.prevPrio[i] = 120;
    sw.c.prevState[i] = TaskState.PREEMPTED;
    sw.c.nextComm[i] = b.str(next);
    sw.c.nextPid[i] = 2;
    sw.c.nextPrio[i] = 91;
    b.thread(2, b.str(next), ts);
  }
  const w = b.sched_wakeup;
  const i = w.row();
  Object.assign(w.c, {});
  w.c.tsNs[i] = 1500;
  w.c.seq[i] = b.seq();
  w.c.cpu[i] = 1;
  w.c.pid[i] = 7;
  w.c.flags[i] = Flags.UNKNOWN;
  w.c.kind[i] = WakeupKind.WAKING;
  w.c.comm[i] = -1;
  w.c.tid[i] = 2;
  w.c.prio[i] = 120;
  w.c.targetCpu[i] = 0;
  w.c.success[i] = -1;
  const g = b.generic;
  const j = g.row();
  g.c.tsNs[j] = 1700;
  g.c.seq[j] = b.seq();
  g.c.cpu[j] = 1;
  g.c.pid[j] = 7;
  g.c.flags[j] = Flags.UNKNOWN;
  g.c.event[j] = b.str('cpu_idle');
  g.c.fields[j] = 'state=1 cpu_id=1';
  return b.finish();
}

describe('tables', () => {
  it('sorts rows by time, counts events, tracks threads and CPUs', () => {
    const t = sample();
    expect(Array.from(t.sched_switch.cols.tsNs)).toEqual([1000, 2000]);
    expect(t.strings[t.sched_switch.cols.prevComm[0]!]).toBe('swapper/0');
    expect(t.meta.eventCounts).toEqual({ cpu_idle: 1, sched_switch: 2, sched_waking: 1 });
    expect(t.meta.startNs).toBe(1000);
    expect(t.meta.endNs).toBe(2000);
    expect(Array.from(t.cpus.cols.cpu)).toEqual([0, 1]);
    expect(Array.from(t.cpus.cols.events)).toEqual([2, 2]);
    // tid 2 was seen as 'a<b>&"c' then 'CPU 0/KVM': two comm spans.
    expect(t.threads.length).toBe(2);
    expect(t.strings[t.threads.cols.comm[1]!]).toBe('CPU 0/KVM');
  });

  it('round-trips through Arrow IPC and Parquet', async () => {
    const t = sample();
    for (const format of ['arrow', 'parquet'] as const) {
      const dir = await mkdtemp(join(tmpdir(), `vr-${format}-`));
      await writeTraceDir(dir, { source: 'mem', format: 'ftrace-text', machines: [t] }, format);
      const back = (await readTraceDir(dir)).machines[0]!;
      for (const name of ['sched_switch', 'sched_wakeup', 'generic', 'threads', 'cpus'] as const) {
        const a = t[name];
        const z = back[name];
        expect(z.length).toBe(a.length);
        for (const [k, type] of Object.entries(a.spec.columns)) {
          const av = Array.from((a.cols as Record<string, ArrayLike<unknown>>)[k]!);
          const zv = Array.from((z.cols as Record<string, ArrayLike<unknown>>)[k]!);
          if (type === 'str') {
            expect(zv.map((id) => ((id as number) < 0 ? null : back.strings[id as number]))).toEqual(
              av.map((id) => ((id as number) < 0 ? null : t.strings[id as number])),
            );
          } else expect(zv).toEqual(av);
        }
      }
      expect(back.meta.eventCounts).toEqual(t.meta.eventCounts);
    }
  });

  it('parquet output is readable by DuckDB', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const dir = await mkdtemp(join(tmpdir(), 'vr-duck-'));
    await writeTraceDir(dir, { source: 'mem', format: 'ftrace-text', machines: [sample()] }, 'parquet');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const r = await con.runAndReadAll(
      `select tsNs, nextComm, nextPrio from read_parquet('${join(dir, 'sched_switch.parquet')}') order by tsNs`,
    );
    expect(r.getRows()).toEqual([
      [1000n, 'a<b>&"c', 91],
      [2000n, 'CPU 0/KVM', 91],
    ]);
  });

  it('decodes task states across kernel eras', () => {
    expect(taskStateToString(parseTaskStateText('R+'))).toBe('R+');
    expect(taskStateToString(parseTaskStateText('D|K'))).toBe('D|K');
    expect(parseTaskStateText('I')).toBe(TaskState.I);
    // pre-4.14 text printed 0x10 as Z and 0x20 as X.
    expect(parseTaskStateText('Z', true)).toBe(TaskState.Z);
    expect(decodeTaskStateMask(4096, [4, 9])).toBe(TaskState.PREEMPTED);
    expect(decodeTaskStateMask(64, [4, 9])).toBe(TaskState.x);
    expect(decodeTaskStateMask(256, [4, 19])).toBe(TaskState.PREEMPTED);
    expect(decodeTaskStateMask(0x200, [5, 10])).toBe(TaskState.UNKNOWN);
  });

  it('parses irq-info flags', () => {
    const f = parseFlagsText('dNh2');
    expect(f & Flags.IRQS_OFF).toBeTruthy();
    expect(f & Flags.NEED_RESCHED).toBeTruthy();
    expect(f & Flags.HARDIRQ).toBeTruthy();
    expect(preemptDepth(f)).toBe(2);
    expect(preemptDepth(parseFlagsText('....'))).toBe(0);
    expect(parseFlagsText('')).toBe(Flags.UNKNOWN);
  });
});
