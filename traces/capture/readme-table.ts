// Regenerates traces/README.md from traces/*/scenario.json:  npx tsx traces/capture/readme-table.ts [tracesDir]
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateScenario } from '../../src/scenario/validate.js';
import { renderReadme, type ScenarioEntry } from './lib/readme.js';

/** Scenario directories directly under `tracesDir`, sorted by name. */
export function listScenarioDirs(tracesDir: string): string[] {
  return readdirSync(tracesDir)
    .filter((d) => existsSync(join(tracesDir, d, 'scenario.json')))
    .sort();
}

export function loadEntries(tracesDir: string): ScenarioEntry[] {
  return listScenarioDirs(tracesDir).map((dir) => {
    const file = join(tracesDir, dir, 'scenario.json');
    const scenario = validateScenario(JSON.parse(readFileSync(file, 'utf8')), file);
    const bytes = readdirSync(join(tracesDir, dir)).reduce((a, f) => a + statSync(join(tracesDir, dir, f)).size, 0);
    return { dir, scenario, bytes };
  });
}

if (process.argv[1] && resolve(process.argv[1]).endsWith('readme-table.ts')) {
  const dir = resolve(process.argv[2] ?? 'traces');
  const entries = loadEntries(dir);
  writeFileSync(join(dir, 'README.md'), renderReadme(entries));
  process.stderr.write(`readme-table: ${join(dir, 'README.md')} (${entries.length} scenarios)\n`);
}
