// `npm run bench [name...]`: runs every bench/*.bench.ts (or the named ones) and prints their figures.
// Each bench module exports `run(): Promise<Record<string, number | string>>`.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const dir = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

for (const f of files) {
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { run(): Promise<Record<string, number | string>> };
  process.stdout.write(`## ${f.replace(/\.bench\.ts$/, '')}\n`);
  const t0 = performance.now();
  const figures = await mod.run();
  for (const [k, v] of Object.entries(figures)) {
    process.stdout.write(`  ${k.padEnd(40)} ${typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : v}\n`);
  }
  process.stdout.write(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}
