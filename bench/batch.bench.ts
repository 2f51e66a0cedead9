// Batch throughput: wall time of a CPU-bound cell mix with 1 and 2 worker threads, and the
// per-cell overhead of the machinery (plan, dispatch, atomic cell files, Parquet outputs).
// Uses the deterministic stand-in runner from test/fixtures/batch (no replay involved).
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { runBatch } from '../src/batch/index.js';
import { generateScenario } from '../src/replay/generate.js';
import type { WorkloadSpec } from '../src/replay/demand/synthetic.js';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/batch/', import.meta.url));
const RUNNER = join(FIXTURES, 'standInRunner.ts');

/** CPU seconds (all threads of this process) per wall second of each run: how many cores it really got. */
const cpuPerWall: string[] = [];

/** runner null = the product runner. */
async function timed(manifest: string, out: string, workers: number, runner: string | null = RUNNER): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await runBatch({ manifest, outDir: out, workers, ...(runner ? { runner } : {}) });
  if (res.failed) throw new Error(`${manifest}: ${res.failed} cells failed; see ${out}/cells.parquet`);
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  cpuPerWall.push(`${workers}w:${((c.user + c.system) / 1e6 / wallS).toFixed(2)}`);
  return wallS;
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

  // The product runner: replays of the RFC-shaped example scenarios (5 s simulated each; ingest + align once per scenario per worker).
  for (const n of ['busy', 'idle']) {
    const spec = JSON.parse(await readFile(fileURLToPath(new URL(`../examples/rfc-${n}.json`, import.meta.url)), 'utf8')) as WorkloadSpec;
    spec.durationMs = 5_000;
    await generateScenario(spec, join(dir, 'gen', n));
  }
  const replayMix = join(dir, 'replay.yaml');
  await writeFile(
    replayMix,
    'version: 1\nname: replay mix\nscenarios: [gen/*]\npolicies:\n  - vanilla\n  - {name: static, sweep: {rtPrio: [1, 50]}}\n' +
      '  - {name: dynamic, sweep: {capUs: [0, 3000]}}\n',
  );
  const r1 = await timed(replayMix, join(dir, 'r1'), 1, null);
  const r2 = await timed(replayMix, join(dir, 'r2'), 2, null);
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
    'replay mix cells': 10,
    'replay mix 1 worker, s': r1,
    'replay mix 2 workers, s': r2,
    'replay speed-up 1 -> 2 workers': r1 / r2,
    'cores used (cpu s / wall s) per run': cpuPerWall.join(' '),
  };
}
