import { isAscii } from 'node:buffer';
// Splits a stream of byte chunks into lines handed out as [start, end) byte ranges of the chunk
// (splitByteLines), or decoded (splitLines). Sinks must keep every search inside the range and
// copy what they store.

/** UTF-8 decode; ASCII (the usual trace) takes the cheaper latin1 path, which gives the same string. */
function decode(b: Buffer): string {
  return isAscii(b) ? b.toString('latin1') : b.toString('utf8');
}

export interface LineSink {
  /** One line, without its '\n'. `last` is true for a final line that had no newline. */
  line(s: string, start: number, end: number, lineNo: number, last: boolean): void;
}

/** A line longer than this is garbage, not a trace line: it is reported and skipped. */
export const MAX_LINE_BYTES = 1 << 20;

export interface SplitStats {
  bytes: number;
  lines: number;
  overlong: Array<{ line: number; preview: string }>;
}

/**
 * splitByteLines with each line decoded: for the readers that want strings (systrace HTML). The
 * same lines, line numbers and overlong handling; a newline never falls inside a UTF-8 sequence,
 * so decoding line by line gives the same text as decoding the chunk.
 */
export function splitLines(chunks: AsyncIterable<Uint8Array>, sink: LineSink, onBytes?: (bytes: number) => void): Promise<SplitStats> {
  return splitByteLines(
    chunks,
    {
      lineBytes(buf, start, end, lineNo, last) {
        const s = decode(buf.subarray(start, end));
        sink.line(s, 0, s.length, lineNo, last);
      },
    },
    onBytes,
  );
}

export interface ByteLineSink {
  /** One line as bytes [start, end) of `buf`, without its '\n'; bytes past `end` belong to later lines. */
  lineBytes(buf: Buffer, start: number, end: number, lineNo: number, last: boolean): void;
}

/**
 * splitLines without decoding: the same lines, line numbers and overlong handling, handed out
 * as byte ranges of each chunk, so the parser decodes only the few strings it keeps.
 */
export async function splitByteLines(
  chunks: AsyncIterable<Uint8Array>,
  sink: ByteLineSink,
  onBytes?: (bytes: number) => void,
): Promise<SplitStats> {
  const stats: SplitStats = { bytes: 0, lines: 0, overlong: [] };
  let carry: Buffer | null = null;
  let skipping = false;
  let lineNo = 0;
  for await (const chunk of chunks) {
    stats.bytes += chunk.length;
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let start = 0;
    if (skipping) {
      const nl0 = buf.indexOf(10);
      if (nl0 < 0) continue;
      skipping = false;
      start = nl0 + 1;
    }
    const nl = buf.lastIndexOf(10);
    if (nl < start) {
      carry = carry ? Buffer.concat([carry, buf.subarray(start)]) : Buffer.from(buf.subarray(start));
      if (carry.length > MAX_LINE_BYTES) {
        lineNo++;
        stats.overlong.push({ line: lineNo, preview: carry.subarray(0, 120).toString('latin1') });
        carry = null;
        skipping = true;
      }
      onBytes?.(stats.bytes);
      continue;
    }
    if (carry) {
      const nl0 = buf.indexOf(10, start);
      const first = Buffer.concat([carry, buf.subarray(start, nl0)]);
      lineNo++;
      sink.lineBytes(first, 0, first.length, lineNo, false);
      start = nl0 + 1;
    }
    // The tail after the last newline is copied now: the chunk may be reused by the reader.
    carry = nl + 1 < buf.length ? Buffer.from(buf.subarray(nl + 1)) : null;
    let a = start;
    while (a <= nl) {
      const n = buf.indexOf(10, a);
      lineNo++;
      sink.lineBytes(buf, a, n, lineNo, false);
      a = n + 1;
    }
    onBytes?.(stats.bytes);
  }
  if (carry && carry.length) {
    lineNo++;
    sink.lineBytes(carry, 0, carry.length, lineNo, true);
  }
  stats.lines = lineNo;
  return stats;
}
