import type { ColType, ColumnsSpec, TableSpec } from './schema.js';

/** The in-memory array type of each column type. */
export interface ColArrayOf {
  ts: Float64Array;
  i64: Float64Array;
  f64: Float64Array;
  i32: Int32Array;
  u32: Uint32Array;
  i16: Int16Array;
  u16: Uint16Array;
  u8: Uint8Array;
  str: Int32Array;
  text: string[];
}

export type ColumnArrays<C extends ColumnsSpec> = { [K in keyof C]: ColArrayOf[C[K]] };

/** A finished, immutable columnar table. */
export interface Table<C extends ColumnsSpec = ColumnsSpec> {
  readonly spec: TableSpec<C>;
  readonly length: number;
  readonly cols: ColumnArrays<C>;
}

type NumArray = Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Uint8Array;
type NumCtor = { new (n: number): NumArray };

const CTORS: Record<Exclude<ColType, 'text'>, NumCtor> = {
  ts: Float64Array,
  i64: Float64Array,
  f64: Float64Array,
  i32: Int32Array,
  u32: Uint32Array,
  i16: Int16Array,
  u16: Uint16Array,
  u8: Uint8Array,
  str: Int32Array,
};

export function allocColumn(type: ColType, n: number): NumArray | string[] {
  return type === 'text' ? new Array<string>(n) : new CTORS[type](n);
}

/**
 * Growable column storage for one table. Readers append a row with `row()` and then write each
 * column at that index: no per-event objects, just typed-array stores.
 *
 *   const i = b.row(); b.c.tsNs[i] = ts; b.c.cpu[i] = cpu; ...
 *
 * Columns a reader does not write keep their initial value (0, or '' for text): readers must
 * write every column, using -1 for unknown numbers and ids.
 */
export class TableBuilder<C extends ColumnsSpec> {
  length = 0;
  private capacity: number;
  c: ColumnArrays<C>;

  constructor(readonly spec: TableSpec<C>, initialCapacity = 1024) {
    this.capacity = initialCapacity;
    this.c = this.alloc(initialCapacity);
  }

  private alloc(n: number): ColumnArrays<C> {
    const out: Record<string, NumArray | string[]> = {};
    for (const [k, t] of Object.entries(this.spec.columns)) out[k] = allocColumn(t, n);
    return out as ColumnArrays<C>;
  }

  /** Reserve the next row and return its index. */
  row(): number {
    if (this.length === this.capacity) this.grow();
    return this.length++;
  }

  /**
   * Make room for `n` more rows in one allocation: a reader that knows (or can estimate) its row
   * count up front saves the doubling copies and their garbage. Rows beyond it still grow the table.
   */
  reserve(n: number): void {
    const want = this.length + Math.max(0, Math.ceil(n));
    if (want > this.capacity) this.resize(want);
  }

  private grow(): void {
    this.resize(Math.max(1, this.capacity * 2));
  }

  private resize(next: number): void {
    const fresh = this.alloc(next);
    for (const k of Object.keys(this.spec.columns)) {
      const src = (this.c as Record<string, NumArray | string[]>)[k]!;
      const dst = (fresh as Record<string, NumArray | string[]>)[k]!;
      if (Array.isArray(src)) {
        for (let i = 0; i < this.length; i++) (dst as string[])[i] = src[i]!;
      } else {
        (dst as NumArray).set(src as never);
      }
    }
    this.capacity = next;
    this.c = fresh;
  }

  /** Drop the last row (a reader that found the line broken after reserving it). */
  unrow(): void {
    if (this.length > 0) this.length--;
  }

  /**
   * Trim to length and sort rows by (tsNs, seq) when the table has those columns and they are
   * out of order. Sorting is by index permutation, so it costs nothing for already sorted input.
   */
  finish(): Table<C> {
    const cols = {} as Record<string, NumArray | string[]>;
    const n = this.length;
    const src = this.c as Record<string, NumArray | string[]>;
    const perm = sortPermutation(src['tsNs'] as Float64Array | undefined, src['seq'] as Uint32Array | undefined, n);
    for (const k of Object.keys(this.spec.columns)) {
      const a = src[k]!;
      if (perm) {
        const out = allocColumn(this.spec.columns[k]!, n);
        if (Array.isArray(a)) for (let i = 0; i < n; i++) (out as string[])[i] = a[perm[i]!]!;
        else for (let i = 0; i < n; i++) (out as NumArray)[i] = (a as NumArray)[perm[i]!]!;
        cols[k] = out;
      } else if (a.length === n) {
        // Already exactly n long (e.g. replaced by a reader's sort): hand it over, no copy. The
        // builder is done after finish(); a row() after it would grow into fresh arrays.
        cols[k] = a;
      } else if (!Array.isArray(a) && a.length - n <= a.length >>> 3) {
        // Reserved close to the final size: a view instead of a copy (at most 1/8 unused).
        cols[k] = (a as NumArray).subarray(0, n);
      } else {
        cols[k] = Array.isArray(a) ? a.slice(0, n) : (a as NumArray).slice(0, n);
      }
    }
    return { spec: this.spec, length: n, cols: cols as ColumnArrays<C> };
  }
}

function sortPermutation(ts: Float64Array | undefined, seq: Uint32Array | undefined, n: number): Uint32Array | null {
  if (!ts) return null;
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (ts[i]! < ts[i - 1]! || (ts[i] === ts[i - 1] && seq && seq[i]! < seq[i - 1]!)) {
      sorted = false;
      break;
    }
  }
  if (sorted) return null;
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (seq) perm.sort((a, b) => ts[a]! - ts[b]! || seq[a]! - seq[b]!);
  else perm.sort((a, b) => ts[a]! - ts[b]! || a - b);
  return perm;
}

/** Build a finished table directly from column arrays (used by Arrow import and tests). */
export function tableFromColumns<C extends ColumnsSpec>(spec: TableSpec<C>, cols: ColumnArrays<C>): Table<C> {
  const keys = Object.keys(spec.columns);
  const length = keys.length ? (cols as Record<string, { length: number }>)[keys[0]!]!.length : 0;
  for (const k of keys) {
    const a = (cols as Record<string, { length: number } | undefined>)[k];
    if (!a) throw new Error(`table ${spec.name}: missing column ${k}`);
    if (a.length !== length) throw new Error(`table ${spec.name}: column ${k} has ${a.length} rows, expected ${length}`);
  }
  return { spec, length, cols };
}

export function emptyTable<C extends ColumnsSpec>(spec: TableSpec<C>): Table<C> {
  return new TableBuilder(spec, 1).finish();
}
