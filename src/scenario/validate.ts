import type { Scenario } from './types.js';

/** A schema violation, with the JSON path that is wrong. */
export class ScenarioError extends Error {
  constructor(readonly file: string, readonly path: string, message: string) {
    super(`${file}: ${path ? path + ': ' : ''}${message}`);
    this.name = 'ScenarioError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validate a parsed scenario.json. Returns it typed, or throws ScenarioError naming the field. */
export function validateScenario(raw: unknown, file = 'scenario.json'): Scenario {
  const fail = (path: string, msg: string): never => {
    throw new ScenarioError(file, path, msg);
  };
  const str = (o: Obj, k: string, path: string, required: boolean): void => {
    if (o[k] === undefined) {
      if (required) fail(`${path}${k}`, 'is required (a string)');
      return;
    }
    if (typeof o[k] !== 'string' || (o[k] as string).length === 0) fail(`${path}${k}`, 'must be a non-empty string');
  };
  const num = (o: Obj, k: string, path: string, opts: { int?: boolean; positive?: boolean } = {}): void => {
    const v = o[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${path}${k}`, 'must be a finite number');
    if (opts.int && !Number.isInteger(v)) fail(`${path}${k}`, 'must be an integer');
    if (opts.positive && (v as number) <= 0) fail(`${path}${k}`, 'must be > 0');
  };
  const known = (o: Obj, keys: string[], path: string): void => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${path}${k}`, `unknown field (known: ${keys.join(', ')})`);
  };

  if (!isObj(raw)) fail('', 'must be a JSON object');
  const s = raw as Obj;
  known(s, ['version', 'name', 'description', 'host', 'guests', 'capturedPolicy', 'probes', 'measured', 'capture', 'generator', '$schema'], '');
  if (s['version'] !== 1) fail('version', `must be 1 (got ${JSON.stringify(s['version'])})`);
  str(s, 'name', '', true);
  str(s, 'description', '', false);

  if (!isObj(s['host'])) fail('host', 'is required: an object with at least "trace"');
  const h = s['host'] as Obj;
  known(h, ['trace', 'tscHz', 'kernel', 'cpus'], 'host.');
  str(h, 'trace', 'host.', true);
  num(h, 'tscHz', 'host.', { positive: true });
  str(h, 'kernel', 'host.', false);
  num(h, 'cpus', 'host.', { int: true, positive: true });

  if (s['guests'] === undefined) s['guests'] = [];
  if (!Array.isArray(s['guests'])) fail('guests', 'must be an array');
  const names = new Set<string>();
  (s['guests'] as unknown[]).forEach((g, i) => {
    const p = `guests[${i}].`;
    if (!isObj(g)) fail(`guests[${i}]`, 'must be an object');
    const go = g as Obj;
    known(go, ['name', 'trace', 'vcpus', 'clock', 'tscHz', 'kernel', 'cpus'], p);
    str(go, 'name', p, true);
    if (go['name'] === 'host') fail(`${p}name`, '"host" is reserved for the host machine');
    if (names.has(go['name'] as string)) fail(`${p}name`, `duplicate guest name "${go['name']}"`);
    names.add(go['name'] as string);
    str(go, 'trace', p, false);
    num(go, 'tscHz', p, { positive: true });
    str(go, 'kernel', p, false);
    num(go, 'cpus', p, { int: true, positive: true });
    const v = go['vcpus'];
    if (v !== undefined) {
      const entries: Array<[string, unknown]> = Array.isArray(v) ? v.map((x, j) => [String(j), x]) : isObj(v) ? Object.entries(v) : fail(`${p}vcpus`, 'must be an array (index = guest CPU) or an object {"cpu": tid}');
      for (const [k, tid] of entries) {
        if (!/^\d+$/.test(k)) fail(`${p}vcpus.${k}`, 'keys must be guest CPU numbers');
        if (typeof tid !== 'number' || !Number.isInteger(tid) || tid <= 0) fail(`${p}vcpus.${k}`, 'must be a host thread id (positive integer)');
      }
    }
    const c = go['clock'];
    if (c !== undefined) {
      if (!isObj(c)) fail(`${p}clock`, 'must be an object');
      const co = c as Obj;
      known(co, ['offsetNs', 'tscOffset', 'scale', 'source', 'uncertaintyNs'], `${p}clock.`);
      num(co, 'offsetNs', `${p}clock.`);
      num(co, 'tscOffset', `${p}clock.`);
      num(co, 'scale', `${p}clock.`, { positive: true });
      num(co, 'uncertaintyNs', `${p}clock.`);
      str(co, 'source', `${p}clock.`, false);
    }
  });

  const cp = s['capturedPolicy'];
  if (cp !== undefined) {
    if (!isObj(cp)) fail('capturedPolicy', 'must be an object {name, params?}');
    str(cp as Obj, 'name', 'capturedPolicy.', true);
    if ((cp as Obj)['params'] !== undefined && !isObj((cp as Obj)['params'])) fail('capturedPolicy.params', 'must be an object');
  }
  const machines = new Set(['host', ...names]);
  for (const key of ['probes', 'measured'] as const) {
    const v = s[key];
    if (v === undefined) continue;
    if (!isObj(v)) fail(key, 'must be an object keyed by machine ("host" or a guest name)');
    for (const [m, val] of Object.entries(v as Obj)) {
      if (!machines.has(m)) fail(`${key}.${m}`, `no machine named "${m}" (machines: ${[...machines].join(', ')})`);
      if (key === 'probes' && (typeof val !== 'string' || !val)) fail(`${key}.${m}`, 'must be a task name');
      if (key === 'measured') {
        if (!isObj(val)) fail(`${key}.${m}`, 'must be an object {tool, task, threads[]}');
        const mo = val as Obj;
        str(mo, 'tool', `${key}.${m}.`, true);
        str(mo, 'task', `${key}.${m}.`, true);
        if (!Array.isArray(mo['threads'])) fail(`${key}.${m}.threads`, 'must be an array');
        (mo['threads'] as unknown[]).forEach((t, j) => {
          const tp = `${key}.${m}.threads[${j}].`;
          if (!isObj(t)) fail(tp.slice(0, -1), 'must be an object');
          for (const f of ['count', 'minUs', 'avgUs', 'maxUs']) {
            if (typeof (t as Obj)[f] !== 'number') fail(`${tp}${f}`, 'is required (a number)');
          }
        });
      }
    }
  }
  for (const key of ['capture', 'generator'] as const) if (s[key] !== undefined && !isObj(s[key])) fail(key, 'must be an object');
  return s as unknown as Scenario;
}

/** guest CPU -> host tid as a Map, from either vcpus form. */
export function vcpuMapOf(vcpus: number[] | Record<string, number> | undefined): Map<number, number> {
  const m = new Map<number, number>();
  if (!vcpus) return m;
  if (Array.isArray(vcpus)) vcpus.forEach((tid, cpu) => m.set(cpu, tid));
  else for (const [k, tid] of Object.entries(vcpus)) m.set(Number(k), tid);
  return m;
}
