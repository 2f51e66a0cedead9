import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ParamValue, Params } from './types.js';

// A batch manifest names scenarios, policies and parameter sweeps (docs/batch.md). This file
// parses and validates it; nothing here touches traces.

/** A manifest problem, naming the file and the field (JSON path) that is wrong. */
export class ManifestError extends Error {
  readonly userError = true;
  constructor(readonly file: string, readonly field: string, message: string) {
    super(`${file}: ${field ? field + ': ' : ''}${message}`);
    this.name = 'ManifestError';
  }
}

export type ScenarioEntry =
  /** Glob (relative to the manifest) of scenario directories or scenario.json files. */
  | { kind: 'glob'; glob: string; field: string }
  /** A host trace plus guest traces with no scenario.json. */
  | { kind: 'pair'; name: string; host: string; guests: string[]; field: string };

export interface PolicyEntry {
  name: string;
  /** Fixed parameters (manifest-wide `params` overlaid by the policy's own). */
  params: Params;
  /** Swept parameters -> values in manifest order (manifest-wide `sweep` overlaid by the policy's own). */
  sweep: Record<string, ParamValue[]>;
  field: string;
}

export interface Manifest {
  file: string;
  /** Directory the manifest's relative paths are resolved from. */
  dir: string;
  name: string;
  seeds: number[];
  scenarios: ScenarioEntry[];
  policies: PolicyEntry[];
  /** Per-cell time limit; null = none. */
  cellTimeoutS: number | null;
  /** Metrics the charts show; null = a default choice from what the cells produced. */
  chartMetrics: string[] | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const PARAM_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const POLICY_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** A sweep this long is a typo, not a plan. */
const MAX_SWEEP_VALUES = 100_000;

/** Read and validate a manifest file (.json, .yaml or .yml). */
export async function loadManifest(path: string): Promise<Manifest> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ManifestError(path, '', `cannot read manifest (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseManifest(text, file);
}

/** Parse manifest text; YAML unless the file name ends in .json. */
export function parseManifest(text: string, file: string): Manifest {
  let raw: unknown;
  if (extname(file).toLowerCase() === '.json') {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ManifestError(file, '', `not valid JSON (${(e as Error).message})`);
    }
  } else {
    try {
      raw = parseYaml(text);
    } catch (e) {
      const pos = e instanceof YAMLParseError && e.linePos ? `line ${e.linePos[0].line}: ` : '';
      throw new ManifestError(file, '', `not valid YAML (${pos}${(e as Error).message.split('\n')[0]})`);
    }
  }
  return validateManifest(raw, file);
}

export function validateManifest(raw: unknown, file: string): Manifest {
  const fail = (field: string, msg: string): never => {
    throw new ManifestError(file, field, msg);
  };
  const known = (o: Obj, keys: string[], path: string): void => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${path}${k}`, `unknown field (known: ${keys.join(', ')})`);
  };
  const nonEmptyString = (v: unknown, field: string): string =>
    typeof v === 'string' && v.length > 0 ? v : fail(field, 'must be a non-empty string');

  if (!isObj(raw)) fail('', 'must be an object (JSON or YAML mapping)');
  const m = raw as Obj;
  known(m, ['version', 'name', 'description', 'seed', 'scenarios', 'policies', 'params', 'sweep', 'cellTimeoutS', 'charts'], '');
  if (m['version'] !== 1) fail('version', `must be 1 (got ${JSON.stringify(m['version'])})`);
  const name = nonEmptyString(m['name'], 'name');
  if (m['description'] !== undefined) nonEmptyString(m['description'], 'description');

  // Seeds: one integer or a sweep of them; each seed is its own cell.
  let seeds: number[] = [1];
  if (m['seed'] !== undefined) {
    const vals = sweepValues(m['seed'], 'seed', fail);
    seeds = vals.map((v, i) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(Array.isArray(m['seed']) ? `seed[${i}]` : 'seed', 'must be a non-negative integer')));
  }

  if (!Array.isArray(m['scenarios']) || m['scenarios'].length === 0) fail('scenarios', 'is required: a non-empty list of globs or {name, host, guests} pairs');
  const scenarios = (m['scenarios'] as unknown[]).map((s, i): ScenarioEntry => {
    const field = `scenarios[${i}]`;
    if (typeof s === 'string') return { kind: 'glob', glob: nonEmptyString(s, field), field };
    if (!isObj(s)) return fail(field, 'must be a glob string, {glob} or {name, host, guests}');
    if (s['glob'] !== undefined) {
      known(s, ['glob'], `${field}.`);
      return { kind: 'glob', glob: nonEmptyString(s['glob'], `${field}.glob`), field };
    }
    known(s, ['name', 'host', 'guests'], `${field}.`);
    const guests = s['guests'] === undefined ? [] : Array.isArray(s['guests']) ? s['guests'] : fail(`${field}.guests`, 'must be a list of trace paths');
    return {
      kind: 'pair',
      name: nonEmptyString(s['name'], `${field}.name`),
      host: nonEmptyString(s['host'], `${field}.host`),
      guests: guests.map((g, j) => nonEmptyString(g, `${field}.guests[${j}]`)),
      field,
    };
  });

  const globalParams = m['params'] === undefined ? {} : paramsOf(m['params'], 'params', fail);
  const globalSweep = m['sweep'] === undefined ? {} : sweepOf(m['sweep'], 'sweep', fail);

  if (!Array.isArray(m['policies']) || m['policies'].length === 0) fail('policies', 'is required: a non-empty list of policy names or {name, params?, sweep?}');
  const policies = (m['policies'] as unknown[]).map((p, i): PolicyEntry => {
    const field = `policies[${i}]`;
    const o: Obj = typeof p === 'string' ? { name: p } : isObj(p) ? p : fail(field, 'must be a policy name or {name, params?, sweep?}');
    known(o, ['name', 'params', 'sweep'], `${field}.`);
    const pname = nonEmptyString(o['name'], `${field}.name`);
    if (!POLICY_NAME.test(pname)) fail(`${field}.name`, `"${pname}" is not a policy name (letters, digits, - and _)`);
    const own = o['params'] === undefined ? {} : paramsOf(o['params'], `${field}.params`, fail);
    const ownSweep = o['sweep'] === undefined ? {} : sweepOf(o['sweep'], `${field}.sweep`, fail);
    // The policy's own settings win over manifest-wide ones, whether fixed or swept.
    const params: Params = {};
    const sweep: Record<string, ParamValue[]> = {};
    for (const [k, v] of Object.entries(globalParams)) if (!(k in own) && !(k in ownSweep)) params[k] = v;
    for (const [k, v] of Object.entries(globalSweep)) if (!(k in own) && !(k in ownSweep)) sweep[k] = v;
    for (const [k, v] of Object.entries(own)) {
      if (k in ownSweep) fail(`${field}.params.${k}`, 'is also in this policy\'s sweep; give it one or the other');
      params[k] = v;
    }
    Object.assign(sweep, ownSweep);
    return { name: pname, params, sweep, field };
  });

  let cellTimeoutS: number | null = null;
  if (m['cellTimeoutS'] !== undefined) {
    const v = m['cellTimeoutS'];
    cellTimeoutS = typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fail('cellTimeoutS', 'must be a number of seconds > 0');
  }
  let chartMetrics: string[] | null = null;
  if (m['charts'] !== undefined) {
    const c = isObj(m['charts']) ? m['charts'] : fail('charts', 'must be an object {metrics: [...]}');
    known(c, ['metrics'], 'charts.');
    const ms = Array.isArray(c['metrics']) && c['metrics'].length > 0 ? c['metrics'] : fail('charts.metrics', 'must be a non-empty list of metric names');
    chartMetrics = ms.map((x, i) => nonEmptyString(x, `charts.metrics[${i}]`));
  }
  return { file, dir: dirname(file), name, seeds, scenarios, policies, cellTimeoutS, chartMetrics };
}

