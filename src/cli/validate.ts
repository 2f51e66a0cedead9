import type { Command } from 'commander';
import { alignScenario } from '../align/alignScenario.js';
import { formatValidation, validateCaptures, workloadKey, type ValidationCapture } from '../replay/validate.js';
import { addScenarioArgs, resolveScenarios, type ScenarioArgOpts } from './scenarioArgs.js';
import { addReplayOptions, parseReplayOptions, type ReplayCliOpts } from './replay.js';
import { progress } from './progress.js';

// `vcpu-replay validate [SCENARIO...]`: replay each capture under its captured policy (identity)
// and under the policy of every other capture of the same workload (cross), and print the error
// table against what the captures measured.

export function registerValidate(program: Command): void {
  addReplayOptions(
    addScenarioArgs(
      program
        .command('validate')
        .description('validate the replay on captures: identity (own captured policy) and cross-policy predictions, with avg/p99 errors against the measured probe latency'),
    ),
  )
    .option('--json', 'print the rows as JSON')
    .option('--strict', 'exit with status 1 when a row is outside the bounds')
    .action(async (args: string[], o: ReplayCliOpts & ScenarioArgOpts & { json?: boolean; strict?: boolean }) => {
      const parsed = parseReplayOptions(o);
      const scenarios = await resolveScenarios(args, o);
      const p = progress('validate');
      const caps: ValidationCapture[] = [];
      try {
        for (const [i, sc] of scenarios.entries()) {
          p.update(i, scenarios.length, `align ${sc.scenario.name}`);
          const aligned = await alignScenario(sc);
          caps.push({ aligned, workload: workloadKey(aligned) });
        }
        const { rows, warnings } = await validateCaptures(caps, { seed: parsed.seed, engine: parsed.engine, extract: parsed.extract, onProgress: (l) => p.update(0, null, l) });
        p.done();
        if (o.json) process.stdout.write(JSON.stringify({ rows, warnings }, null, 2) + '\n');
        else {
          process.stdout.write(formatValidation(rows));
          for (const w of warnings) process.stdout.write(`warning: ${w.replace(/[\x00-\x1f\x7f-\x9f]/g, '?')}\n`);
        }
        if (o.strict && rows.some((r) => !r.pass)) process.exitCode = 1;
      } finally {
        p.done();
      }
    });
}
