// Batch throughput: wall time of a CPU-bound cell mix with 1 and 2 worker threads, and the
// per-cell overhead of the machinery (plan, dispatch, atomic cell files, Parquet outputs).
// Uses the deterministic stand-in runner from test/fixtures/batch (no replay involved).
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBatch } from '../src/batch/index.js';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/batch/', import.meta.url));
const RUNNER = join(FIXTURES, 'standInRunner.ts');

async function timed(manifest: string, out: string, workers: number): Promise<number> {
  const t0 = performance.now();
  await runBatch({ manifest, outDir: out, workers, runner: RUNNER });
  return (performance.now() - t0) / 1000;
}

export async function run(): Promise<Record<string, number | string>> {
  const dir = await mkdtemp(join(tmpdir(), 'batch-bench-'));
  await cp(FIXTURES, dir, { recursive: true });
  // 2 scenarios x 3 policies-ish x work mix: 48 cells of 0.1-0.3 s each on an idle core.
  const cpuMix = join(dir, 'cpu.yaml');
  await writeFile(
    cpuMix,
    'version: 1\nname: cpu mix\nscenarios: [scenarios/*]\npolicies:\n  - vanilla\n  - {name: static, sweep: {rtPrio: [1, 50, 99]}}\n' +
      '  - {name: dynamic, sweep: {capUs: [0, 1000, 3000, 6000]}}\nsweep: {work: [500000, 1000000, 1500000]}\n',
  );
  const overhead = join(dir, 'tiny.yaml');
  await writeFile(overhead, 'version: 1\nname: overhead\nscenarios: [scenarios/*]\npolicies: [{name: static, sweep: {rtPrio: {from: 1, to: 99}, hz: [100, 250, 1000]}}]\nparams: {work: 10}\n');

  const loadBefore = loadavg()[0]!;
  const s1 = await timed(cpuMix, join(dir, 'w1'), 1);
  const s2 = await timed(cpuMix, join(dir, 'w2'), 2);
  const s1b = await timed(cpuMix, join(dir, 'w1b'), 1);
  const s2b = await timed(cpuMix, join(dir, 'w2b'), 2);
  const tiny = await timed(overhead, join(dir, 'tiny'), 2);
  const loadAfter = loadavg()[0]!;
  await rm(dir, { recursive: true, force: true });
  const best1 = Math.min(s1, s1b);
  const best2 = Math.min(s2, s2b);
  return {
    'cores (availableParallelism)': availableParallelism(),
    'load average 1 min, before': loadBefore,
    'load average 1 min, after': loadAfter,
    'cpu mix cells': 48,
    'cpu mix 1 worker, s (best of 2)': best1,
    'cpu mix 2 workers, s (best of 2)': best2,
    'speed-up 1 -> 2 workers': best1 / best2,
    'runs 1 worker, s': `${s1.toFixed(2)} ${s1b.toFixed(2)}`,
    'runs 2 workers, s': `${s2.toFixed(2)} ${s2b.toFixed(2)}`,
    'trivial cells (594) with 2 workers, cells/s': 594 / tiny,
  };
}
