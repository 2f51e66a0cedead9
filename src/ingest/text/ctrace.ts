import { createInflate } from 'node:zlib';
import { Readable } from 'node:stream';

// Android compressed atrace (`atrace -z`, "ctrace"): optional preamble, `TRACE:\n`, then a zlib
// stream of the text trace (formats.md §1.7).

const MARK = 'TRACE:\n';

/** Offset of the zlib stream when the head is a compressed atrace, else -1. */
export function ctraceDataOffset(head: Uint8Array): number {
  const text = Buffer.from(head.subarray(0, 512)).toString('latin1');
  const at = text.indexOf(MARK);
  if (at < 0 || !/^(?:capturing trace\.\.\.(?: done)?\r?\n)*$/.test(text.slice(0, at))) return -1;
  const z = at + MARK.length;
  return head[z] === 0x78 ? z : -1;
}

/** The inflated text of a compressed atrace, as byte chunks. */
export async function* inflateCtrace(bytes: AsyncIterable<Uint8Array>, offset: number, file: string): AsyncGenerator<Uint8Array> {
  async function* body(): AsyncGenerator<Uint8Array> {
    let skip = offset;
    for await (const c of bytes) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      yield skip ? c.subarray(skip) : c;
      skip = 0;
    }
  }
  const inflate = createInflate();
  const src = Readable.from(body());
  src.on('error', (e) => inflate.destroy(e));
  src.pipe(inflate);
  try {
    for await (const c of inflate) yield c as Buffer;
  } catch (e) {
    throw Object.assign(new Error(`${file}: compressed atrace (zlib) stream is corrupt or truncated (${(e as Error).message})`), { cause: e });
  }
}
