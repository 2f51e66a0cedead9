import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** Absolute path of a trace named in a scenario (relative to the scenario directory). */
export function scenarioPath(dir: string, p: string): string {
  return resolve(dir, p);
}
import { validateScenario, ScenarioError } from './validate.js';
import type { Scenario } from './types.js';

export interface ScenarioOnDisk {
  /** Directory holding scenario.json; trace paths are relative to it. */
  dir: string;
  file: string;
  scenario: Scenario;
}

/** Load a scenario from a directory (containing scenario.json) or a scenario.json path. */
export async function loadScenario(pathOrDir: string): Promise<ScenarioOnDisk> {
  let file = resolve(pathOrDir);
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'scenario.json');
  } catch {
    throw new ScenarioError(pathOrDir, '', 'no such file or directory');
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ScenarioError(file, '', 'cannot read scenario.json');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(file, '', `not valid JSON (${(e as Error).message})`);
  }
  const scenario = validateScenario(raw, file);
  const dir = dirname(file);
  for (const p of [scenario.host.trace, ...scenario.guests.map((g) => g.trace).filter((t): t is string => !!t)]) {
    try {
      await stat(resolve(dir, p));
    } catch {
      throw new ScenarioError(file, '', `trace file "${p}" does not exist (paths are relative to ${dir})`);
    }
  }
  return { dir, file, scenario };
}

/** A scenario made from plain files (`--host FILE --guest FILE`). */
export function scenarioFromFiles(host: string, guests: string[]): ScenarioOnDisk {
  return {
    dir: process.cwd(),
    file: '(command line)',
    scenario: {
      version: 1,
      name: 'command-line',
      host: { trace: resolve(host) },
      guests: guests.map((g, i) => ({ name: guests.length === 1 ? 'guest' : `guest${i}`, trace: resolve(g) })),
    },
  };
}
