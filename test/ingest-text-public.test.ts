import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingest } from '../src/ingest/index.js';
import { readTraceDir, writeTraceDir, ALL_TABLES, type Table, type TraceTables } from '../src/tables/index.js';
import { summarizeTrace } from '../src/metrics/traceSummary.js';
import { HAS_SHARED, REPO_DIR, sharedPath, warnNoShared } from './helpers/shared.js';

// Real public traces (../shared/traces-public, README there): per-event counts must match the
// published golden counts exactly; the bundled capture must ingest cleanly.

const GOLDEN: Array<{ file: string; format: string; cpus: number | null; counts: Record<string, number>; overwrite?: number }> = [
  {
    file: 'lisa/trace-cmd-report-raw_trace.txt',
    format: 'trace-cmd-report',
    cpus: 6,
    counts: { sched_switch: 1856, sched_wakeup: 1068, print: 14, sched_overutilized: 3 },
  },
  {
    file: 'lisa/trace-cmd-report-pretty_trace_sched.txt',
    format: 'trace-cmd-report',
    cpus: 5,
    counts: {
      cpu_idle: 15, sched_migrate_task: 2, sched_process_exit: 2, sched_process_wait: 3, sched_stat_runtime: 21,
      sched_stat_sleep: 12, sched_stat_wait: 13, sched_switch: 20, sched_wakeup: 12,
    },
  },
  {
    file: 'lisa/trace_systrace.html',
    format: 'systrace-html',
    cpus: 6,
    counts: { sched_switch: 4, sched_wakeup: 4, tracing_mark_write: 2 },
  },
  {
    file: 'lisa/trace_legacy_systrace.html',
    format: 'systrace-html',
    cpus: 8,
    counts: { sched_contrib_scale_f: 2, sched_load_avg_cpu: 5, sched_load_avg_task: 3, sched_switch: 3, sched_wakeup: 2 },
  },
  {
    file: 'lisa/trace_surfaceflinger.html',
    format: 'systrace-html',
    cpus: 8,
    counts: {
      sched_switch: 715, cpu_idle: 621, sched_wakeup: 421, sugov_set_iowait_boost: 366, tracing_mark_write: 160,
      cpu_frequency: 104, clock_set_rate: 88, sched_blocked_reason: 31,
    },
  },
  {
    file: 'tracecompass-incubator/atrace-test.txt',
    format: 'atrace',
    cpus: 4,
    counts: { sched_switch: 2582, sched_wakeup: 1540, tracing_mark_write: 332 },
  },
  {
    file: 'tracecompass-incubator/trace-android-sched-irq.txt',
    format: 'ftrace-text',
    cpus: 2,
    counts: { sched_switch: 67, sched_wakeup: 45, softirq_raise: 9, softirq_entry: 9, softirq_exit: 9 },
    overwrite: 223807 - 69657,
  },
  {
    file: 'tracecompass-incubator/trace-android-sched-irq-syscall.txt',
    format: 'ftrace-text',
    cpus: 2,
    counts: {
      sys_enter: 51, sys_exit: 50, sched_switch: 9, sched_wakeup: 5, irq_handler_entry: 2, irq_handler_exit: 2,
      softirq_raise: 8, softirq_entry: 8, softirq_exit: 8,
    },
    overwrite: 912978 - 89484,
  },
];

const sorted = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

describe.skipIf(!HAS_SHARED)('public text traces: golden event counts', () => {
  warnNoShared('public text trace golden counts');
  for (const g of GOLDEN) {
    it(g.file, async () => {
      const t = await ingest(sharedPath(`traces-public/${g.file}`));
      expect(t.format).toBe(g.format);
      expect(t.machines).toHaveLength(1);
      const m = t.machines[0]!;
      expect(m.meta.eventCounts).toEqual(sorted(g.counts));
      expect(m.meta.cpuCount).toBe(g.cpus);
      expect(m.meta.unparsed.count).toBe(0);
      const ow = m.meta.lost.filter((l) => l.kind === 'overwrite');
      if (g.overwrite) {
        expect(ow.map((l) => l.events)).toEqual([g.overwrite]);
        expect(m.meta.warnings.some((w) => w.includes(`overwrote ${g.overwrite} events`))).toBe(true);
      } else expect(ow).toEqual([]);
    });
  }

  it('pretty plugin file: comms with spaces and colons come out whole', async () => {
    const m = (await ingest(sharedPath('traces-public/lisa/trace-cmd-report-pretty_trace_sched.txt'))).machines[0]!;
    const comms = new Set(Array.from(m.sched_switch.cols.nextComm, (id) => m.strings[id]));
    expect(comms).toContain('rs:main Q:Reg');
    expect(comms).toContain('in:imuxsock');
  });
});

