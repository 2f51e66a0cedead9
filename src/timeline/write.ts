import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toArrowTable, writeArrowOrParquet, type Table, type TableFileFormat } from '../tables/index.js';
import type { MachineTimeline, ScenarioTimeline } from './build.js';
import { TIMELINE_TABLES } from './schema.js';

/** Write one directory per machine (host, then guests by name) with one file per derived table. */
export async function writeTimelineDir(dir: string, tl: ScenarioTimeline, format: TableFileFormat = 'arrow'): Promise<string[]> {
  const written: string[] = [];
  const machines: MachineTimeline[] = [tl.host, ...tl.guests];
  const used = new Set<string>();
  for (const m of machines) {
    let name = m.machine.replace(/[^A-Za-z0-9_.-]/g, '_') || 'machine';
    while (used.has(name)) name += '_';
    used.add(name);
    const sub = join(dir, name);
    await mkdir(sub, { recursive: true });
    for (const spec of TIMELINE_TABLES) {
      const table = (m as unknown as Record<string, Table | null>)[camel(spec.name)];
      if (!table) continue;
      const file = join(sub, `${spec.name}.${format}`);
      await writeArrowOrParquet(file, toArrowTable(table, m.strings), format);
      written.push(file);
    }
  }
  const index = join(dir, 'timeline.json');
  const doc = Object.fromEntries(TIMELINE_TABLES.map((s) => [s.name, { doc: s.doc, columns: s.columns, kinds: s.kinds }]));
  await writeFile(index, JSON.stringify({ machines: [...used], tables: doc }, null, 2) + '\n');
  written.push(index);
  return written;
}

const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
