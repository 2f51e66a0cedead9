import type { MachineBuilder } from '../../tables/index.js';
import { sameBytes, viewOf } from './byteView.js';

// String ids for byte ranges of a line: a direct-mapped cache keyed by the bytes, so a comm or
// symbol that was seen before costs a hash and a compare, and only a new one is decoded (UTF-8)
// and handed to the builder's string pool. Ids come from the pool, so they are the ones the
// string path (MachineState.intern) gives for the same text in the same order.

const SLOTS = 4096;
/** Cached keys up to this many bytes live in one flat typed array; longer ones in their own copy. */
const SHORT = 32;
/** 31^n mod 2^32: turns a hash computed from 0 into the length-seeded one. */
const POW31 = new Int32Array(64);
POW31[0] = 1;
for (let k = 1; k < 64; k++) POW31[k] = Math.imul(POW31[k - 1]!, 31);

export class ByteInterner {
  private readonly len = new Int32Array(SLOTS).fill(-1);
  private readonly ids = new Int32Array(SLOTS);
  private readonly short = new Uint8Array(SLOTS * SHORT);
  private readonly shortView = new DataView(this.short.buffer);
  private readonly long: Array<Uint8Array | null> = new Array<Uint8Array | null>(SLOTS).fill(null);

  constructor(private readonly b: MachineBuilder) {}

  /** String id of the UTF-8 text in buf[a, e). */
  id(buf: Uint8Array, a: number, e: number): number {
    return this.idHashed(buf, a, e, this.hash(buf, a, e));
  }

  /**
   * Id of the text from p up to the first `stop` byte (or e), hashed while it is scanned: the
   * same id as id(buf, p, end). The end is left in `tokenEnd`.
   */
  until(buf: Uint8Array, p: number, e: number, stop: number): number {
    const a = p;
    let h = 0;
    for (; p < e; p++) {
      const c = buf[p]!;
      if (c === stop) break;
      h = (Math.imul(h, 31) + c) | 0;
    }
    this.tokenEnd = p;
    const n = p - a;
    return this.idHashed(buf, a, p, n < 64 ? (h + Math.imul(n, POW31[n]!)) | 0 : this.hash(buf, a, p));
  }

  /** End of the text the last until() read. */
  tokenEnd = 0;

  private hash(buf: Uint8Array, a: number, e: number): number {
    let h = e - a;
    for (let p = a; p < e; p++) h = (Math.imul(h, 31) + buf[p]!) | 0;
    return h;
  }

  /** id() with the hash already computed (seeded with the length, then h*31 + byte). */
  idHashed(buf: Uint8Array, a: number, e: number, h: number): number {
    const slot = (h ^ (h >>> 13)) & (SLOTS - 1);
    const n = e - a;
    if (this.len[slot] === n) {
      if (n <= SHORT) {
        if (sameBytes(buf, viewOf(buf), a, this.short, this.shortView, slot * SHORT, n)) return this.ids[slot]!;
      } else {
        const c = this.long[slot]!;
        let k = 0;
        while (k < n && buf[a + k] === c[k]) k++;
        if (k === n) return this.ids[slot]!;
      }
    }
    const id = this.b.str(decodeRange(buf, a, e));
    this.len[slot] = n;
    this.ids[slot] = id;
    if (n <= SHORT) this.short.set(buf.subarray(a, e), slot * SHORT);
    else this.long[slot] = buf.slice(a, e);
    return id;
  }
}

/** The text of buf[a, e): a fresh flat string (it does not pin the chunk it came from). */
export function decodeRange(buf: Uint8Array, a: number, e: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString('utf8', a, e);
}
