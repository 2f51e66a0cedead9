import type { Command } from 'commander';
import { scenarioTimeline } from '../timeline/build.js';
import { writeTimelineDir } from '../timeline/write.js';
import { addScenarioArgs, resolveScenarios, type ScenarioArgOpts } from './scenarioArgs.js';
import { alignWithProgress } from './latency.js';
import { UsageError } from './main.js';
import { join } from 'node:path';

// `vcpu-replay timeline SCENARIO -o DIR`: the derived interval tables, for DuckDB/pandas/Perfetto users.

interface TimelineOpts extends ScenarioArgOpts {
  output?: string;
  format?: string;
}

export function registerTimeline(program: Command): void {
  addScenarioArgs(
    program
      .command('timeline')
      .description(
        'write derived timeline tables (thread states, vCPU host states incl. steal, guest CPU busy/idle, irq/softirq/NMI/RT sections) ' +
          'on the host clock, one directory per machine',
      ),
  )
    .requiredOption('-o, --output <dir>', 'output directory (one subdirectory per scenario when several)')
    .option('--format <fmt>', 'arrow or parquet', 'arrow')
    .action(async (args: string[], o: TimelineOpts) => {
      if (o.format !== 'arrow' && o.format !== 'parquet') throw new UsageError(`--format must be arrow or parquet, got '${o.format}'`);
      const scenarios = await resolveScenarios(args, o);
      for (const sc of scenarios) {
        const aligned = await alignWithProgress(sc);
        const dir = scenarios.length === 1 ? o.output! : join(o.output!, sc.scenario.name.replace(/[^A-Za-z0-9_.-]/g, '_'));
        const files = await writeTimelineDir(dir, scenarioTimeline(aligned), o.format);
        process.stdout.write(`${dir}: ${files.length} files\n`);
        for (const w of aligned.warnings) process.stdout.write(`  warning: ${w}\n`);
      }
    });
}
