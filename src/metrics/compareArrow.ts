import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StringPool, TableBuilder, toArrowTable, writeArrowOrParquet, type Table, type TableFileFormat, type TableSpec } from '../tables/index.js';
import type { CompareResult } from './compareTypes.js';

// `compare -o DIR`: the comparison as Arrow or Parquet tables (one row per scenario x probe x
// run), plus compare.json with everything else (facts, warnings, options).

export const COMPARE_LATENCY = {
  name: 'compare_latency',
  doc: 'Probe latency per scenario, probe and run (run = trace for the captured trace, else the policy). µs.',
  columns: {
    scenario: 'str', load: 'str', intervalUs: 'f64', capturedPolicy: 'str', side: 'str', machine: 'str', task: 'str', run: 'str',
    count: 'u32', minUs: 'f64', avgUs: 'f64', p50Us: 'f64', p99Us: 'f64', p999Us: 'f64', maxUs: 'f64',
  },
} as const satisfies TableSpec;

export const COMPARE_DEADLINES = {
  name: 'compare_deadlines',
  doc: 'Deadline misses per scenario, probe, buffer size and run.',
  columns: {
    scenario: 'str', load: 'str', intervalUs: 'f64', capturedPolicy: 'str', machine: 'str', task: 'str', run: 'str',
    bufferFrames: 'u32', bufferUs: 'f64', periods: 'u32', misses: 'u32', unfinished: 'u32',
  },
} as const satisfies TableSpec;

export const COMPARE_HOST_IMPACT = {
  name: 'compare_host_impact',
  doc: 'Host-side cost per scenario and run. NaN / -1 where a value does not apply (the captured trace has no boost statistics).',
  columns: {
    scenario: 'str', load: 'str', intervalUs: 'f64', capturedPolicy: 'str', run: 'str',
    hostProbeP99Us: 'f64', hostProbeMaxUs: 'f64', cpuShareOther: 'f64', cpuShareVcpu: 'f64', cpuShareIdle: 'f64',
    rtThrottles: 'i32', boosts: 'i32', boostedNs: 'i64', capHits: 'i32', boostReasons: 'text',
  },
} as const satisfies TableSpec;

const num = (v: number | null | undefined) => (v === null || v === undefined ? NaN : v);
const int = (v: number | null | undefined) => (v === null || v === undefined ? -1 : v);

export function compareArrowTables(result: CompareResult) {
  const pool = new StringPool();
  const s = (v: string | null) => (v === null ? -1 : pool.id(v));
  const lat = new TableBuilder(COMPARE_LATENCY, 64);
  for (const r of result.latency) {
    for (const run of ['trace', ...result.policies]) {
      const st = run === 'trace' ? r.measured : r.byPolicy[run];
      if (!st) continue;
      const i = lat.row();
      const c = lat.c;
      c.scenario[i] = s(r.scenario); c.load[i] = s(r.load); c.intervalUs[i] = num(r.intervalUs); c.capturedPolicy[i] = s(r.capturedPolicy);
      c.side[i] = s(r.side); c.machine[i] = s(r.machine); c.task[i] = s(r.task); c.run[i] = s(run);
      c.count[i] = st.count; c.minUs[i] = st.minUs; c.avgUs[i] = st.avgUs; c.p50Us[i] = st.p50Us; c.p99Us[i] = st.p99Us; c.p999Us[i] = st.p999Us; c.maxUs[i] = st.maxUs;
    }
  }
  const dl = new TableBuilder(COMPARE_DEADLINES, 64);
  for (const r of result.deadlines) {
    for (const run of ['trace', ...result.policies]) {
      const d = run === 'trace' ? r.measured : r.byPolicy[run];
      if (!d) continue;
      const i = dl.row();
      const c = dl.c;
      c.scenario[i] = s(r.scenario); c.load[i] = s(r.load); c.intervalUs[i] = num(r.intervalUs); c.capturedPolicy[i] = s(r.capturedPolicy);
      c.machine[i] = s(r.machine); c.task[i] = s(r.task); c.run[i] = s(run);
      c.bufferFrames[i] = r.bufferFrames; c.bufferUs[i] = r.bufferUs; c.periods[i] = d.periods; c.misses[i] = d.misses; c.unfinished[i] = d.unfinished;
    }
  }
  const hi = new TableBuilder(COMPARE_HOST_IMPACT, 16);
  for (const r of result.hostImpact) {
    const i = hi.row();
    const c = hi.c;
    c.scenario[i] = s(r.scenario); c.load[i] = s(r.load); c.intervalUs[i] = num(r.intervalUs); c.capturedPolicy[i] = s(r.capturedPolicy); c.run[i] = s(r.policy);
    c.hostProbeP99Us[i] = num(r.hostProbe?.p99Us); c.hostProbeMaxUs[i] = num(r.hostProbe?.maxUs);
    c.cpuShareOther[i] = num(r.share?.other); c.cpuShareVcpu[i] = num(r.share?.vcpu); c.cpuShareIdle[i] = num(r.share?.idle);
    c.rtThrottles[i] = int(r.throttles); c.boosts[i] = int(r.boosts); c.boostedNs[i] = int(r.boostedNs); c.capHits[i] = int(r.capHits);
    c.boostReasons[i] = JSON.stringify(r.boostReasons);
  }
  const tables: Table[] = [lat.finish(), dl.finish(), hi.finish()];
  return { strings: pool.values, tables };
}

/** Write compare_*.arrow|parquet and compare.json into dir; returns the files written. */
export async function writeCompareDir(dir: string, result: CompareResult, format: TableFileFormat = 'arrow', extra: Record<string, unknown> = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const { strings, tables } = compareArrowTables(result);
  const written: string[] = [];
  for (const t of tables) {
    const file = join(dir, `${t.spec.name}.${format}`);
    await writeArrowOrParquet(file, toArrowTable(t, strings), format);
    written.push(file);
  }
  const json = join(dir, 'compare.json');
  await writeFile(json, JSON.stringify({ ...extra, ...result }, null, 2) + '\n');
  written.push(json);
  return written;
}
