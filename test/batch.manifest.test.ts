import { describe, expect, it } from 'vitest';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest, parseManifest, planBatch, parseShard, shardCells, ManifestError } from '../src/batch/index.js';
import { REPO_DIR } from './helpers/shared.js';

// Manifest validation, cell enumeration, ids and shards. No cell is run here.

const FIXTURES = join(REPO_DIR, 'test/fixtures/batch');

function errorOf(text: string, file = '/x/m.yaml'): ManifestError {
  try {
    parseManifest(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return e as ManifestError;
  }
  throw new Error('manifest was accepted');
}

describe('batch manifest', () => {
  it('names the manifest file and the field that is wrong', () => {
    const base = 'version: 1\nname: t\nscenarios: [a]\n';
    expect(errorOf(`${base}policies: []\n`).message).toBe('/x/m.yaml: policies: is required: a non-empty list of policy names or {name, params?, sweep?}');
    const e = errorOf(`${base}policies:\n  - vanilla\n  - name: static\n    sweep:\n      priority: { from: 10, to: 1 }\n`);
    expect(e.field).toBe('policies[1].sweep.priority.to');
    expect(e.message).toContain('must be >= from (10)');
    expect(errorOf(`${base}policies: [vanilla]\nsweep:\n  hz: [100, 250, 100]\n`).field).toBe('sweep.hz[2]');
    expect(errorOf(`${base}policies: [vanilla]\nsweep:\n  hz: []\n`).field).toBe('sweep.hz');
    expect(errorOf(`${base}policies: [vanilla]\nsweep:\n  hz: [{a: 1}]\n`).field).toBe('sweep.hz[0]');
    expect(errorOf(`${base}policies: [vanilla]\nseed: [1, 2.5]\n`).field).toBe('seed[1]');
    expect(errorOf(`${base}policies: [vanilla]\ncolour: red\n`).message).toContain('colour: unknown field');
    expect(errorOf(`version: 2\nname: t\n`).field).toBe('version');
    expect(errorOf(`${base}policies: [{name: static, params: {priority: 5}, sweep: {priority: [1, 2]}}]\n`).field).toBe('policies[0].params.priority');
    expect(errorOf(`${base}policies: ["bad name"]\n`).field).toBe('policies[0].name');
    expect(errorOf('version: 1\nname: t\npolicies: [vanilla]\nscenarios: [{name: p}]\n').message).toBe('/x/m.yaml: scenarios[0].host: must be a non-empty string');
    expect(errorOf(`${base}policies: [vanilla]\npolicies: [static]\n`).message).toMatch(/not valid YAML \(line 5: Map keys must be unique/);
  });

  it('reports YAML and JSON syntax errors with a position', () => {
    expect(errorOf('version: 1\nname: [unclosed\n').message).toMatch(/^\/x\/m\.yaml: not valid YAML \(line \d+: /);
    expect(errorOf('{"version": 1,', '/x/m.json').message).toMatch(/^\/x\/m\.json: not valid JSON/);
  });

  it('expands ranges and lets a policy override manifest-wide params and sweeps', () => {
    const m = parseManifest(
      'version: 1\nname: t\nseed: [3, 1]\nscenarios: [a]\nparams: {hz: 250, work: 9}\nsweep: {haltPoll: [true, false]}\npolicies:\n' +
        '  - vanilla\n  - {name: static, sweep: {priority: {from: 1, to: 99, step: 49}, hz: [100, 1000]}}\n  - {name: dynamic, params: {haltPoll: true}, sweep: {capUs: {from: 0.5, to: 1.5, step: 0.1}}}\n',
      '/x/m.yaml',
    );
    expect(m.seeds).toEqual([3, 1]);
    expect(m.policies[0]).toMatchObject({ name: 'vanilla', params: { hz: 250, work: 9 }, sweep: { haltPoll: [true, false] } });
    expect(m.policies[1]).toMatchObject({ params: { work: 9 }, sweep: { haltPoll: [true, false], priority: [1, 50, 99], hz: [100, 1000] } });
    // Decimal steps keep their last value and print cleanly.
    expect(m.policies[2]!.sweep['capUs']).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.4, 1.5]);
    expect(m.policies[2]!.params).toEqual({ hz: 250, work: 9, haltPoll: true });
    expect(m.policies[2]!.sweep['haltPoll']).toBeUndefined();
  });

  it('plans cells in manifest order with ids that do not depend on where the manifest lives', async () => {
    const copies: string[] = [];
    for (let i = 0; i < 2; i++) {
      const d = await mkdtemp(join(tmpdir(), 'batch-plan-'));
      await cp(FIXTURES, d, { recursive: true });
      copies.push(d);
    }
    const [a, b] = await Promise.all(copies.map(async (d) => planBatch(await loadManifest(join(d, 'small.yaml')))));
    // 2 scenarios x (1 vanilla + 4 static + 3 dynamic) x 2 hz x 1 seed
    expect(a!.cells).toHaveLength(32);
    expect(a!.cells.map((c) => c.id)).toEqual(b!.cells.map((c) => c.id));
    expect(a!.planHash).toBe(b!.planHash);
    expect(new Set(a!.cells.map((c) => c.id)).size).toBe(32);
    expect(a!.cells[0]!.scenario.dir).toBe(join(copies[0]!, 'scenarios/busy'));
    expect(a!.cells.slice(0, 4).map((c) => [c.scenario.label, c.policy, c.params])).toEqual([
      ['scenarios/busy', 'vanilla', { hz: 250, work: 4000 }],
      ['scenarios/busy', 'vanilla', { hz: 1000, work: 4000 }],
      ['scenarios/busy', 'static', { hz: 250, rtPrio: 1, work: 4000 }],
      ['scenarios/busy', 'static', { hz: 250, rtPrio: 31, work: 4000 }],
    ]);
    expect(a!.cells[16]!.scenario.label).toBe('scenarios/idle');
    expect(a!.paramKeys).toEqual(['capUs', 'hz', 'rtPrio', 'work']);

    // Changing any part of a cell changes its id; a different seed is a different cell.
    await writeFile(join(copies[1]!, 'small.yaml'), (await import('node:fs')).readFileSync(join(FIXTURES, 'small.yaml'), 'utf8').replace('seed: 7', 'seed: 8'));
    const c = await planBatch(await loadManifest(join(copies[1]!, 'small.yaml')));
    expect(c.cells.filter((x, i) => x.id === a!.cells[i]!.id)).toHaveLength(0);
    expect(c.planHash).not.toBe(a!.planHash);
  });

  it('names the scenario entry whose glob matches nothing, and trace pairs that do not exist', async () => {
    const d = await mkdtemp(join(tmpdir(), 'batch-plan-'));
    await cp(FIXTURES, d, { recursive: true });
    await writeFile(join(d, 'm.json'), JSON.stringify({ version: 1, name: 't', scenarios: ['scenarios/*', 'nothing/*'], policies: ['vanilla'] }));
    await expect(planBatch(await loadManifest(join(d, 'm.json')))).rejects.toThrow(`${join(d, 'm.json')}: scenarios[1]: "nothing/*" matches nothing`);
    await writeFile(join(d, 'm.json'), JSON.stringify({ version: 1, name: 't', scenarios: ['scenarios/idle', 'scenarios/*'], policies: ['vanilla'] }));
    await expect(planBatch(await loadManifest(join(d, 'm.json')))).rejects.toThrow('scenarios[1]: scenario "scenarios/idle" is already named by scenarios[0]');
    await writeFile(join(d, 'm.json'), JSON.stringify({ version: 1, name: 't', scenarios: [{ name: 'p', host: 'scenarios/idle/host.txt', guests: ['missing.dat'] }], policies: ['vanilla'] }));
    await expect(planBatch(await loadManifest(join(d, 'm.json')))).rejects.toThrow('scenarios[0].guests[0]: trace file');
    await writeFile(join(d, 'm.json'), JSON.stringify({ version: 1, name: 't', scenarios: ['**/scenario.json', { name: 'p', host: 'scenarios/idle/host.txt' }], policies: ['vanilla'] }));
    const p = await planBatch(await loadManifest(join(d, 'm.json')));
    expect(p.cells.map((c) => c.scenario.label)).toEqual(['scenarios/busy', 'scenarios/idle', 'p']);
    expect(p.cells[2]!.scenario.host).toBe(join(d, 'scenarios/idle/host.txt'));
  });

  it('splits cells into disjoint shards that cover the plan', async () => {
    const plan = await planBatch(await loadManifest(join(FIXTURES, 'small.yaml')));
    const shards = [0, 1, 2].map((i) => shardCells(plan.cells, parseShard(`${i}/3`)));
    expect(shards.map((s) => s.length)).toEqual([11, 11, 10]);
    expect(shards.flat().map((c) => c.index).sort((x, y) => x - y)).toEqual(plan.cells.map((c) => c.index));
    for (const bad of ['3/3', '1/0', 'a/b', '1']) expect(() => parseShard(bad)).toThrow(/--shard .*0 <= I < N/);
  });
});
