import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { generateScenario } from '../replay/generate.js';
import type { WorkloadSpec } from '../replay/demand/synthetic.js';
import { progress } from './progress.js';
import { UsageError } from './main.js';

// `vcpu-replay generate SPEC.json -o DIR`: a synthetic scenario (ftrace text traces + scenario.json)
// simulated from a workload spec under its captured policy. Spec format: docs/replay.md.

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('simulate a synthetic workload spec under its captured policy and write it as a scenario (ftrace text traces + scenario.json)')
    .argument('<spec>', 'workload spec JSON (see examples/rfc-busy.json and docs/replay.md)')
    .requiredOption('-o, --output <dir>', 'scenario directory to write')
    .option('--seed <n>', 'PRNG seed (default: the spec seed, else 1)')
    .action(async (specPath: string, o: { output: string; seed?: string }) => {
      let spec: WorkloadSpec;
      try {
        spec = JSON.parse(await readFile(resolve(specPath), 'utf8')) as WorkloadSpec;
      } catch (e) {
        throw new UsageError(`${specPath}: cannot read the spec as JSON (${(e as Error).message})`);
      }
      const seed = o.seed === undefined ? undefined : Number(o.seed);
      if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed takes an integer, got '${o.seed}'`);
      const p = progress(`generate ${spec.name ?? specPath}`);
      try {
        const r = await generateScenario(spec, o.output, { ...(seed !== undefined ? { seed } : {}), progress: (d, t) => p.update(d, t) });
        p.done();
        process.stdout.write(`wrote ${r.dir}/scenario.json (${r.result.simulatedEvents.toLocaleString('en-US')} simulated events, captured policy ${r.result.policy})\n`);
      } finally {
        p.done();
      }
    });
}
