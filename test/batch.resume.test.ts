import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUTPUT_FILES, runBatch } from '../src/batch/index.js';
import { REPO_DIR } from './helpers/shared.js';

// The CLI in a child process, killed with SIGKILL after some cells finished, then resumed:
// the result must be byte-identical to an uninterrupted run.

const FIXTURES = join(REPO_DIR, 'test/fixtures/batch');
const RUNNER = join(FIXTURES, 'standInRunner.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cellFiles(out: string): Promise<string[]> {
  return existsSync(join(out, 'cells')) ? (await readdir(join(out, 'cells'))).filter((f) => f.endsWith('.json')) : [];
}

describe('batch resume after SIGKILL', () => {
  it('loses only cells in flight and resumes to byte-identical Parquet', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batch-kill-'));
    await cp(FIXTURES, dir, { recursive: true });
    const manifest = join(dir, 'slow.yaml');
    // ~20-80 ms per cell, so the run is still going when we kill it.
    await writeFile(manifest, (await readFile(join(dir, 'small.yaml'), 'utf8')).replace('work: 4000', 'work: 300000'));

    const out = join(dir, 'killed');
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_DIR, 'src/cli/main.ts'), 'batch', manifest, '-o', out, '--workers', '2', '--runner', RUNNER], {
      cwd: REPO_DIR,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on('exit', (code, sig) => r(sig ?? code)));
    const deadline = Date.now() + 100_000;
    while ((await cellFiles(out)).length < 6 && Date.now() < deadline && child.exitCode === null) await sleep(5);
    child.kill('SIGKILL');
    expect(await exited, stderr).toBe('SIGKILL');
    const survivors = await cellFiles(out);
    expect(survivors.length).toBeGreaterThanOrEqual(6);
    expect(survivors.length, 'the run finished before it could be killed; raise `work`').toBeLessThan(32);
    expect(existsSync(join(out, 'results.parquet'))).toBe(false);
    const inodes = new Map<string, number>();
    for (const f of survivors) inodes.set(f, (await stat(join(out, 'cells', f))).ino);

    const resumed = await runBatch({ manifest, outDir: out, workers: 2, runner: RUNNER, resume: true });
    // Printed so a reader of the test log sees the kill really happened midway.
    process.stderr.write(`killed after ${survivors.length} of 32 cells\n`);
    expect(resumed).toMatchObject({ planned: 32, skipped: survivors.length, ran: 32 - survivors.length, ok: 32, failed: 0 });
    // Finished cells were kept, not recomputed.
    for (const [f, ino] of inodes) expect((await stat(join(out, 'cells', f))).ino).toBe(ino);

    const straight = join(dir, 'straight');
    await runBatch({ manifest, outDir: straight, workers: 1, runner: RUNNER });
    // Buffer.equals: report.html inlines plotly (MBs), too big for a deep toEqual.
    for (const f of OUTPUT_FILES) expect((await readFile(join(out, f))).equals(await readFile(join(straight, f))), f).toBe(true);
  }, 150_000);
});
