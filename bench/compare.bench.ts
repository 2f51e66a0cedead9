// compare/report costs: the per-activation and per-switch scans on large synthetic schedules, the
// pure compare() and page building, and the whole `compare` job on a generated RFC-shaped scenario.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MachineBuilder, TaskState, Flags, type TraceTables } from '../src/tables/index.js';
import { responseTimesNs, countDeadlineMisses } from '../src/metrics/deadline.js';
import { hostCpuShare } from '../src/metrics/hostImpact.js';
import { compare } from '../src/metrics/compare.js';
import { latencyStatsFromNs } from '../src/metrics/compareStats.js';
import { renderCompareText } from '../src/metrics/compareText.js';
import { buildReportHtml } from '../src/report/report.js';
import { sampleCompareInput } from '../src/report/sampleData.js';
import { generateScenario } from '../src/replay/generate.js';
import { loadScenario } from '../src/scenario/index.js';
import { runCompare } from '../src/metrics/comparePipeline.js';
import type { ProbeLatency } from '../src/metrics/types.js';

/** A periodic task on `cpus` CPUs: per period one switch-in and one blocking switch-out per CPU. */
function bigSchedule(periods: number, cpus: number): { t: TraceTables; probe: ProbeLatency } {
  const b = new MachineBuilder('bench', 'generated');
  b.meta.cpuCount = cpus;
  const sw = b.sched_switch;
  const idle = b.str('swapper');
  const comm = b.str('cyclictest');
  const act = new Float64Array(periods);
  const lat = new Float64Array(periods);
  for (let k = 0; k < periods; k++) {
    const a = k * 500_000;
    act[k] = a;
    lat[k] = 3000 + ((k * 7919) % 200_000);
    for (let c = 0; c < cpus; c++) {
      for (const [ts, prev, next, st] of [
        [a + lat[k]!, 0, 100 + c, TaskState.RUNNING],
        [a + lat[k]! + 20_000, 100 + c, 0, TaskState.S],
      ] as const) {
        const i = sw.row();
        sw.c.tsNs[i] = ts;
        sw.c.seq[i] = b.seq();
        sw.c.cpu[i] = c;
        sw.c.pid[i] = prev;
        sw.c.flags[i] = Flags.UNKNOWN;
        sw.c.prevComm[i] = prev ? comm : idle;
        sw.c.prevPid[i] = prev;
        sw.c.prevPrio[i] = 120;
        sw.c.prevState[i] = st;
        sw.c.nextComm[i] = next ? comm : idle;
        sw.c.nextPid[i] = next;
        sw.c.nextPrio[i] = 120;
      }
    }
  }
  const t = b.finish();
  return { t, probe: { machine: 'guest', task: 'cyclictest', tids: [100], stats: latencyStatsFromNs(lat), activationTsNs: act, latencyNs: lat } };
}

const ms = (t0: number) => performance.now() - t0;

export async function run(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  const { t, probe } = bigSchedule(500_000, 4);
  out['schedule sched_switch rows'] = t.sched_switch.length;
  let t0 = performance.now();
  const resp = responseTimesNs(probe, t);
  const miss = countDeadlineMisses(resp, 2e6);
  const dlMs = ms(t0);
  out['deadline: activations'] = probe.activationTsNs.length;
  out['deadline: ms'] = dlMs;
  out['deadline: M switch rows/s'] = t.sched_switch.length / dlMs / 1000;
  out['deadline: misses (sanity)'] = miss.misses;
  t0 = performance.now();
  hostCpuShare(t, new Set([100]));
  const shMs = ms(t0);
  out['host share: ms'] = shMs;
  out['host share: M switch rows/s'] = t.sched_switch.length / shMs / 1000;

  const inputs = [sampleCompareInput(), sampleCompareInput({ name: 'idle', load: 'idle' })];
  t0 = performance.now();
  const r = compare(inputs);
  out['compare() on the sample: ms'] = ms(t0);
  t0 = performance.now();
  renderCompareText(r);
  out['text tables: ms'] = ms(t0);
  t0 = performance.now();
  const html = buildReportHtml(r, inputs, { command: 'bench', options: {} });
  out['report page: ms'] = ms(t0);
  out['report page: MB (plotly inline)'] = html.length / 1e6;

  const dir = await mkdtemp(join(tmpdir(), 'bench-compare-'));
  try {
    const spec = JSON.parse(readFileSync(new URL('../examples/rfc-busy.json', import.meta.url), 'utf8'));
    await generateScenario(spec, join(dir, 'rfc-busy'));
    t0 = performance.now();
    const { result } = await runCompare([await loadScenario(join(dir, 'rfc-busy'))]);
    out['compare job rfc-busy 2 s x 3 policies: s'] = ms(t0) / 1000;
    out['  guest activations (trace)'] = result.latency[0]!.measured!.count;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
