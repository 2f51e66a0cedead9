// Minimal protobuf encoder into a growable byte buffer. Nested messages get a 4-byte padded
// length (a valid non-minimal varint, as Perfetto's own protozero writes), so nothing is copied
// when a message closes.

const TWO32 = 4294967296;

export class ProtoWriter {
  buf: Uint8Array;
  len = 0;

  constructor(initial = 1 << 16) {
    this.buf = new Uint8Array(initial);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  /** Non-negative integer up to 2^53. */
  rawVarint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.len;
    while (v >= 0x80) {
      b[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.len = p;
  }

  /** Signed int32/int64 the protobuf way: negatives as 10-byte two's complement. */
  rawSigned(v: number): void {
    if (v >= 0) return this.rawVarint(v);
    let lo = (v % TWO32) + TWO32;
    let hi = Math.floor(v / TWO32) + TWO32;
    if (lo === TWO32) lo = 0; // v is a multiple of 2^32: floor() already gave the right hi
    this.ensure(10);
    const b = this.buf;
    let p = this.len;
    // 9 groups of 7 bits over (hi:lo), then the top bit.
    for (let i = 0; i < 9; i++) {
      b[p++] = (lo & 0x7f) | 0x80;
      lo = (lo >>> 7) | ((hi & 0x7f) << 25);
      hi >>>= 7;
    }
    b[p++] = lo & 0x01;
    this.len = p;
  }

  tag(field: number, wt: number): void {
    this.rawVarint(field * 8 + wt);
  }

  uint(field: number, v: number): void {
    this.rawVarint(field * 8);
    this.rawVarint(v);
  }

  int(field: number, v: number): void {
    this.rawVarint(field * 8);
    this.rawSigned(v);
  }

  /** uint64 given as BigInt (addresses). */
  uint64(field: number, v: bigint): void {
    this.rawVarint(field * 8);
    this.ensure(10);
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }

  string(field: number, s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.bytes(field, bytes);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.rawVarint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** Open a length-delimited field; pass the result to `end()`. */
  begin(field: number): number {
    this.tag(field, 2);
    this.ensure(4);
    const at = this.len;
    this.len += 4;
    return at;
  }

  end(at: number): void {
    const n = this.len - at - 4;
    if (n >= 1 << 28) throw new Error('protobuf message larger than 256 MiB');
    const b = this.buf;
    b[at] = (n & 0x7f) | 0x80;
    b[at + 1] = ((n >>> 7) & 0x7f) | 0x80;
    b[at + 2] = ((n >>> 14) & 0x7f) | 0x80;
    b[at + 3] = (n >>> 21) & 0x7f;
  }

  /** Packed repeated varints from a list. */
  packed(field: number, values: ArrayLike<number>, n: number, signed: boolean): void {
    if (n === 0) return;
    const at = this.begin(field);
    if (signed) for (let i = 0; i < n; i++) this.rawSigned(values[i]!);
    else for (let i = 0; i < n; i++) this.rawVarint(values[i]!);
    this.end(at);
  }

  /** Take the bytes written so far and start over (the buffer is reused). */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.len);
    this.len = 0;
    return out;
  }
}
