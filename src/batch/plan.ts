import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { glob } from './glob.js';
import { ManifestError, type Manifest } from './manifest.js';
import type { CellSpec, ParamValue, Params, ScenarioTarget } from './types.js';

// Turns a manifest into the ordered list of cells. The order and the ids depend only on the
// manifest and on which scenarios its globs match, never on absolute paths, so a manifest
// checked out anywhere (another machine of a job array) plans the same cells.

export interface PlannedScenario {
  /** Identity used in cell ids: paths relative to the manifest directory. */
  key: string;
  target: ScenarioTarget;
  /** Paths relative to the manifest, for reproducing a cell elsewhere. */
  relative: { dir?: string; host?: string; guests?: string[] };
}

export interface BatchPlan {
  name: string;
  manifestFile: string;
  scenarios: PlannedScenario[];
  cells: CellSpec[];
  /** Every parameter name any cell has, sorted. */
  paramKeys: string[];
  /** Hash of the cell ids in order: two runs can be resumed or merged only if these agree. */
  planHash: string;
  chartMetrics: string[] | null;
  cellTimeoutS: number | null;
}

const posix = (p: string): string => p.split(sep).join('/');
const rel = (dir: string, p: string): string => posix(relative(dir, p)) || '.';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Parameters with sorted keys, so equal parameter sets serialise identically. */
export function canonicalParams(p: Params): Params {
  const out: Params = {};
  for (const k of Object.keys(p).sort()) out[k] = p[k]!;
  return out;
}

export function cellId(scenarioKey: string, policy: string, params: Params, seed: number): string {
  return sha(JSON.stringify([scenarioKey, policy, Object.entries(canonicalParams(params)), seed])).slice(0, 16);
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}
async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

/** Expand the manifest's scenario entries into scenario directories / trace pairs. */
export async function resolveScenarios(m: Manifest): Promise<PlannedScenario[]> {
  const out: PlannedScenario[] = [];
  const byKey = new Map<string, string>();
  const byLabel = new Map<string, string>();
  const add = (s: PlannedScenario, field: string): void => {
    const prev = byKey.get(s.key) ?? byLabel.get(s.target.label);
    if (prev) throw new ManifestError(m.file, field, `scenario "${s.target.label}" is already named by ${prev}`);
    byKey.set(s.key, field);
    byLabel.set(s.target.label, field);
    out.push(s);
  };
  for (const e of m.scenarios) {
    if (e.kind === 'pair') {
      const files = [e.host, ...e.guests].map((p) => resolve(m.dir, p));
      for (const [j, f] of files.entries()) {
        if (!(await isFile(f))) throw new ManifestError(m.file, j === 0 ? `${e.field}.host` : `${e.field}.guests[${j - 1}]`, `trace file ${f} does not exist`);
      }
      const r = files.map((f) => rel(m.dir, f));
      add({ key: `pair:${r.join('|')}`, target: { label: e.name, host: files[0]!, guests: files.slice(1) }, relative: { host: r[0]!, guests: r.slice(1) } }, e.field);
      continue;
    }
    const matches = await glob(e.glob, m.dir);
    const dirs: string[] = [];
    for (const p of matches) {
      if (basename(p) === 'scenario.json' && (await isFile(p))) dirs.push(dirname(p));
      else if ((await isDir(p)) && (await isFile(join(p, 'scenario.json')))) dirs.push(p);
    }
    if (dirs.length === 0) {
      const why = matches.length ? `matches ${matches.length} path(s) but none is a scenario directory (with scenario.json)` : 'matches nothing';
      throw new ManifestError(m.file, e.field, `"${e.glob}" ${why} (relative to ${m.dir})`);
    }
    for (const d of [...new Set(dirs)].sort()) {
      const r = rel(m.dir, d);
      add({ key: `dir:${r}`, target: { label: r, dir: d }, relative: { dir: r } }, e.field);
    }
  }
  return out;
}

/** Cartesian product of the sweep, keys in sorted order, the last key varying fastest. */
export function paramCombinations(fixed: Params, sweep: Record<string, ParamValue[]>): Params[] {
  const keys = Object.keys(sweep).sort();
  let combos: Params[] = [{ ...fixed }];
  for (const k of keys) {
    const next: Params[] = [];
    for (const c of combos) for (const v of sweep[k]!) next.push({ ...c, [k]: v });
    combos = next;
  }
  return combos.map(canonicalParams);
}

/** Refuse plans that would not fit in memory or on disk long before running them. */
const MAX_CELLS = 5_000_000;

/** Every cell, in order: scenario, then policy, then parameter combination, then seed. */
export async function planBatch(m: Manifest): Promise<BatchPlan> {
  const scenarios = await resolveScenarios(m);
  const combos = m.policies.map((p) => paramCombinations(p.params, p.sweep));
  const total = scenarios.length * combos.reduce((a, c) => a + c.length, 0) * m.seeds.length;
  if (total > MAX_CELLS) throw new ManifestError(m.file, '', `plans ${total} cells (limit ${MAX_CELLS}); split it into several manifests`);
  const cells: CellSpec[] = [];
  const keys = new Set<string>();
  const ids = new Set<string>();
  for (const s of scenarios) {
    m.policies.forEach((p, pi) => {
      for (const params of combos[pi]!) {
        for (const k of Object.keys(params)) keys.add(k);
        for (const seed of m.seeds) {
          const id = cellId(s.key, p.name, params, seed);
          if (ids.has(id)) throw new ManifestError(m.file, p.field, `repeats cell ${p.name} ${JSON.stringify(params)} seed ${seed} for scenario "${s.target.label}"`);
          ids.add(id);
          cells.push({ index: cells.length, id, scenario: s.target, policy: p.name, params, seed });
        }
      }
    });
  }
  return {
    name: m.name,
    manifestFile: m.file,
    scenarios,
    cells,
    paramKeys: [...keys].sort(),
    planHash: sha(cells.map((c) => c.id).join('\n')).slice(0, 16),
    chartMetrics: m.chartMetrics,
    cellTimeoutS: m.cellTimeoutS,
  };
}

export interface Shard {
  /** 0-based, like Kubernetes JOB_COMPLETION_INDEX. */
  index: number;
  count: number;
}

/** Parse "I/N" (0 <= I < N). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw Object.assign(new Error(`--shard "${text}": expected I/N with 0 <= I < N (I is 0-based, e.g. 0/4 ... 3/4)`), { userError: true });
  }
  return { index, count };
}

/** The cells of one shard: every N-th cell, so each shard gets a mix of the sweep (cells' costs vary along it). */
export function shardCells<T extends { index: number }>(cells: T[], shard: Shard | null): T[] {
  return shard ? cells.filter((c) => c.index % shard.count === shard.index) : cells;
}
