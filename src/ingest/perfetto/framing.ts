// Splits the top-level `Trace` message (repeated TracePacket packet = 1) into packets as bytes
// stream in, without holding more than one packet (plus a chunk) in memory.

/** Framing broken beyond repair (bad tag, invalid wire type); offset is in the decompressed stream. */
export class FramingError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly truncated: boolean,
  ) {
    super(message);
  }
}

const MAX_PACKET = 1 << 30;

/** Read a varint at p; returns -1 if the buffer ends first, -2 if it is longer than 10 bytes. Sets `varEnd`. */
let varEnd = 0;
function peekVarint(b: Uint8Array, p: number): number {
  let x = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (p + i >= b.length) return -1;
    const byte = b[p + i]!;
    x += (byte & 0x7f) * mul;
    if (byte < 0x80) {
      varEnd = p + i + 1;
      return x;
    }
    mul *= 128;
  }
  return -2;
}

/** `offset`: stream position of buf[start], the first byte of the packet's payload. */
export type PacketSink = (buf: Uint8Array, start: number, end: number, offset: number) => void;

/**
 * Feed chunks; calls `sink` for each complete field-1 packet. Unknown top-level fields are
 * skipped. Throws FramingError on broken framing; `end()` reports a trailing partial packet.
 */
export class PacketSplitter {
  private pending: Uint8Array[] = [];
  private pendingLen = 0;
  /** Bytes needed before the next packet can be parsed (0 = unknown, try with what we have). */
  private need = 0;
  /** Stream offset of the first pending byte. */
  private base = 0;
  packets = 0;

  constructor(private readonly sink: PacketSink) {}

  push(chunk: Uint8Array): void {
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    if (this.pendingLen < this.need) return;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    const pos = this.scan(buf);
    const rest = buf.subarray(pos);
    this.base += pos;
    this.pending = rest.length ? [rest] : [];
    this.pendingLen = rest.length;
  }

  private scan(buf: Uint8Array): number {
    let pos = 0;
    this.need = 0;
    while (pos < buf.length) {
      const tag = peekVarint(buf, pos);
      if (tag === -1) return pos;
      if (tag === -2) throw new FramingError('bad varint in packet tag', this.base + pos, false);
      let p = varEnd;
      const field = Math.floor(tag / 8);
      const wt = tag % 8;
      if (field === 0) throw new FramingError(`invalid field number 0 (tag byte 0x${buf[pos]!.toString(16)}) where a packet should start`, this.base + pos, false);
      if (wt === 2) {
        const len = peekVarint(buf, p);
        if (len === -1) return pos;
        if (len === -2) throw new FramingError('bad varint in packet length', this.base + p, false);
        if (len > MAX_PACKET) throw new FramingError(`packet length ${len} is implausible (> 1 GiB)`, this.base + p, false);
        p = varEnd;
        const e = p + len;
        if (e > buf.length) {
          this.need = e - pos;
          return pos;
        }
        if (field === 1) {
          this.sink(buf, p, e, this.base + p);
          this.packets++;
        }
        pos = e;
      } else if (wt === 0) {
        const v = peekVarint(buf, p);
        if (v === -1) return pos;
        if (v === -2) throw new FramingError('bad varint', this.base + p, false);
        pos = varEnd;
      } else if (wt === 1 || wt === 5) {
        const e = p + (wt === 1 ? 8 : 4);
        if (e > buf.length) return pos;
        pos = e;
      } else {
        throw new FramingError(`invalid wire type ${wt} where a packet should start`, this.base + pos, false);
      }
    }
    return pos;
  }

  /** Call at end of input: a partial packet left over means the file was cut. */
  end(): void {
    if (this.pendingLen > 0) {
      throw new FramingError(
        `file ends inside a packet (${this.pendingLen} bytes left${this.need ? ` of ${this.need} needed` : ''})`,
        this.base,
        true,
      );
    }
  }
}

/** Split an in-memory `Trace` (decompressed compressed_packets); returns the error, if any. */
export function splitPackets(buf: Uint8Array, sink: PacketSink): FramingError | null {
  const s = new PacketSplitter(sink);
  try {
    s.push(buf);
    s.end();
    return null;
  } catch (e) {
    if (e instanceof FramingError) return e;
    throw e;
  }
}
