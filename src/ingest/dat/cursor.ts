// Bounds-checked reads over the file bytes. Every failure names the byte offset, so a
// truncated or corrupt .dat gives "file at byte N: ..." rather than a RangeError.

export class DatFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'DatFormatError';
  }
}

export class Cursor {
  readonly view: DataView;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly little: boolean,
    pos = 0,
    /** Offset of bytes[0] in the file, for error messages when reading a decompressed section. */
    readonly base = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = pos;
  }

  fail(message: string, at = this.pos): never {
    throw new DatFormatError(message, this.base + at);
  }

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      this.fail(`truncated: ${what} needs ${n} bytes, ${Math.max(0, this.bytes.length - this.pos)} left`);
    }
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, this.little);
    this.pos += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, this.little);
    this.pos += 4;
    return v;
  }

  /** u64 as a number; offsets and sizes above 2^53 are corrupt for any real file. */
  u64(what = 'u64'): number {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, this.little);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} is implausibly large (${v})`);
    this.pos += 8;
    return Number(v);
  }

  u64big(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, this.little);
    this.pos += 8;
    return v;
  }

  /** NUL-terminated string. */
  cstr(what = 'string', max = 1 << 20): string {
    const start = this.pos;
    const end = this.bytes.indexOf(0, start);
    if (end < 0 || end - start > max) this.fail(`unterminated ${what}`);
    this.pos = end + 1;
    return decodeText(this.bytes, start, end);
  }

  bytesN(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  text(n: number, what: string): string {
    const b = this.bytesN(n, what);
    return decodeText(b, 0, b.length);
  }
}

const decoder = new TextDecoder('utf-8');

/** Bytes as text. Format files and kallsyms are ASCII; comms may hold UTF-8. */
export function decodeText(b: Uint8Array, start: number, end: number): string {
  return decoder.decode(b.subarray(start, end));
}
