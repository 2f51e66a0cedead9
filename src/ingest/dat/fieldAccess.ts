import type { FieldDef } from './formatFile.js';

// Fast typed reads of one field at a record offset. Built once per event type; numbers come
// back as JS numbers (exact below 2^53, which covers pids, prios, ns, vectors).

export type NumReader = (view: DataView, rec: number) => number;
export type StrReader = (data: Uint8Array, view: DataView, rec: number, len: number) => string;

export function numReader(f: FieldDef | undefined, little: boolean): NumReader | null {
  if (!f || f.isString || f.loc !== 'none' || f.arrayLen >= 0) return null;
  const o = f.offset;
  switch (f.size) {
    case 1:
      return f.signed ? (v, r) => v.getInt8(r + o) : (v, r) => v.getUint8(r + o);
    case 2:
      return f.signed ? (v, r) => v.getInt16(r + o, little) : (v, r) => v.getUint16(r + o, little);
    case 4:
      return f.signed ? (v, r) => v.getInt32(r + o, little) : (v, r) => v.getUint32(r + o, little);
    case 8: {
      const lo = little ? 0 : 4;
      const hi = little ? 4 : 0;
      return f.signed
        ? (v, r) => v.getInt32(r + o + hi, little) * 4294967296 + v.getUint32(r + o + lo, little)
        : (v, r) => v.getUint32(r + o + hi, little) * 4294967296 + v.getUint32(r + o + lo, little);
    }
    default:
      return null;
  }
}

/** The last hiLoReader result: [hi, lo] u32 halves (a shared scratch, to allocate nothing per event). */
export const HL = new Uint32Array(2);

/** u64 field as hi/lo u32 halves written to HL, for addresses that do not fit a double. */
export function hiLoReader(f: FieldDef | undefined, little: boolean): ((v: DataView, r: number) => void) | null {
  if (!f || f.loc !== 'none' || f.arrayLen >= 0 || (f.size !== 8 && f.size !== 4)) return null;
  const o = f.offset;
  if (f.size === 4) {
    return (v, r) => {
      HL[0] = 0;
      HL[1] = v.getUint32(r + o, little);
    };
  }
  const lo = little ? 0 : 4;
  const hi = little ? 4 : 0;
  return (v, r) => {
    HL[0] = v.getUint32(r + o + hi, little);
    HL[1] = v.getUint32(r + o + lo, little);
  };
}

/** char[N] / __data_loc char[] / __rel_loc char[] as a string (NUL-terminated). */
export function strReader(f: FieldDef | undefined, little: boolean): StrReader | null {
  if (!f) return null;
  const o = f.offset;
  if (f.loc === 'none') {
    const size = f.arrayLen === 0 ? -1 : f.size;
    return (d, _v, r, len) => {
      const end = size < 0 ? r + len : Math.min(r + o + size, r + len);
      return asciiZ(d, r + o, end);
    };
  }
  const rel = f.loc === 'rel';
  return (d, v, r, len) => {
    if (o + 4 > len) return '';
    const w = v.getUint32(r + o, little);
    const s = (rel ? r + o + 4 : r) + (w & 0xffff);
    const e = Math.min(s + (w >>> 16), r + len);
    return s < e ? asciiZ(d, s, e) : '';
  };
}

const utf8 = new TextDecoder();

export function asciiZ(d: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) {
    const c = d[i]!;
    if (c === 0) return out;
    if (c >= 0x80) {
      let end = i;
      while (end < e && d[end] !== 0) end++;
      return out + utf8.decode(d.subarray(i, end));
    }
    out += String.fromCharCode(c);
  }
  return out;
}

/** Largest end offset of the fixed part of the record, to reject short records up front. */
export function fixedEnd(fields: FieldDef[]): number {
  let end = 0;
  for (const f of fields) if (f.arrayLen !== 0) end = Math.max(end, f.offset + (f.loc !== 'none' ? 4 : f.size));
  return end;
}

