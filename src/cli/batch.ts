import type { Command } from 'commander';
import { resolve } from 'node:path';
import { checkBatch, runBatch } from '../batch/run.js';
import { parseShard } from '../batch/plan.js';
import { OUTPUT_FILES } from '../batch/outputs.js';
import { progress } from './progress.js';
import { UsageError } from './main.js';

// `vcpu-replay batch MANIFEST -o OUT`: every scenario x policy x parameter cell of a manifest,
// in parallel, resumable, shardable. The work is in src/batch/.

interface BatchCliOpts {
  out?: string;
  workers?: string;
  shard?: string;
  resume?: boolean;
  runner?: string;
  dryRun?: boolean;
}

export function registerBatch(program: Command): void {
  program
    .command('batch')
    .description('run a manifest of scenarios x policies x parameter sweeps; results as Parquet, summary and charts (docs/batch.md)')
    .argument('<manifest>', 'batch manifest (.json, .yaml or .yml)')
    .option('-o, --out <dir>', 'output directory: cells/ (one result file per cell), results.parquet, cells.parquet, summary.parquet/.csv, report.html')
    .option('--workers <n>', 'worker threads (default: number of cores)')
    .option('--shard <i/n>', 'run only shard I of N (0-based, every N-th cell) for job arrays; combine shards with `vcpu-replay merge`')
    .option('--resume', 'continue an interrupted run in OUT: finished cells are kept, failed and missing ones are run')
    .option('--dry-run', 'check the manifest and every policy + parameter combination, print the cell counts, run nothing')
    .option('--runner <module>', 'cell runner module exporting runCell(cell) (default: built-in align -> replay -> metrics)')
    .action(async (manifest: string, o: BatchCliOpts) => {
      if (o.dryRun) {
        const c = await checkBatch(manifest, o.runner ? resolve(o.runner) : undefined);
        const per = Object.entries(c.cellsByPolicy).map(([p, n]) => `${p} ${n}`).join(', ');
        process.stdout.write(`${c.planned} cells: ${c.scenarios.length} scenarios x ${c.seeds} seed(s); per policy: ${per}\nscenarios: ${c.scenarios.join(', ')}\n`);
        return;
      }
      if (!o.out) throw new UsageError('batch: -o, --out <dir> is required (unless --dry-run)');
      let workers: number | undefined;
      if (o.workers !== undefined) {
        workers = Number(o.workers);
        if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a positive integer, got '${o.workers}'`);
      }
      const shard = o.shard ? parseShard(o.shard) : null;
      const bar = progress('batch');
      const res = await runBatch({
        manifest,
        outDir: o.out,
        ...(workers ? { workers } : {}),
        shard,
        resume: !!o.resume,
        ...(o.runner ? { runner: resolve(o.runner) } : {}),
        // The bar and its ETA follow the cells run now; the label counts kept ones too.
        onProgress: (p) => bar.update(p.ran, p.toRun, `${p.done}/${p.total} cells${p.failed ? `, ${p.failed} failed` : ''}`),
        onWarning: (msg) => process.stderr.write(`warning: ${msg}\n`),
      });
      bar.done();
      const scope = shard ? `, ${res.inScope} in shard ${shard.index}/${shard.count}` : '';
      process.stdout.write(
        `${res.planned} cells planned${scope}; ran ${res.ran}, kept ${res.skipped} finished earlier; ${res.ok} ok, ${res.failed} failed\n` +
          `${res.metricRows} metric rows; wrote ${OUTPUT_FILES.map((f) => `${res.outDir}/${f}`).join(', ')}\n`,
      );
      if (res.failed) throw new UsageError(`${res.failed} of ${res.inScope} cells failed (errors in ${res.outDir}/cells.parquet and report.html); the other results are written`);
    });
}
