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

async function machinesOf(dir: string): Promise<PerfettoWriteInput[]> {
  return (await readTraceDir(dir)).machines.map((m) => ({ name: m.meta.machine, tables: m }));
}

/** Table directories below `dir` (e.g. replay's OUT/scenario/policy), sorted, labelled by relative path. */
async function tableDirsBelow(dir: string, label: string, depth: number): Promise<Array<{ dir: string; label: string }>> {
  const out: Array<{ dir: string; label: string }> = [];
  for (const s of (await readdir(dir)).sort()) {
    const d = join(dir, s);
    if (!(await stat(d)).isDirectory()) continue;
    const l = label ? `${label}/${s}` : s;
    if (await isTableDir(d)) out.push({ dir: d, label: l });
    else if (depth > 1) out.push(...(await tableDirsBelow(d, l, depth - 1)));
  }
  return out;
}

/** Every machine of every input, named `input/machine` when that is needed to tell them apart. */
export async function loadPerfettoInputs(paths: string[], opts: IngestOptions = {}): Promise<PerfettoWriteInput[]> {
  const groups: Array<{ label: string; machines: PerfettoWriteInput[] }> = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (st?.isDirectory()) {
      if (await isTableDir(p)) groups.push({ label: basename(p), machines: await machinesOf(p) });
      else {
        const found = await tableDirsBelow(p, '', 2);
        if (!found.length) throw Object.assign(new Error(`${p}: no table directory (meta.json or trace.json) in it or up to two levels below it`), { userError: true });
        for (const f of found) groups.push({ label: f.label, machines: await machinesOf(f.dir) });
      }
    } else {
      const t = await ingest(p, opts);
      groups.push({ label: basename(p), machines: t.machines.map((m) => ({ name: m.meta.machine, tables: m })) });
    }
  }
  const many = groups.length > 1;
  return groups.flatMap((g) => g.machines.map((m) => ({ name: many ? `${g.label}/${m.name}` : m.name, tables: m.tables })));
}