export function hex64(hi: number, lo: number): string {
  return hi === 0 ? '0x' + lo.toString(16) : '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}

interface InternEntry {
  bytes: Uint8Array;
  id: number;
  next: InternEntry | null;
}

/**
 * Interns NUL-terminated byte strings (comms) without building a JS string per event: a hash
 * of the bytes finds the id; the string is decoded only the first time those bytes appear.
 */
interface Word4Entry {
  w0: number;
  w1: number;
  w2: number;
  w3: number;
  id: number;
  next: Word4Entry | null;
}

const CACHE16_MASK = 1023;

export class ByteInterner {
  private readonly table = new Map<number, InternEntry>();
  private readonly table16 = new Map<number, Word4Entry>();
  private readonly cacheWords = new Int32Array((CACHE16_MASK + 1) * 4);
  private readonly cacheIds = new Int32Array(CACHE16_MASK + 1).fill(-1);

  constructor(private readonly intern: (s: string) => number) {}

  /**
   * A char[16] field (comm) keyed by its four 32-bit words: no byte loop on the hot path.
   * Bytes after the NUL may differ (the kernel copies stale comm tails); such variants get
   * their own entry but the same string id.
   */
  id16(d: Uint8Array, v: DataView, at: number): number {
    const w0 = v.getInt32(at, true);
    const w1 = v.getInt32(at + 4, true);
    const w2 = v.getInt32(at + 8, true);
    const w3 = v.getInt32(at + 12, true);
    const h = (Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca77) ^ Math.imul(w2, 0xc2b2ae3d) ^ Math.imul(w3, 0x27d4eb2f)) | 0;
    // A direct-mapped cache in typed arrays answers the repeats (most comms) without a Map lookup.
    const slot = (h ^ (h >>> 16)) & CACHE16_MASK;
    const cw = this.cacheWords;
    const q = slot << 2;
    if (this.cacheIds[slot]! >= 0 && cw[q] === w0 && cw[q + 1] === w1 && cw[q + 2] === w2 && cw[q + 3] === w3) return this.cacheIds[slot]!;
    let e = this.table16.get(h) ?? null;
    const head = e;
    let id = -1;
    while (e) {
      if (e.w0 === w0 && e.w1 === w1 && e.w2 === w2 && e.w3 === w3) {
        id = e.id;
        break;
      }
      e = e.next;
    }
    if (id < 0) {
      id = this.intern(asciiZ(d, at, at + 16));
      this.table16.set(h, { w0, w1, w2, w3, id, next: head });
    }
    cw[q] = w0;
    cw[q + 1] = w1;
    cw[q + 2] = w2;
    cw[q + 3] = w3;
    this.cacheIds[slot] = id;
    return id;
  }

  id(d: Uint8Array, s: number, e: number): number {
    let h = 0x811c9dc5;
    let end = s;
    while (end < e) {
      const c = d[end]!;
      if (c === 0) break;
      h = Math.imul(h ^ c, 0x01000193);
      end++;
    }
    const n = end - s;
    h = (h ^ n) | 0;
    let ent = this.table.get(h) ?? null;
    const head = ent;
    while (ent) {
      const b = ent.bytes;
      if (b.length === n) {
        let k = 0;
        while (k < n && b[k] === d[s + k]) k++;
        if (k === n) return ent.id;
      }
      ent = ent.next;
    }
    const id = this.intern(asciiZ(d, s, end));
    this.table.set(h, { bytes: d.slice(s, end), id, next: head });
    return id;
  }
}

export type StrIdReader = (data: Uint8Array, view: DataView, rec: number, len: number) => number;

/** Like strReader, but returns the interned string id. */
export function strIdReader(f: FieldDef | undefined, little: boolean, interner: ByteInterner): StrIdReader | null {
  if (!f) return null;
  const o = f.offset;
  if (f.loc === 'none') {
    const size = f.arrayLen === 0 ? -1 : f.size;
    // Fixed char[16] inside the record's fixed part (checked against the record length once
    // per event type): the word-keyed fast path.
    if (size === 16) return (d, v, r, len) => (o + 16 <= len ? interner.id16(d, v, r + o) : interner.id(d, r + o, r + len));
    return (d, _v, r, len) => interner.id(d, r + o, size < 0 ? r + len : Math.min(r + o + size, r + len));
  }
  const rel = f.loc === 'rel';
  return (d, v, r, len) => {
    if (o + 4 > len) return interner.id(d, 0, 0);
    const w = v.getUint32(r + o, little);
    const s = (rel ? r + o + 4 : r) + (w & 0xffff);
    const e = Math.min(s + (w >>> 16), r + len);
    return s < e ? interner.id(d, s, e) : interner.id(d, 0, 0);
  };
}
