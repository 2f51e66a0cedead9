// Validation of the replay against captures:
// - identity: replaying a capture under its own captured policy must reproduce its measured probe
//   latency (avg within 20 %, p99 within 30 %);
// - cross: a capture replayed under another policy must predict the capture taken under that
//   policy of the same workload (e.g. vanilla -> static and static -> vanilla).
// The measured side is the probe latency in the captured trace itself (hrtimer_start softexpires
// -> switch-in), measured exactly as on the replayed trace.
import type { AlignedScenario } from '../align/types.js';
import type { TraceTables } from '../tables/index.js';
import type { LatencyStats } from '../metrics/types.js';
import { demandFromAligned, type ExtractOptions } from './demand/fromTrace.js';
import type { Demand } from './demand/types.js';
import { loadPolicy } from './policies/index.js';
import { replayDemand, type EngineOverrides } from './replayDemand.js';
import { latencyStats, probeSamples, tidsByName } from './measure.js';
import { measureProbeLatency } from '../metrics/latency.js';

export const AVG_TOLERANCE = 0.2;
export const P99_TOLERANCE = 0.3;
/** Errors below the trace's timestamp resolution (ftrace text prints us) always pass. */
export const RESOLUTION_US = 1;

export interface ValidationRow {
  kind: 'identity' | 'cross';
  /** Scenario whose demand was replayed. */
  source: string;
  sourcePolicy: string;
  /** Policy replayed. */
  policy: string;
  /** Scenario whose measurement is the reference (source itself for identity). */
  reference: string;
  machine: string;
  task: string;
  measured: LatencyStats;
  replayed: LatencyStats;
  /** (replayed - measured) / measured */
  avgErr: number;
  p99Err: number;
  pass: boolean;
  /** PRNG seed of the replay. */
  seed: number;
}

export interface ValidationCapture {
  aligned: AlignedScenario;
  /** Workload key: captures with the same key differ only by captured policy. */
  workload: string;
}

export interface ValidateOptions {
  seed?: number;
  /** Replay every pair under each of these seeds (rows carry their seed); overrides `seed`. */
  seeds?: number[];
  engine?: EngineOverrides;
  extract?: ExtractOptions;
  onProgress?: (label: string) => void;
}

type Probe = [machine: string, tables: TraceTables | null, task: string, clock: { offsetNs: number; scale: number }];

/** Probe task per machine of a scenario: scenario.probes, else cyclictest; with the guest clock mapping. */
function probeNames(a: AlignedScenario): Probe[] {
  const p = (a.scenario.probes ?? {}) as Record<string, string>;
  return [['host', a.host, p['host'] ?? 'cyclictest', { offsetNs: 0, scale: 1 }] as Probe].concat(
    a.guests.map((g) => [g.name, g.tables, p[g.name] ?? 'cyclictest', { offsetNs: g.clock.offsetNs, scale: g.clock.scale }] as Probe),
  );
}

/** Probe latency as `latency`/`compare` measure it (CLOCK_MONOTONIC expiries mapped onto the trace clock). */
export function measureProbe(t: TraceTables, task: string, clock: { offsetNs: number; scale: number } = { offsetNs: 0, scale: 1 }): LatencyStats {
  try {
    return measureProbeLatency(t, t.meta.machine, { task, clock }).stats;
  } catch {
    // No such task or no activations: an empty measurement (count 0), reported as such.
    return latencyStats(probeSamples(t, tidsByName(t, task)).latencyNs);
  }
}

const relErr = (replayed: number, measured: number) => (measured > 0 ? (replayed - measured) / measured : replayed === measured ? 0 : Infinity);

