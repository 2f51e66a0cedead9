import { stat } from 'node:fs/promises';
import { detectCompression, openBytes, readHead, InputError } from '../open.js';
import { registerReader, type IngestOptions, type TraceReader } from '../registry.js';
import type { Trace } from '../../tables/index.js';
import { PerfettoDecoder } from './decoder.js';
import { FramingError, PacketSplitter } from './framing.js';
import { WireError, WireReader } from './wire.js';

// The `perfetto` format reader: streams the (optionally gzipped) file packet by packet.

/**
 * A Perfetto trace is `repeated TracePacket packet = 1`: it starts with 0x0A and a length, and the
 * packet's own fields must parse. Checking the fields (not just the first byte) keeps text that
 * happens to start with a newline (0x0A) from being taken for protobuf.
 */
export function sniffPerfetto(head: Uint8Array): boolean {
  if (head.length < 2 || head[0] !== 0x0a) return false;
  const r = new WireReader(head, 0, head.length);
  let packets = 0;
  try {
    while (r.pos < head.length && packets < 8) {
      if (r.varint() !== 0x0a) return packets > 0; // other top-level fields may follow a packet
      const n = r.varint();
      const start = r.pos;
      const cut = start + n > head.length;
      if (!fieldsParse(head, start, cut ? head.length : start + n, cut)) return false;
      packets++;
      r.pos = start + n;
    }
  } catch (e) {
    if (!(e instanceof WireError)) throw e; // a varint cut by the end of the head
  }
  return packets > 0;
}

/** Do the bytes [s, e) parse as protobuf fields? `cut`: the message goes on past e. */
function fieldsParse(b: Uint8Array, s: number, e: number, cut: boolean): boolean {
  const r = new WireReader(b, s, e);
  let fields = 0;
  try {
    while (r.pos < e) {
      const t = r.varint();
      const wt = t & 7;
      if (t < 8 || wt === 3 || wt === 4 || wt > 5) return false;
      if (wt === 2) {
        const len = r.varint();
        if (r.pos + len > e) return cut;
        r.pos += len;
      } else if (wt === 0) r.varint();
      else if ((r.pos += wt === 1 ? 8 : 4) > e) return cut;
      fields++;
    }
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    return cut && fields > 0;
  }
  return fields > 0;
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
