import { join } from 'node:path';
import type { Table, TraceTables } from '../src/tables/index.js';
import { REPO_DIR } from './helpers/shared.js';

/** Path of a hand-written text fixture. */
export const fixture = (name: string) => join(REPO_DIR, 'test/fixtures/text', name);

/** Selected columns of a table as plain arrays; string ids resolved (null for -1). */
export function rows(t: TraceTables, table: keyof TraceTables, cols: string[]): unknown[][] {
  const tab = t[table] as Table;
  const spec = tab.spec.columns;
  const c = tab.cols as Record<string, ArrayLike<unknown>>;
  const out: unknown[][] = [];
  for (let i = 0; i < tab.length; i++) {
    out.push(
      cols.map((k) => {
        if (!(k in spec)) throw new Error(`no column ${k} in ${String(table)}`);
        const v = c[k]![i];
        return spec[k] === 'str' ? ((v as number) >= 0 ? t.strings[v as number] : null) : v;
      }),
    );
  }
  return out;
}

/** Threads as [tid, tgid, comm]. */
export function threads(t: TraceTables): unknown[][] {
  return rows(t, 'threads', ['tid', 'tgid', 'comm']);
}
