import type { CompareResult, ScenarioKey } from './compareTypes.js';
import type { LatencyStats } from './types.js';

// The comparison as one tidy CSV (one value per line), so spreadsheets and pandas can pivot it
// any way. Strings come from traces (task names, scenario names): quoted per RFC 4180 and
// guarded against formula injection.

export const CSV_HEADER = ['table', 'scenario', 'load', 'interval_us', 'captured_policy', 'machine', 'task', 'run', 'buffer_frames', 'metric', 'value'] as const;

/**
 * One CSV field. Text starting with = + - @ (or tab/CR) would run as a formula in a spreadsheet:
 * prefix it with ' (OWASP). Then quote when it contains a comma, quote, CR or LF.
 */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: Array<string | number | null | undefined>): string {
  return fields.map(csvField).join(',') + '\r\n';
}

const STAT_METRICS: Array<[string, keyof LatencyStats]> = [
  ['count', 'count'],
  ['min_us', 'minUs'],
  ['avg_us', 'avgUs'],
  ['p50_us', 'p50Us'],
  ['p99_us', 'p99Us'],
  ['p999_us', 'p999Us'],
  ['max_us', 'maxUs'],
];

export function renderCompareCsv(result: CompareResult): string {
  const out: string[] = [csvLine([...CSV_HEADER])];
  const key = (k: ScenarioKey) => [k.scenario, k.load, k.intervalUs, k.capturedPolicy];
  const runs = ['trace', ...result.policies];
  for (const r of result.latency) {
    for (const run of runs) {
      const s = run === 'trace' ? r.measured : r.byPolicy[run];
      if (!s) continue;
      for (const [m, f] of STAT_METRICS) out.push(csvLine([`${r.side}_latency`, ...key(r), r.machine, r.task, run, null, m, s[f]]));
    }
  }
  for (const r of result.deadlines) {
    for (const run of runs) {
      const c = run === 'trace' ? r.measured : r.byPolicy[run];
      if (!c) continue;
      for (const m of ['periods', 'misses', 'unfinished'] as const) out.push(csvLine(['deadlines', ...key(r), r.machine, r.task, run, r.bufferFrames, m, c[m]]));
    }
  }
  for (const r of result.hostImpact) {
    const vals: Array<[string, number | null | undefined]> = [
      ['host_probe_p99_us', r.hostProbe?.p99Us],
      ['host_probe_max_us', r.hostProbe?.maxUs],
      ['cpu_share_other', r.share?.other],
      ['cpu_share_vcpu', r.share?.vcpu],
      ['cpu_share_idle', r.share?.idle],
      ['rt_throttles', r.throttles],
      ['boosts', r.boosts],
      ['boosted_ns', r.boostedNs],
      ['cap_hits', r.capHits],
      ...Object.entries(r.boostReasons).map(([k, v]): [string, number] => [`boosts_${k}`, v]),
    ];
    for (const [m, v] of vals) if (v !== null && v !== undefined) out.push(csvLine(['host_impact', ...key(r), 'host', null, r.policy, null, m, v]));
  }
  return out.join('');
}
