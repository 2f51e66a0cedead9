import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadScenario, scenarioFromFiles, type ScenarioOnDisk } from '../scenario/index.js';
import { UsageError } from './main.js';

// Every command that takes SCENARIO... also takes --host FILE [--guest FILE]...; with neither it
// runs on the bundled captures (traces/*/scenario.json).

export interface ScenarioArgOpts {
  host?: string;
  guest?: string[];
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Add `[scenario...]`, `--host FILE` and `--guest FILE` (repeatable) to a command. */
export function addScenarioArgs(cmd: Command): Command {
  return cmd
    .argument('[scenario...]', 'scenario directories or scenario.json files (default: the bundled captures in traces/)')
    .option('--host <file>', 'host trace file, instead of a scenario')
    .option('--guest <file>', 'guest trace file (repeat for several guests; with --host)', collect, []);
}

/** traces/ of the installed package (src/cli or dist/cli -> ../../traces). */
export function bundledTracesDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../traces');
}

/** Every bundled scenario directory, sorted by name. */
export function bundledScenarioDirs(root = bundledTracesDir()): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'scenario.json')))
    .map((d) => join(root, d.name))
    .sort();
}

/** Resolve the command line into scenarios to load. */
export async function resolveScenarios(args: string[], o: ScenarioArgOpts): Promise<ScenarioOnDisk[]> {
  const guests = o.guest ?? [];
  if (o.host) {
    if (args.length) throw new UsageError('give either SCENARIO arguments or --host/--guest files, not both');
    return [scenarioFromFiles(o.host, guests)];
  }
  if (guests.length) throw new UsageError('--guest needs --host FILE as well');
  const dirs = args.length ? args : bundledScenarioDirs();
  if (!dirs.length) throw new UsageError(`no scenario given and no bundled captures found in ${bundledTracesDir()}; pass SCENARIO or --host FILE [--guest FILE]`);
  const out: ScenarioOnDisk[] = [];
  for (const d of dirs) out.push(await loadScenario(d));
  return out;
}