function rows(kind: ValidationRow['kind'], src: ValidationCapture, policy: string, ref: ValidationCapture, replayed: TraceTables[], seed: number): ValidationRow[] {
  const out: ValidationRow[] = [];
  const refProbes = probeNames(ref.aligned);
  refProbes.forEach(([machine, tables, task, clock], i) => {
    if (!tables) return;
    const measured = measureProbe(tables, task, clock);
    const rt = replayed[i];
    if (!rt || measured.count === 0) return;
    const rep = measureProbe(rt, task);
    const avgErr = relErr(rep.avgUs, measured.avgUs);
    const p99Err = relErr(rep.p99Us, measured.p99Us);
    out.push({
      kind,
      source: src.aligned.name,
      sourcePolicy: src.aligned.scenario.capturedPolicy?.name ?? 'vanilla',
      policy,
      reference: ref.aligned.name,
      machine,
      task,
      measured,
      replayed: rep,
      avgErr,
      p99Err,
      seed,
      pass:
        rep.count > 0 &&
        (Math.abs(avgErr) <= AVG_TOLERANCE || Math.abs(rep.avgUs - measured.avgUs) <= RESOLUTION_US) &&
        (Math.abs(p99Err) <= P99_TOLERANCE || Math.abs(rep.p99Us - measured.p99Us) <= RESOLUTION_US),
    });
  });
  return out;
}

/** Workload key: scenario.capture.workload, else the name with the policy name removed. */
export function workloadKey(a: AlignedScenario): string {
  const w = a.scenario.capture?.['workload'];
  if (typeof w === 'string' && w) return w;
  const pol = a.scenario.capturedPolicy?.name ?? 'vanilla';
  return a.name.replace(new RegExp(`[-_.]?${pol.replace(/[^\w-]/g, '')}[-_.]?`, 'i'), '-').replace(/^-|-$/g, '');
}

/** Identity and cross-policy validation over a set of captures. */
export async function validateCaptures(caps: ValidationCapture[], opts: ValidateOptions = {}): Promise<{ rows: ValidationRow[]; warnings: string[] }> {
  const out: ValidationRow[] = [];
  const warnings: string[] = [];
  const demands = new Map<ValidationCapture, Demand>();
  for (const c of caps) {
    opts.onProgress?.(`extract ${c.aligned.name}`);
    const d = demandFromAligned(c.aligned, opts.extract ?? {});
    demands.set(c, d);
    for (const w of d.warnings) warnings.push(`${c.aligned.name}: ${w}`);
  }
  const polOf = (c: ValidationCapture) => c.aligned.scenario.capturedPolicy?.name ?? 'vanilla';
  for (const src of caps) {
    const d = demands.get(src)!;
    const targets = [src, ...caps.filter((o) => o !== src && o.workload === src.workload && polOf(o) !== polOf(src))];
    for (const ref of targets) {
      const pname = polOf(ref);
      const params = (ref.aligned.scenario.capturedPolicy?.params ?? {}) as Record<string, unknown>;
      opts.onProgress?.(`replay ${src.aligned.name} under ${pname}`);
      for (const seed of opts.seeds ?? [opts.seed ?? opts.engine?.seed ?? 1]) {
        // A fresh policy per replay: policies may keep state.
        const pol = await loadPolicy(pname, params);
        const r = replayDemand(d, pol, { ...(opts.engine ?? {}), seed });
        out.push(...rows(ref === src ? 'identity' : 'cross', src, pname, ref, r.trace.machines, seed));
      }
    }
  }
  return { rows: out, warnings };
}

