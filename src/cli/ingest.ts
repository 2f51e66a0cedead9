import type { Command } from 'commander';
import { basename, join } from 'node:path';
import { ingest } from '../ingest/index.js';
import { writeTraceDir, type TableFileFormat } from '../tables/index.js';
import { ingestOptionsFrom } from './inspect.js';
import { progress } from './progress.js';
import { UsageError } from './main.js';

// `vcpu-replay ingest FILE... -o DIR`: trace files to one table file per table plus meta.json.

interface IngestCliOpts {
  out: string;
  format: string;
  tscHz?: string;
  strict?: boolean;
}

/** Subdirectory name for one of several inputs: the file name without trace/compression suffixes. */
export function inputDirName(file: string): string {
  return basename(file).replace(/(\.(gz|zst|zstd))$/i, '').replace(/\.(txt|html?|dat|pftrace|perfetto-trace|trace)$/i, '') || 'trace';
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('convert trace files to Arrow or Parquet tables (one file per table plus meta.json)')
    .argument('<file...>', 'trace files (any supported format; .gz/.zst ok)')
    .requiredOption('-o, --out <dir>', 'output directory (one subdirectory per input when several files are given)')
    .option('--format <fmt>', 'table file format: arrow or parquet', 'arrow')
    .option('--tsc-hz <hz>', 'counter frequency for raw-counter clocks: convert timestamps to ns')
    .option('--strict', 'fail on the first unparseable line instead of counting it')
    .action(async (files: string[], o: IngestCliOpts) => {
      if (o.format !== 'arrow' && o.format !== 'parquet') throw new UsageError(`--format must be arrow or parquet, got '${o.format}'`);
      const opts = ingestOptionsFrom(o);
      const names = new Map<string, number>();
      for (const file of files) {
        const p = progress(`reading ${file}`);
        const trace = await ingest(file, { ...opts, onProgress: (n, total) => p.update(n, total) });
        p.done();
        let dir = o.out;
        if (files.length > 1) {
          const base = inputDirName(file);
          const k = names.get(base) ?? 0;
          names.set(base, k + 1);
          dir = join(o.out, k ? `${base}-${k}` : base);
        }
        const written = await writeTraceDir(dir, trace, o.format as TableFileFormat);
        const events = trace.machines.reduce((n, m) => n + Object.values(m.meta.eventCounts).reduce((a, b) => a + b, 0), 0);
        const warnings = trace.machines.reduce((n, m) => n + m.meta.warnings.length, 0);
        process.stdout.write(
          `${file}: ${trace.format}, ${trace.machines.length} machine(s), ${events} events -> ${dir} (${written.length} files)` +
            (warnings ? `, ${warnings} warning(s): run inspect` : '') +
            '\n',
        );
      }
    });
}
