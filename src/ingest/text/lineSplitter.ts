import { isAscii } from 'node:buffer';
// Splits a stream of byte chunks into lines without one string per line: each chunk (cut at its
// last newline) is decoded once and lines are handed out as [start, end) ranges of that string.
// Sinks must keep every search inside the range (scan.ts find/keyAt) and copy what they store.

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

export async function splitLines(
  chunks: AsyncIterable<Uint8Array>,
  sink: LineSink,
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
      // Finish the carried partial line on its own instead of copying it in front of the whole chunk.
      const nl0 = buf.indexOf(10, start);
      const first = decode(Buffer.concat([carry, buf.subarray(start, nl0)]));
      lineNo++;
      sink.line(first, 0, first.length, lineNo, false);
      start = nl0 + 1;
    }
    const body = buf.subarray(start, nl + 1);
    carry = nl + 1 < buf.length ? Buffer.from(buf.subarray(nl + 1)) : null;
    const s = decode(body);
    let a = 0;
    for (;;) {
      const n = s.indexOf('\n', a);
      if (n < 0) break;
      lineNo++;
      sink.line(s, a, n, lineNo, false);
      a = n + 1;
    }
    onBytes?.(stats.bytes);
  }
  if (carry && carry.length) {
    lineNo++;
    const s = decode(carry);
    sink.line(s, 0, s.length, lineNo, true);
  }
  stats.lines = lineNo;
  return stats;
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
