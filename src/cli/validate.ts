import type { Command } from 'commander';
import { alignScenario } from '../align/alignScenario.js';
import { formatSeedSpread, formatValidation, validateCaptures, workloadKey, type ValidationCapture } from '../replay/validate.js';
import { UsageError } from './main.js';
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
    .option('--seeds <list>', 'replay under several PRNG seeds (e.g. 1-5 or 1,4,9) and print each row\'s spread: mean [min-max] of the replayed avg and p99, and how many seeds were within the bounds')
    .option('--json', 'print the rows as JSON')
    .option('--strict', 'exit with status 1 when a row is outside the bounds')
    .action(async (args: string[], o: ReplayCliOpts & ScenarioArgOpts & { json?: boolean; strict?: boolean; seeds?: string }) => {
      const parsed = parseReplayOptions(o);
      const seeds = o.seeds === undefined ? undefined : parseSeeds(o.seeds);
      const scenarios = await resolveScenarios(args, o);
      const p = progress('validate');
      const caps: ValidationCapture[] = [];
      try {
        for (const [i, sc] of scenarios.entries()) {
          p.update(i, scenarios.length, `align ${sc.scenario.name}`);
          const aligned = await alignScenario(sc);
          caps.push({ aligned, workload: workloadKey(aligned) });
        }
        const { rows, warnings } = await validateCaptures(caps, { seed: parsed.seed, ...(seeds ? { seeds } : {}), engine: parsed.engine, extract: parsed.extract, onProgress: (l) => p.update(0, null, l) });
        p.done();
        if (o.json) process.stdout.write(JSON.stringify({ rows, warnings }, null, 2) + '\n');
        else {
          process.stdout.write(seeds ? formatSeedSpread(rows) : formatValidation(rows));
          for (const w of warnings) process.stdout.write(`warning: ${w.replace(/[\x00-\x1f\x7f-\x9f]/g, '?')}\n`);
        }
        if (o.strict && rows.some((r) => !r.pass)) process.exitCode = 1;
      } finally {
        p.done();
      }
    });
}

/** "1-5" or "1,4,9" (or a mix: "1-3,7"). */
export function parseSeeds(v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`--seeds takes a list like 1-5 or 1,4,9, got '${v}'`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 999) throw new UsageError(`--seeds range '${part.trim()}' must be ascending and at most 1000 seeds`);
    for (let x = a; x <= b; x++) out.push(x);
  }
  return [...new Set(out)];
}
