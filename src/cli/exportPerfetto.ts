import type { Command } from 'commander';
import { loadPerfettoInputs } from '../report/perfetto/loadInputs.js';
import { sideBySide } from '../report/perfetto/sideBySide.js';
import { writePerfettoFile } from '../report/perfetto/writer.js';
import { ingestOptionsFrom } from './inspect.js';
import { progress } from './progress.js';
import { UsageError } from './main.js';

// `vcpu-replay export-perfetto INPUT... -o OUT.perfetto-trace`: tables or traces -> a Perfetto
// trace for ui.perfetto.dev, captured and replayed schedules side by side.

interface ExportOpts {
  out: string;
  layout: string;
  compact: boolean;
  bundleEvents: string;
  tscHz?: string;
  strict?: boolean;
}

export function registerExportPerfetto(program: Command): void {
  program
    .command('export-perfetto')
    .description('write traces or table directories (from ingest or replay) as one Perfetto trace for ui.perfetto.dev')
    .argument('<input...>', 'trace files, table directories, or directories with table directories up to two levels below (e.g. replay output: scenario/policy)')
    .requiredOption('-o, --out <file>', 'output Perfetto trace (.perfetto-trace)')
    .option('--layout <layout>', "machines: each machine of each input is a Perfetto machine; processes: all in one machine, each input a process with its own CPUs", 'machines')
    .option('--no-compact', 'write sched_switch/sched_waking as verbose events instead of compact_sched')
    .option('--bundle-events <n>', 'events per ftrace bundle', '4096')
    .option('--tsc-hz <hz>', 'counter frequency for raw-counter clocks when reading trace files')
    .option('--strict', 'fail on the first broken record of an input trace instead of counting it')
    .action(async (inputs: string[], o: ExportOpts) => {
      if (o.layout !== 'machines' && o.layout !== 'processes') throw new UsageError(`--layout must be machines or processes, got '${o.layout}'`);
      const bundleEvents = Number(o.bundleEvents);
      if (!Number.isInteger(bundleEvents) || bundleEvents < 1) throw new UsageError(`--bundle-events must be a positive integer, got '${o.bundleEvents}'`);
      const p = progress('reading inputs');
      const machines = await loadPerfettoInputs(inputs, { ...ingestOptionsFrom(o), onProgress: (n, total) => p.update(n, total) });
      p.done();
      const traces = o.layout === 'processes' ? [sideBySide(machines)] : machines;
      const warnings: string[] = [];
      const wp = progress(`writing ${o.out}`);
      const bytes = await writePerfettoFile(o.out, traces, { compact: o.compact, bundleEvents, onWarning: (m) => warnings.push(m), onProgress: (n, total) => wp.update(n, total) });
      wp.done();
      for (const w of warnings) process.stderr.write(`vcpu-replay: warning: ${w}\n`);
      const events = machines.reduce((n, m) => n + Object.values(m.tables.meta.eventCounts).reduce((a, b) => a + b, 0), 0);
      process.stdout.write(`${o.out}: ${machines.length} machine(s) as ${o.layout}, ${events} events, ${bytes} bytes\n`);
    });
}
