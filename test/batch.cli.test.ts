import { describe, expect, it, vi } from 'vitest';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { REPO_DIR } from './helpers/shared.js';

// `vcpu-replay batch` / `merge` through the real CLI entry (in-process): output, exit codes, errors.

const FIXTURES = join(REPO_DIR, 'test/fixtures/batch');
const RUNNER = join(FIXTURES, 'standInRunner.ts');

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(['node', 'vcpu-replay', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('batch CLI', () => {
  it('dry run counts cells; a run, a failing run and a merge report what they did', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batch-cli-'));
    await cp(FIXTURES, dir, { recursive: true });
    const m = join(dir, 'small.yaml');
    const dry = await cli('batch', m, '--dry-run', '--runner', RUNNER);
    expect(dry).toMatchObject({ code: 0, err: '' });
    expect(dry.out).toBe('32 cells: 2 scenarios x 1 seed(s); per policy: vanilla 4, static 16, dynamic 12\nscenarios: scenarios/busy, scenarios/idle\n');

    const s0 = await cli('batch', m, '-o', join(dir, 's0'), '--shard', '0/2', '--workers', '2', '--runner', RUNNER);
    expect(s0.code).toBe(0);
    expect(s0.out).toMatch(/^32 cells planned, 16 in shard 0\/2; ran 16, kept 0 finished earlier; 16 ok, 0 failed\n80 metric rows; wrote /);
    await cli('batch', m, '-o', join(dir, 's1'), '--shard', '1/2', '--workers', '1', '--runner', RUNNER);
    const merged = await cli('merge', join(dir, 's0'), join(dir, 's1'), '-o', join(dir, 'merged'));
    expect(merged.out).toMatch(/^merged 2 directories: 32 cells planned; 32 ok, 0 failed, 0 missing\n160 metric rows/);

    expect(await cli('batch', m, '-o', join(dir, 's0'), '--runner', RUNNER)).toMatchObject({ code: 2, err: expect.stringMatching(/already holds a batch \("stand-in sweep"\); pass --resume/) });
    expect((await cli('batch', m, '-o', join(dir, 'x'), '--workers', '0')).err).toBe("vcpu-replay: --workers must be a positive integer, got '0'\n");
    expect((await cli('batch', m)).err).toBe('vcpu-replay: batch: -o, --out <dir> is required (unless --dry-run)\n');

    await writeFile(join(dir, 'bad.json'), JSON.stringify({ version: 1, name: 'b', scenarios: ['scenarios/idle'], policies: ['vanilla', { name: 'x', params: { fail: true } }] }));
    const bad = await cli('batch', join(dir, 'bad.json'), '-o', join(dir, 'bad'), '--runner', RUNNER);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(`vcpu-replay: 1 of 2 cells failed (errors in ${join(dir, 'bad')}/cells.parquet and report.html); the other results are written\n`);

    await writeFile(join(dir, 'typo.yaml'), 'version: 1\nname: t\nscenarios: [scenarios/*]\npolicies: [vanilla]\nsweeps: {hz: [1]}\n');
    expect((await cli('batch', join(dir, 'typo.yaml'), '--dry-run')).err).toBe(`vcpu-replay: ${join(dir, 'typo.yaml')}: sweeps: unknown field (known: version, name, description, seed, scenarios, policies, params, sweep, cellTimeoutS, charts)\n`);
  });
});
