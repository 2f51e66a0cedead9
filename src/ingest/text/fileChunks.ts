import { open } from 'node:fs/promises';

/**
 * An uncompressed file's bytes in chunks read into one reused buffer. A chunk is valid until the
 * next is requested, which is all the line splitter needs (it copies a partial last line). A
 * fresh megabyte per chunk, as a read stream gives, is external memory that keeps triggering
 * full collections over a large file.
 */
export async function* reusedFileChunks(path: string, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) return;
      yield bytesRead === chunkSize ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
