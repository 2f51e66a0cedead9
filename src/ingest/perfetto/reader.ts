import { stat } from 'node:fs/promises';
import { detectCompression, openBytes, readHead, InputError } from '../open.js';
import { registerReader, type IngestOptions, type TraceReader } from '../registry.js';
import type { Trace } from '../../tables/index.js';
import { PerfettoDecoder } from './decoder.js';
import { FramingError, PacketSplitter } from './framing.js';

// The `perfetto` format reader: streams the (optionally gzipped) file packet by packet.

/** A Perfetto trace starts with field 1 (TracePacket), length-delimited: 0x0A, then a varint length. */
export function sniffPerfetto(head: Uint8Array): boolean {
  if (head.length < 3 || head[0] !== 0x0a) return false;
  let p = 1;
  let len = 0;
  let mul = 1;
  for (; p < Math.min(head.length, 6); p++) {
    len += (head[p]! & 0x7f) * mul;
    mul *= 128;
    if (head[p]! < 0x80) break;
  }
  if (p >= 6 || len === 0) return false;
  // The packet's first field must be a plausible tag: a valid wire type and a non-zero field.
  const t = head[p + 1];
  if (t === undefined) return true;
  const wt = t & 7;
  return (wt === 0 || wt === 1 || wt === 2 || wt === 5) && t >> 3 !== 0;
}

export async function readPerfetto(path: string, opts: IngestOptions = {}): Promise<Trace> {
  const dec = new PerfettoDecoder(path, opts);
  const splitter = new PacketSplitter((buf, s, e, off) => dec.packet(buf, s, e, off));
  let total: number | null = null;
  try {
    const comp = detectCompression(await readHead(path, 4));
    if (comp === 'none') total = (await stat(path)).size;
  } catch {
    // openBytes reports a missing file
  }
  let done = 0;
  let framingFailed = false;
  for await (const chunk of openBytes(path)) {
    done += chunk.length;
    try {
      splitter.push(chunk);
    } catch (e) {
      if (!(e instanceof FramingError)) throw e;
      dec.reportBroken(`${e.message}; the rest of the file is not read`, e.offset, 'corrupt');
      framingFailed = true;
      break;
    }
    opts.onProgress?.(done, total);
  }
  if (!framingFailed) {
    try {
      splitter.end();
    } catch (e) {
      if (!(e instanceof FramingError)) throw e;
      dec.reportBroken(e.message, e.offset, 'truncated');
    }
  }
  if (dec.packets === 0 && !framingFailed) throw new InputError(path, 'no Perfetto packets in file', { offset: 0 });
  return dec.finish();
}

export const perfettoReader: TraceReader = {
  format: 'perfetto',
  priority: 50,
  sniff: (head) => sniffPerfetto(head),
  read: readPerfetto,
};

registerReader(perfettoReader);