type Fail = (field: string, msg: string) => never;

function scalar(v: unknown, field: string, fail: Fail): ParamValue {
  if (typeof v === 'number') return Number.isFinite(v) ? v : fail(field, 'must be a finite number');
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  return fail(field, 'must be a number, string or boolean');
}

function paramsOf(v: unknown, field: string, fail: Fail): Params {
  if (!isObj(v)) fail(field, 'must be an object {param: value}');
  const out: Params = {};
  for (const [k, x] of Object.entries(v as Obj)) {
    if (!PARAM_KEY.test(k)) fail(`${field}.${k}`, 'parameter names are letters, digits and _, starting with a letter');
    out[k] = scalar(x, `${field}.${k}`, fail);
  }
  return out;
}

function sweepOf(v: unknown, field: string, fail: Fail): Record<string, ParamValue[]> {
  if (!isObj(v)) fail(field, 'must be an object {param: [values] | {from, to, step}}');
  const out: Record<string, ParamValue[]> = {};
  for (const [k, x] of Object.entries(v as Obj)) {
    if (!PARAM_KEY.test(k)) fail(`${field}.${k}`, 'parameter names are letters, digits and _, starting with a letter');
    out[k] = sweepValues(x, `${field}.${k}`, fail);
  }
  return out;
}

/** A list of values, one scalar, or a numeric range {from, to, step = 1} (inclusive). */
function sweepValues(v: unknown, field: string, fail: Fail): ParamValue[] {
  let vals: ParamValue[];
  if (Array.isArray(v)) {
    if (v.length === 0) fail(field, 'must not be empty');
    vals = v.map((x, i) => scalar(x, `${field}[${i}]`, fail));
  } else if (isObj(v)) {
    for (const k of Object.keys(v)) if (!['from', 'to', 'step'].includes(k)) fail(`${field}.${k}`, 'unknown field (known: from, to, step)');
    const num = (k: string, dflt?: number): number => {
      const x = v[k] ?? dflt;
      return typeof x === 'number' && Number.isFinite(x) ? x : fail(`${field}.${k}`, 'must be a finite number');
    };
    const from = num('from');
    const to = num('to');
    const step = num('step', 1);
    if (step <= 0) fail(`${field}.step`, 'must be > 0');
    if (to < from) fail(`${field}.to`, `must be >= from (${from})`);
    // The epsilon keeps 0.1-style steps from losing their last value to rounding.
    const n = Math.floor((to - from) / step + 1e-9) + 1;
    if (n > MAX_SWEEP_VALUES) fail(field, `expands to ${n} values (limit ${MAX_SWEEP_VALUES})`);
    vals = Array.from({ length: n }, (_, i) => Number((from + i * step).toPrecision(12)));
  } else {
    vals = [scalar(v, field, fail)];
  }
  const seen = new Set<string>();
  vals.forEach((x, i) => {
    const key = JSON.stringify(x);
    if (seen.has(key)) fail(Array.isArray(v) ? `${field}[${i}]` : field, `duplicate value ${key}`);
    seen.add(key);
  });
  return vals;
}
