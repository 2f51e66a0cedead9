import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CellRecord } from './types.js';

// One small JSON file per finished cell under OUT/cells/. Written as tmp + rename, so a file
// that exists is complete: a run killed at any moment loses only the cells in flight.

export const CELLS_DIR = 'cells';
const TMP_MARK = '.tmp-';

export function cellPath(outDir: string, id: string): string {
  return join(outDir, CELLS_DIR, `${id}.json`);
}

export async function writeCellRecord(outDir: string, rec: CellRecord): Promise<void> {
  const final = cellPath(outDir, rec.id);
  const tmp = `${final}${TMP_MARK}${process.pid}`;
  await writeFile(tmp, JSON.stringify(rec) + '\n');
  await rename(tmp, final);
}

/** The record of a cell, or null when absent. A damaged file is reported via `onBad` and treated as absent. */
export async function readCellRecord(outDir: string, id: string, onBad?: (msg: string) => void): Promise<CellRecord | null> {
  const p = cellPath(outDir, id);
  let text: string;
  try {
    text = await readFile(p, 'utf8');
  } catch {
    return null;
  }
  try {
    const rec = JSON.parse(text) as CellRecord;
    if (rec.version !== 1 || rec.id !== id || (rec.status !== 'ok' && rec.status !== 'failed') || !Array.isArray(rec.rows)) throw new Error('not a cell record for this id');
    return rec;
  } catch (e) {
    onBad?.(`${p}: unreadable cell result (${(e as Error).message}); the cell will be run again`);
    return null;
  }
}

/** Create OUT/cells and delete temporaries left by a killed run. Returns how many were removed. */
export async function prepareCellsDir(outDir: string): Promise<number> {
  const dir = join(outDir, CELLS_DIR);
  await mkdir(dir, { recursive: true });
  let removed = 0;
  for (const f of await readdir(dir)) {
    if (f.includes(TMP_MARK)) {
      await unlink(join(dir, f)).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}
