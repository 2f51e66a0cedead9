import type { Command } from 'commander';
import { mergeBatches } from '../batch/merge.js';
import { OUTPUT_FILES } from '../batch/outputs.js';

// `vcpu-replay merge OUT1 OUT2 ... -o MERGED`: combine the shards of one batch manifest.

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('combine batch output directories (shards of one manifest) into one, as if run unsharded')
    .argument('<dirs...>', 'batch output directories (from `vcpu-replay batch --shard`)')
    .requiredOption('-o, --out <dir>', 'merged output directory (must not hold a batch yet)')
    .action(async (dirs: string[], o: { out: string }) => {
      const res = await mergeBatches(dirs, o.out, (msg) => process.stderr.write(`warning: ${msg}\n`));
      process.stdout.write(
        `merged ${res.inputs} directories: ${res.planned} cells planned; ${res.ok} ok, ${res.failed} failed, ${res.missing} missing\n` +
          `${res.metricRows} metric rows; wrote ${OUTPUT_FILES.map((f) => `${res.outDir}/${f}`).join(', ')}\n`,
      );
    });
}