function sameTables(a: TraceTables, b: TraceTables): void {
  for (const spec of ALL_TABLES) {
    const x = a[spec.name] as Table;
    const y = b[spec.name] as Table;
    expect(y.length, spec.name).toBe(x.length);
    for (const [k, type] of Object.entries(spec.columns)) {
      const xv = Array.from((x.cols as Record<string, ArrayLike<unknown>>)[k]!);
      const yv = Array.from((y.cols as Record<string, ArrayLike<unknown>>)[k]!);
      if (type === 'str') {
        const name = (s: string[]) => (id: unknown) => ((id as number) < 0 ? null : s[id as number]);
        expect(yv.map(name(b.strings)), `${spec.name}.${k}`).toEqual(xv.map(name(a.strings)));
      } else expect(yv, `${spec.name}.${k}`).toEqual(xv);
    }
  }
}

describe('bundled host sample (2 CPUs, mono clock, TGID, 5-char flags)', () => {
  const SAMPLE = join(REPO_DIR, 'traces/samples/host-ftrace-sample.txt.gz');

  it('ingests with no warnings, no unparsed lines, no lost data', async () => {
    const t = await ingest(SAMPLE);
    const m = t.machines[0]!;
    expect(t.format).toBe('ftrace-text');
    expect(m.meta.warnings).toEqual([]);
    expect(m.meta.unparsed).toEqual({ count: 0, examples: [] });
    expect(m.meta.lost).toEqual([]);
    expect(m.meta.cpuCount).toBe(2);
    const total = Object.values(m.meta.eventCounts).reduce((a, b) => a + b, 0);
    expect(total).toBe(2440); // header: entries-in-buffer/entries-written: 2440/2440
    expect(m.meta.eventCounts['sched_switch']).toBe(232);
    // every sched_switch next/prev pid has a thread row, and TGIDs from the column are kept
    const tids = new Set(m.threads.cols.tid);
    for (let i = 0; i < m.sched_switch.length; i++) expect(tids.has(m.sched_switch.cols.nextPid[i]!)).toBe(true);
    const bash = Array.from(m.threads.cols.tid).indexOf(4202);
    expect(m.threads.cols.tgid[bash]).toBe(4202);
    const s = summarizeTrace(m);
    expect(s.totalEvents).toBe(2440);
    expect(s.vcpuThreads).toEqual([]);
    // CPU time handed out by sched_switch cannot exceed the traced CPU time
    const busy = s.topThreads.reduce((a, t) => a + t.cpuTimeNs, 0);
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual(2 * s.durationNs);
  });

  it('Arrow IPC and Parquet round trips keep every table; DuckDB reads the Parquet', async () => {
    const t = await ingest(SAMPLE);
    for (const format of ['arrow', 'parquet'] as const) {
      const dir = await mkdtemp(join(tmpdir(), `vr-text-${format}-`));
      await writeTraceDir(dir, t, format);
      const back = await readTraceDir(dir);
      sameTables(t.machines[0]!, back.machines[0]!);
      expect(back.machines[0]!.meta.eventCounts).toEqual(t.machines[0]!.meta.eventCounts);
      if (format === 'parquet') {
        const { DuckDBInstance } = await import('@duckdb/node-api');
        const db = await DuckDBInstance.create(':memory:');
        const con = await db.connect();
        const r = await con.runAndReadAll(
          `select count(*), count(distinct nextPid), min(tsNs) from read_parquet('${join(dir, 'sched_switch.parquet')}')`,
        );
        const sw = t.machines[0]!.sched_switch;
        expect(r.getRows()).toEqual([[BigInt(sw.length), BigInt(new Set(sw.cols.nextPid).size), BigInt(sw.cols.tsNs[0]!)]]);
        const g = await con.runAndReadAll(`select event, count(*) from read_parquet('${join(dir, 'irq.parquet')}') group by event order by event`);
        const counts = t.machines[0]!.meta.eventCounts;
        expect(g.getRows()).toEqual(
          Object.keys(counts)
            .filter((k) => /^(softirq|irq_handler|local_timer|reschedule|call_function)/.test(k))
            .sort()
            .map((k) => [k, BigInt(counts[k]!)]),
        );
      }
    }
  });
});
