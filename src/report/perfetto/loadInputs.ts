import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ingest, type IngestOptions } from '../../ingest/index.js';
import { readTraceDir } from '../../tables/index.js';
import type { PerfettoWriteInput } from './writer.js';

// What export-perfetto accepts: trace files, table directories written by `ingest` or `replay`
// (meta.json / trace.json), or a directory of such directories (e.g. one per replayed policy).

async function isTableDir(dir: string): Promise<boolean> {
  const f = new Set(await readdir(dir));
  return f.has('meta.json') || f.has('trace.json');
}

/** Every machine of every input, named `input/machine` when that is needed to tell them apart. */
export async function loadPerfettoInputs(paths: string[], opts: IngestOptions = {}): Promise<PerfettoWriteInput[]> {
  const groups: Array<{ label: string; machines: PerfettoWriteInput[] }> = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (st?.isDirectory()) {
      if (await isTableDir(p)) groups.push({ label: basename(p), machines: (await readTraceDir(p)).machines.map((m) => ({ name: m.meta.machine, tables: m })) });
      else {
        const subs = (await readdir(p)).sort();
        let found = 0;
        for (const s of subs) {
          const d = join(p, s);
          if ((await stat(d)).isDirectory() && (await isTableDir(d))) {
            groups.push({ label: s, machines: (await readTraceDir(d)).machines.map((m) => ({ name: m.meta.machine, tables: m })) });
            found++;
          }
        }
        if (!found) throw Object.assign(new Error(`${p}: no table directory (meta.json or trace.json) in it or below it`), { userError: true });
      }
    } else {
      const t = await ingest(p, opts);
      groups.push({ label: basename(p), machines: t.machines.map((m) => ({ name: m.meta.machine, tables: m })) });
    }
  }
  const many = groups.length > 1;
  return groups.flatMap((g) => g.machines.map((m) => ({ name: many ? `${g.label}/${m.name}` : m.name, tables: m.tables })));
}
