import type { MachineBuilder } from '../../tables/index.js';
import { sameBytes, viewOf } from './byteView.js';

// String ids for byte ranges of a line: a direct-mapped cache keyed by the bytes, so a comm or
// symbol that was seen before costs a hash and a compare, and only a new one is decoded (UTF-8)
// and handed to the builder's string pool. Ids come from the pool, so they are the ones the
// string path (MachineState.intern) gives for the same text in the same order.

const SLOTS = 4096;
/** Cached keys up to this many bytes live in one flat typed array; longer ones in their own copy. */
const SHORT = 32;

export class ByteInterner {
  private readonly len = new Int32Array(SLOTS).fill(-1);
  private readonly ids = new Int32Array(SLOTS);
  private readonly short = new Uint8Array(SLOTS * SHORT);
  private readonly shortView = new DataView(this.short.buffer);
  private readonly long: Array<Uint8Array | null> = new Array<Uint8Array | null>(SLOTS).fill(null);

  constructor(private readonly b: MachineBuilder) {}

  /** String id of the UTF-8 text in buf[a, e). */
  id(buf: Uint8Array, a: number, e: number): number {
    const bv = viewOf(buf);
    let h = 0;
    let p = a;
    for (; p + 4 <= e; p += 4) h = (Math.imul(h, 31) + bv.getUint32(p, true)) | 0;
    for (; p < e; p++) h = (Math.imul(h, 31) + buf[p]!) | 0;
    return this.idHashed(buf, a, e, h ^ (e - a));
  }

  /**
   * Id of the text from p up to the first `stop` byte (or e), hashed four bytes at a time while
   * it is scanned: the same hash, so the same id, as id(buf, p, end). The end is left in `tokenEnd`.
   */
  until(buf: Uint8Array, p: number, e: number, stop: number): number {
    const a = p;
    const bv = viewOf(buf);
    const stops = Math.imul(stop, 0x01010101);
    let h = 0;
    for (; p + 4 <= e; p += 4) {
      const w = bv.getUint32(p, true);
      const x = w ^ stops;
      // a zero byte in x (a stop byte in w): the classic has-zero-byte test
      if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
      h = (Math.imul(h, 31) + w) | 0;
    }
    for (; p < e; p++) {
      const c = buf[p]!;
      if (c === stop) break;
      h = (Math.imul(h, 31) + c) | 0;
    }
    this.tokenEnd = p;
    return this.idHashed(buf, a, p, h ^ (p - a));
  }

  /** End of the text the last until() read. */
  tokenEnd = 0;

  /** id() with the hash already computed (words, then tail bytes, h*31 + x; xor the length). */
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