/** Header, dashes and rows in columns; `right(i)` columns are right-aligned. */
function alignedTable(h: string[], body: string[][], right: (i: number) => boolean): string {
  const w = h.map((x, i) => Math.max(x.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (right(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ');
  return [line(h), line(w.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}

/** Per row (source, policy, reference, machine) over seeds: the spread of the replayed avg and p99. */
export interface SeedSpread {
  kind: ValidationRow['kind'];
  source: string;
  policy: string;
  reference: string;
  machine: string;
  task: string;
  measured: LatencyStats;
  seeds: number[];
  avgUs: { min: number; mean: number; max: number };
  p99Us: { min: number; mean: number; max: number };
  /** Seeds whose row was within both bounds. */
  passed: number;
}

export function seedSpread(rows: ValidationRow[]): SeedSpread[] {
  const groups = new Map<string, ValidationRow[]>();
  for (const r of rows) {
    const k = [r.kind, r.source, r.policy, r.reference, r.machine, r.task].join('\u0000');
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const stat = (xs: number[]) => ({ min: Math.min(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) });
  return [...groups.values()].map((g) => ({
    kind: g[0]!.kind,
    source: g[0]!.source,
    policy: g[0]!.policy,
    reference: g[0]!.reference,
    machine: g[0]!.machine,
    task: g[0]!.task,
    measured: g[0]!.measured,
    seeds: g.map((r) => r.seed),
    avgUs: stat(g.map((r) => r.replayed.avgUs)),
    p99Us: stat(g.map((r) => r.replayed.p99Us)),
    passed: g.filter((r) => r.pass).length,
  }));
}

/** The seed-spread table as text. */
export function formatSeedSpread(rows: ValidationRow[]): string {
  const sp = seedSpread(rows);
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  const range = (s: { min: number; mean: number; max: number }) => `${f(s.mean)} [${f(s.min)}-${f(s.max)}]`;
  const h = ['kind', 'source', 'replayed as', 'machine', 'avg meas', 'avg rep mean [min-max]', 'p99 meas', 'p99 rep mean [min-max]', 'seeds in bounds'];
  const body = sp.map((r) => [r.kind, r.source, r.policy, `${r.machine}:${r.task}`, f(r.measured.avgUs), range(r.avgUs), f(r.measured.p99Us), range(r.p99Us), `${r.passed}/${r.seeds.length}`]);
  const seeds = [...new Set(rows.map((r) => r.seed))];
  return alignedTable(h, body, (i) => i >= 4) + `\nseeds: ${seeds.join(',')}; ` + validationSummary(rows) + ' (over all seeds)\n';
}

/** One line: rows within both bounds, within each bound, and the mean absolute errors. */
export function validationSummary(rows: ValidationRow[]): string {
  const n = rows.length;
  const okAvg = (r: ValidationRow) => Math.abs(r.avgErr) <= AVG_TOLERANCE || Math.abs(r.replayed.avgUs - r.measured.avgUs) <= RESOLUTION_US;
  const okP99 = (r: ValidationRow) => Math.abs(r.p99Err) <= P99_TOLERANCE || Math.abs(r.replayed.p99Us - r.measured.p99Us) <= RESOLUTION_US;
  const mean = (f: (r: ValidationRow) => number) => {
    const v = rows.map(f).filter(Number.isFinite);
    return v.length ? `${((100 * v.reduce((a, b) => a + Math.abs(b), 0)) / v.length).toFixed(1)}%` : '-';
  };
  return (
    `within bounds: ${rows.filter((r) => r.pass).length}/${n} rows; avg within ${AVG_TOLERANCE * 100}%: ${rows.filter(okAvg).length}/${n}, ` +
    `p99 within ${P99_TOLERANCE * 100}%: ${rows.filter(okP99).length}/${n}; mean |avg err| ${mean((r) => r.avgErr)}, mean |p99 err| ${mean((r) => r.p99Err)}`
  );
}

/** The error table as text. */
export function formatValidation(rows: ValidationRow[]): string {
  const h = ['kind', 'source', 'replayed as', 'reference', 'machine', 'n meas/rep', 'avg meas', 'avg rep', 'avg err', 'p99 meas', 'p99 rep', 'p99 err', 'ok'];
  const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : 'inf');
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  const body = rows.map((r) => [
    r.kind,
    `${r.source} (${r.sourcePolicy})`,
    r.policy,
    r.reference,
    `${r.machine}:${r.task}`,
    `${r.measured.count}/${r.replayed.count}`,
    f(r.measured.avgUs),
    f(r.replayed.avgUs),
    pct(r.avgErr),
    f(r.measured.p99Us),
    f(r.replayed.p99Us),
    pct(r.p99Err),
    r.pass ? 'yes' : 'NO',
  ]);
  return alignedTable(h, body, (i) => i >= 5 && i < 12) + '\n' + validationSummary(rows) + '\n' + `bounds: |avg err| <= ${AVG_TOLERANCE * 100}%, |p99 err| <= ${P99_TOLERANCE * 100}%, or within ${RESOLUTION_US} us (timestamp resolution); latencies in us\n`;
}
