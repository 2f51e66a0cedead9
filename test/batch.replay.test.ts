import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateScenario } from '../src/replay/generate.js';
import type { WorkloadSpec } from '../src/replay/demand/synthetic.js';
import { runBatch } from '../src/batch/index.js';
import { splitCellParams } from '../src/batch/cellParams.js';
import { parquetToArrow } from '../src/tables/io.js';
import { REPO_DIR } from './helpers/shared.js';

// The product runner (src/batch/replayCellRunner.ts) over scenarios generated from the
// repository's RFC-shaped example specs, shortened to keep the test fast.

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-replay-'));
  for (const n of ['busy', 'idle']) {
    const spec = JSON.parse(await readFile(join(REPO_DIR, `examples/rfc-${n}.json`), 'utf8')) as WorkloadSpec;
    spec.durationMs = 150;
    await generateScenario(spec, join(dir, 'scenarios', n));
  }
});

describe('batch with the replay runner', () => {
  it('maps engine parameters and leaves the rest to the policy', () => {
    expect(splitCellParams({ hz: 1000, scheduler: 'eevdf', haltPoll: false, capUs: 0, guestIdlePollUs: 'poll', demand: 'spec' }, 3)).toEqual({
      engine: { seed: 3, hostHz: 1000, hostFair: 'eevdf', kvm: { haltPollNs: 0 } },
      policy: { capUs: 0 },
      extract: { guestIdlePollNs: Infinity },
      demand: 'spec',
    });
    expect(() => splitCellParams({ scheduler: 'bfs' }, 1)).toThrow('parameter scheduler must be "cfs" or "eevdf"');
  });

  it('refuses a misspelt or out-of-range policy parameter before running any cell', async () => {
    const head = 'version: 1\nname: bad\nscenarios: [scenarios/*]\npolicies:\n  - vanilla\n';
    await writeFile(join(dir, 'typo.yaml'), `${head}  - {name: static, params: {priority: 8}}\n`);
    await expect(runBatch({ manifest: join(dir, 'typo.yaml'), outDir: join(dir, 'typo') })).rejects.toThrow(
      `${join(dir, 'typo.yaml')}: policy static with {"priority":8}: policy static has no parameter "priority" (its parameters: policy, rtPrio; engine parameters: hz, scheduler, haltPoll, haltPollNs, rtThrottle, postedInterrupts, wakeIdle, demand, affinity, guestIdlePollUs)`,
    );
    await writeFile(join(dir, 'range.yaml'), `${head}  - {name: static, sweep: {rtPrio: [50, 150]}}\n`);
    await expect(runBatch({ manifest: join(dir, 'range.yaml'), outDir: join(dir, 'range') })).rejects.toThrow('policy static with {"rtPrio":150}: static policy: rtPrio must be 1..99');
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  it('aligns, extracts the workload from the traces, replays each cell and reproduces the RFC ordering on the busy scenario', async () => {
    await writeFile(
      join(dir, 'm.yaml'),
      'version: 1\nname: rfc sweep\nseed: 1\nscenarios: [scenarios/*]\npolicies:\n  - vanilla\n  - {name: static, sweep: {rtPrio: [1, 8]}}\n' +
        '  - {name: dynamic, sweep: {capUs: [0, 3000]}}\nsweep: {scheduler: [cfs, eevdf]}\n',
    );
    const res = await runBatch({ manifest: join(dir, 'm.yaml'), outDir: join(dir, 'out'), workers: 2 });
    // 2 scenarios x (1 + 2 + 2) x 2 schedulers
    expect(res).toMatchObject({ planned: 20, ok: 20, failed: 0 });
    const rows = parquetToArrow(await readFile(join(dir, 'out/results.parquet'))).toArray().map((r) => r.toJSON());
    const get = (policy: string, extra: (r: Record<string, unknown>) => boolean, metric: string, machine = 'guest') =>
      rows.find((r) => r['scenario'] === 'scenarios/busy' && r['policy'] === policy && r['param_scheduler'] === 'cfs' && r['machine'] === machine && r['metric'] === metric && extra(r))!['value'] as number;
    const any = () => true;
    const vanilla = get('vanilla', any, 'avgUs');
    const dyn = get('dynamic', (r) => r['param_capUs'] === 3000, 'avgUs');
    const stat = get('static', (r) => r['param_rtPrio'] === 8, 'avgUs');
    expect(get('vanilla', any, 'count')).toBeGreaterThan(250);
    expect(vanilla).toBeGreaterThanOrEqual(10 * dyn);
    expect(dyn).toBeLessThanOrEqual(2 * stat);
    expect(get('dynamic', (r) => r['param_capUs'] === 3000, 'boosts', 'host')).toBeGreaterThan(0);
    expect(get('vanilla', any, 'boosts', 'host')).toBe(0);
    // Static RT vCPUs starve the host probe: a result (count 0), not a failed cell.
    expect(get('static', (r) => r['param_rtPrio'] === 8, 'count', 'host')).toBe(0);
    const cells = parquetToArrow(await readFile(join(dir, 'out/cells.parquet'))).toArray().map((r) => r.toJSON());
    const starved = cells.find((c) => c['scenario'] === 'scenarios/busy' && c['policy'] === 'static' && c['param_rtPrio'] === 8 && c['param_scheduler'] === 'cfs')!;
    expect(starved['warnings']).toContain('host: probe cyclictest never ran after a timer in the replay (starved?)');
    expect(await readFile(join(dir, 'out/report.html'), 'utf8')).toContain('dynamic: p99Us vs capUs (guest / cyclictest)');

    // Deterministic: one worker (cells in another order per worker, another demand cache history) gives the same bytes.
    await runBatch({ manifest: join(dir, 'm.yaml'), outDir: join(dir, 'out1'), workers: 1 });
    for (const f of ['results.parquet', 'cells.parquet', 'summary.csv']) expect((await readFile(join(dir, 'out1', f))).equals(await readFile(join(dir, 'out', f))), f).toBe(true);
  });
});
