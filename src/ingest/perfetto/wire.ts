// Protobuf wire-format primitives over a Uint8Array with a moving index. One WireReader is reused
// for a whole packet: decoding allocates nothing per field.

export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
export const WT_I32 = 5;

/** A malformed byte sequence; `offset` is relative to the buffer being decoded. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

const TWO32 = 4294967296;

export class WireReader {
  buf: Uint8Array;
  pos: number;
  end: number;

  constructor(buf: Uint8Array = new Uint8Array(0), pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  reset(buf: Uint8Array, pos: number, end: number): this {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    return this;
  }

  /**
   * Unsigned varint as a double: exact up to 2^53 (timestamps, ids, lengths). Larger values,
   * e.g. kernel addresses, lose low bits; use `varint64` where those matter.
   */
  varint(): number {
    const b = this.buf;
    let p = this.pos;
    if (p >= this.end) throw new WireError('truncated varint', p);
    let byte = b[p++]!;
    if (byte < 0x80) {
      this.pos = p;
      return byte;
    }
    let x = byte & 0x7f;
    let mul = 128;
    for (let i = 1; i < 10; i++) {
      if (p >= this.end) throw new WireError('truncated varint', this.pos);
      byte = b[p++]!;
      x += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.pos = p;
        return x;
      }
      mul *= 128;
    }
    throw new WireError('varint longer than 10 bytes', this.pos);
  }

  /**
   * int32/int64 field: negative values are 10-byte two's-complement varints (not zigzag).
   * Returns a double (exact for |v| < 2^53).
   */
  svarint(): number {
    const b = this.buf;
    const start = this.pos;
    let p = start;
    if (p < this.end && b[p]! < 0x80) {
      this.pos = p + 1;
      return b[p]!;
    }
    let lo = 0;
    let hi = 0;
    let i = 0;
    let byte = 0;
    // Bytes 0-3 fill lo's low 28 bits; byte 4 splits between lo and hi; bytes 5-9 fill hi.
    for (; i < 4; i++) {
      if (p >= this.end) throw new WireError('truncated varint', start);
      byte = b[p++]!;
      lo |= (byte & 0x7f) << (i * 7);
      if (byte < 0x80) {
        this.pos = p;
        return lo >>> 0;
      }
    }
    if (p >= this.end) throw new WireError('truncated varint', start);
    byte = b[p++]!;
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x7f) >> 4;
    if (byte >= 0x80) {
      for (i = 0; i < 5; i++) {
        if (p >= this.end) throw new WireError('truncated varint', start);
        byte = b[p++]!;
        hi |= (byte & 0x7f) << (i * 7 + 3);
        if (byte < 0x80) break;
      }
      if (byte >= 0x80) throw new WireError('varint longer than 10 bytes', start);
    }
    this.pos = p;
    lo >>>= 0;
    hi >>>= 0;
    if (hi & 0x80000000) {
      const nlo = (~lo + 1) >>> 0;
      const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
      return -(nhi * TWO32 + nlo);
    }
    return hi * TWO32 + lo;
  }

  /** Full 64-bit unsigned varint as a BigInt (addresses, rendering). Not for hot paths. */
  varint64(): bigint {
    const start = this.pos;
    let x = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint', start);
      const byte = this.buf[this.pos++]!;
      x |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return x & 0xffffffffffffffffn;
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes', start);
  }

  /** Read a length prefix and return the end index of the payload, checking bounds. */
  lenEnd(): number {
    const at = this.pos;
    const n = this.varint();
    const e = this.pos + n;
    if (e > this.end) throw new WireError(`length ${n} runs past the end of its message`, at);
    return e;
  }

  fixed64(): number {
    if (this.pos + 8 > this.end) throw new WireError('truncated fixed64', this.pos);
    const b = this.buf;
    const p = this.pos;
    const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    const hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
    this.pos = p + 8;
    return hi * TWO32 + lo;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new WireError('truncated fixed32', this.pos);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** Skip a field's value of wire type `wt`. Groups (3/4) and types 6/7 are malformed input. */
  skip(wt: number): void {
    switch (wt) {
      case WT_VARINT:
        this.varint();
        return;
      case WT_I64:
        if (this.pos + 8 > this.end) throw new WireError('truncated fixed64', this.pos);
        this.pos += 8;
        return;
      case WT_LEN:
        this.pos = this.lenEnd();
        return;
      case WT_I32:
        if (this.pos + 4 > this.end) throw new WireError('truncated fixed32', this.pos);
        this.pos += 4;
        return;
      default:
        throw new WireError(`invalid wire type ${wt}`, this.pos);
    }
  }

  /** UTF-8 string of the length-delimited field at pos (after the tag). */
  string(): string {
    const e = this.lenEnd();
    const s = utf8(this.buf, this.pos, e);
    this.pos = e;
    return s;
  }
}

const decoder = new TextDecoder('utf-8');

/** Decode UTF-8; short ASCII strings (comms) skip TextDecoder, which dominates for tiny inputs. */
export function utf8(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 24) {
    let ascii = true;
    for (let i = start; i < end; i++) if (b[i]! >= 0x80) { ascii = false; break; }
    if (ascii) {
      if (n === 0) return '';
      // String.fromCharCode over a subarray is the fastest path for short ASCII.
      return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
    }
  }
  return decoder.decode(b.subarray(start, end));
}
