import { routeEvent, type MachineBuilder } from '../../tables/index.js';
import type { TableBuilder } from '../../tables/columns.js';
import type { ColumnsSpec, EventTableName } from '../../tables/schema.js';
import type { FormatIndex } from './formatIndex.js';
import type { PageScanner } from './ringBuffer.js';

// Table sizes up front, so that each event table is allocated once instead of doubling.

const SAMPLE_EVERY = 7;

/**
 * Size the tables once from the record index: each record of a known event type becomes one row
 * of the table its name routes to. Counted on a sample of the records, and for a CPU still
 * streaming scaled up from the share of its data indexed.
 */
export function reserveRows(b: MachineBuilder, cpus: PageScanner[], done: Uint8Array, formats: FormatIndex, typeOff: number, little: boolean): void {
  const perType = new Float64Array(65536);
  const counts = new Int32Array(65536);
  for (let c = 0; c < cpus.length; c++) {
    const sc = cpus[c]!;
    const { n, off, len, view } = sc;
    counts.fill(0);
    // Every 7th record: a pass over all of them is a cache miss per record (~10 ms per 1.7 M).
    for (let i = 0; i < n; i += SAMPLE_EVERY) if (len[i]! >= 8) counts[view.getUint16(off[i]! + typeOff, little)]!++;
    let scale = SAMPLE_EVERY;
    if (!done[c]) scale *= sc.scanned > 0 ? sc.data.length / sc.scanned : 0;
    for (let t = 0; t < 65536; t++) if (counts[t]) perType[t] += counts[t]! * scale;
  }
  const perTable = new Map<EventTableName, number>();
  for (let t = 0; t < 65536; t++) {
    if (!perType[t]) continue;
    const name = formats.name(t);
    if (name === null) continue;
    const table = routeEvent(name).table;
    perTable.set(table, (perTable.get(table) ?? 0) + perType[t]!);
  }
  // A margin for the sampling error: a table that outgrows it doubles as before, and finish()
  // trims one that is at most 1/8 too big without a copy.
  for (const [table, rows] of perTable) (b[table] as TableBuilder<ColumnsSpec>).reserve(rows * 1.06 + 1024);
}
