import * as arrow from 'apache-arrow';
import type { ColType, ColumnsSpec, TableSpec } from './schema.js';
import { allocColumn, tableFromColumns, type ColumnArrays, type Table } from './columns.js';

// Converts our typed-array tables to Arrow and back. Time and i64 columns become Int64,
// 'str' columns Dictionary<Utf8, Int32> over the machine's string pool (ids of -1 become null).

function arrowType(t: ColType): arrow.DataType {
  switch (t) {
    case 'ts':
    case 'i64':
      return new arrow.Int64();
    case 'f64':
      return new arrow.Float64();
    case 'i32':
      return new arrow.Int32();
    case 'u32':
      return new arrow.Uint32();
    case 'i16':
      return new arrow.Int16();
    case 'u16':
      return new arrow.Uint16();
    case 'u8':
      return new arrow.Uint8();
    case 'str':
      return new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    case 'text':
      return new arrow.Utf8();
  }
}

export function arrowSchema(spec: TableSpec): arrow.Schema {
  return new arrow.Schema(
    Object.entries(spec.columns).map(([k, t]) => new arrow.Field(k, arrowType(t), t === 'str')),
    new Map([['vcpu-replay.table', spec.name]]),
  );
}

function toInt64(a: Float64Array): BigInt64Array {
  const out = new BigInt64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = BigInt(Math.round(a[i]!));
  return out;
}

function nullBitmap(ids: Int32Array): Uint8Array | null {
  let any = false;
  for (let i = 0; i < ids.length; i++) if (ids[i]! < 0) { any = true; break; }
  if (!any) return null;
  const bm = new Uint8Array((ids.length + 7) >> 3);
  for (let i = 0; i < ids.length; i++) if (ids[i]! >= 0) bm[i >> 3]! |= 1 << (i & 7);
  return bm;
}

export function toArrowTable<C extends ColumnsSpec>(table: Table<C>, strings: readonly string[]): arrow.Table {
  const schema = arrowSchema(table.spec);
  const dictionary = arrow.vectorFromArray(strings as string[], new arrow.Utf8());
  const children: arrow.Data[] = [];
  const cols = table.cols as Record<string, unknown>;
  for (const field of schema.fields) {
    const t = table.spec.columns[field.name]!;
    const a = cols[field.name];
    if (t === 'ts' || t === 'i64') {
      children.push(arrow.makeData({ type: new arrow.Int64(), length: table.length, data: toInt64(a as Float64Array) }));
    } else if (t === 'str') {
      const ids = a as Int32Array;
      const bm = nullBitmap(ids);
      const safe = bm ? ids.map((v) => (v < 0 ? 0 : v)) : ids;
      children.push(
        arrow.makeData({
          type: field.type as arrow.Dictionary<arrow.Utf8, arrow.Int32>,
          length: table.length,
          data: safe,
          dictionary,
          ...(bm ? { nullBitmap: bm } : {}),
        }),
      );
    } else if (t === 'text') {
      children.push(arrow.vectorFromArray(a as string[], new arrow.Utf8()).data[0]!);
    } else {
      children.push(arrow.makeData({ type: field.type as arrow.Int32, length: table.length, data: a as Int32Array }));
    }
  }
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: table.length, children });
  return new arrow.Table(schema, new arrow.RecordBatch(schema, struct));
}

/**
 * Read an Arrow table back into our columns. String columns are re-interned into `intern`
 * (the target machine's pool), so tables read from several files share one dictionary.
 */
export function fromArrowTable<C extends ColumnsSpec>(
  spec: TableSpec<C>,
  t: arrow.Table,
  intern: (s: string) => number,
): Table<C> {
  const n = t.numRows;
  const out: Record<string, unknown> = {};
  for (const [k, type] of Object.entries(spec.columns)) {
    const v = t.getChild(k);
    if (!v) throw new Error(`table ${spec.name}: Arrow input has no column ${k}`);
    const col = allocColumn(type, n);
    if (type === 'ts' || type === 'i64') {
      let i = 0;
      for (const x of v) (col as Float64Array)[i++] = x === null ? -1 : Number(x);
    } else if (type === 'str') {
      const cache = new Map<string, number>();
      let i = 0;
      for (const x of v) {
        if (x === null) { (col as Int32Array)[i++] = -1; continue; }
        let id = cache.get(x);
        if (id === undefined) cache.set(x, (id = intern(x)));
        (col as Int32Array)[i++] = id;
      }
    } else if (type === 'text') {
      let i = 0;
      for (const x of v) (col as string[])[i++] = x ?? '';
    } else {
      (col as Int32Array).set(v.toArray() as Int32Array);
    }
    out[k] = col;
  }
  return tableFromColumns(spec, out as ColumnArrays<C>);
}
