import { open } from 'node:fs/promises';

/**
 * An uncompressed file's bytes in chunks read into two reused buffers. A chunk is valid until
 * the next is requested, which is all the line splitter needs (it copies a partial last line).
 * A fresh megabyte per chunk, as a read stream gives, is external memory that kept triggering
 * full collections over a large file. The next chunk is read while the caller parses this one.
 */
export async function* reusedFileChunks(path: string, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r');
  const bufs = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)];
  let pending: Promise<{ bytesRead: number }> | null = null;
  try {
    let k = 0;
    pending = fh.read(bufs[0]!, 0, chunkSize, null);
    for (;;) {
      const done: { bytesRead: number } = await pending!;
      const bytesRead = done.bytesRead;
      pending = null;
      if (bytesRead === 0) return;
      const buf = bufs[k]!;
      k ^= 1;
      // The other buffer was handed out last time and the caller has moved on from it.
      if (bytesRead === chunkSize) pending = fh.read(bufs[k]!, 0, chunkSize, null);
      yield bytesRead === chunkSize ? buf : buf.subarray(0, bytesRead);
      if (bytesRead < chunkSize) pending = fh.read(bufs[k]!, 0, chunkSize, null);
    }
  } finally {
    // A read still in flight (the caller stopped early) must finish before the file is closed.
    if (pending) await pending.catch(() => undefined);
    await fh.close();
  }
}
