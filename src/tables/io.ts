import { mkdir, readFile, writeFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { ALL_TABLES, type TableSpec } from './schema.js';
import { toArrowTable, fromArrowTable } from './arrow.js';
import { StringPool } from './strings.js';
import type { Table } from './columns.js';
import type { TraceMeta } from './meta.js';
import type { Trace, TraceTables } from './traceTables.js';

// Table sets on disk: one directory per machine, one file per table (`sched_switch.arrow` or
// `.parquet`), plus `meta.json`. A multi-machine trace writes `trace.json` and one subdirectory
// per machine.

export type TableFileFormat = 'arrow' | 'parquet';

const require = createRequire(import.meta.url);
type ParquetWasm = {
  Table: { fromIPCStream(b: Uint8Array): unknown };
  writeParquet(t: unknown, props?: unknown): Uint8Array;
  readParquet(b: Uint8Array): { intoIPCStream(): Uint8Array };
};
let parquet: ParquetWasm | null = null;
function pq(): ParquetWasm {
  // Loaded lazily: the wasm module costs ~100 ms and only Parquet users need it.
  return (parquet ??= require('parquet-wasm/node') as ParquetWasm);
}

export function arrowToParquet(t: arrow.Table): Uint8Array {
  const w = pq();
  return w.writeParquet(w.Table.fromIPCStream(arrow.tableToIPC(t, 'stream')));
}

export function parquetToArrow(bytes: Uint8Array): arrow.Table {
  return arrow.tableFromIPC(pq().readParquet(bytes).intoIPCStream());
}

export async function writeArrowOrParquet(path: string, t: arrow.Table, format: TableFileFormat): Promise<void> {
  await writeFile(path, format === 'parquet' ? arrowToParquet(t) : arrow.tableToIPC(t, 'file'));
}

export async function writeMachineDir(dir: string, tables: TraceTables, format: TableFileFormat = 'arrow'): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const spec of ALL_TABLES) {
    const file = join(dir, `${spec.name}.${format}`);
    await writeArrowOrParquet(file, toArrowTable(tables[spec.name] as Table, tables.strings), format);
    written.push(file);
  }
  const metaFile = join(dir, 'meta.json');
  await writeFile(metaFile, JSON.stringify(tables.meta, null, 2) + '\n');
  written.push(metaFile);
  return written;
}

export async function readMachineDir(dir: string): Promise<TraceTables> {
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as TraceMeta;
  const files = new Set(await readdir(dir));
  const pool = new StringPool();
  const intern = (s: string) => pool.id(s);
  const out: Record<string, unknown> = { meta };
  for (const spec of ALL_TABLES) {
    let t: arrow.Table;
    if (files.has(`${spec.name}.arrow`)) t = arrow.tableFromIPC(await readFile(join(dir, `${spec.name}.arrow`)));
    else if (files.has(`${spec.name}.parquet`)) t = parquetToArrow(await readFile(join(dir, `${spec.name}.parquet`)));
    else throw new Error(`${dir}: missing table ${spec.name} (.arrow or .parquet)`);
    out[spec.name] = fromArrowTable(spec as TableSpec, t, intern);
  }
  out['strings'] = pool.values;
  return out as unknown as TraceTables;
}

/** Write a whole trace. A single machine goes straight into `dir`; several get a subdirectory each. */
export async function writeTraceDir(dir: string, trace: Trace, format: TableFileFormat = 'arrow'): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  if (trace.machines.length === 1) return writeMachineDir(dir, trace.machines[0]!, format);
  const written: string[] = [];
  const names = uniqueNames(trace.machines.map((m) => m.meta.machine));
  for (let i = 0; i < trace.machines.length; i++) written.push(...(await writeMachineDir(join(dir, names[i]!), trace.machines[i]!, format)));
  const index = join(dir, 'trace.json');
  await writeFile(index, JSON.stringify({ source: trace.source, format: trace.format, machines: names }, null, 2) + '\n');
  written.push(index);
  return written;
}

export async function readTraceDir(dir: string): Promise<Trace> {
  const files = new Set(await readdir(dir));
  if (files.has('trace.json')) {
    const idx = JSON.parse(await readFile(join(dir, 'trace.json'), 'utf8')) as { source: string; format: Trace['format']; machines: string[] };
    const machines = [];
    for (const m of idx.machines) machines.push(await readMachineDir(join(dir, m)));
    return { source: idx.source, format: idx.format, machines };
  }
  const m = await readMachineDir(dir);
  return { source: m.meta.source, format: m.meta.format, machines: [m] };
}

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const safe = n.replace(/[^A-Za-z0-9_.-]/g, '_') || 'machine';
    const k = seen.get(safe) ?? 0;
    seen.set(safe, k + 1);
    return k ? `${safe}-${k}` : safe;
  });
}
