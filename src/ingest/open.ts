import { createReadStream } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import { createGunzip, createInflate } from 'node:zlib';
import { Readable } from 'node:stream';
import { spawn, spawnSync } from 'node:child_process';
import { Decompress as ZstdDecompress } from 'fzstd';

// Opening an input: transparent gzip / zstd / zlib, so readers only ever see the real bytes.

export type Compression = 'none' | 'gzip' | 'zstd' | 'zlib';

export class InputError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly where?: { line?: number; offset?: number },
  ) {
    const loc = where?.line !== undefined ? `:${where.line}` : where?.offset !== undefined ? ` at byte ${where.offset}` : '';
    super(`${file}${loc}: ${message}`);
    this.name = 'InputError';
  }
}

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

export async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await openFile(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Stream a file's decompressed bytes in chunks. */
export async function* openBytes(path: string, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  try {
    await stat(path);
  } catch {
    throw new InputError(path, 'no such file');
  }
  const head = await readHead(path, 4);
  const comp = detectCompression(head);
  const raw = createReadStream(path, { highWaterMark: chunkSize });
  if (comp === 'none') {
    for await (const chunk of raw) yield chunk as Buffer;
    return;
  }
  if (comp === 'gzip') {
    const gunzip = createGunzip();
    raw.pipe(gunzip);
    raw.on('error', (e) => gunzip.destroy(e));
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (e) {
      throw new InputError(path, `gzip stream is corrupt or truncated (${(e as Error).message})`);
    }
    return;
  }
  if (zstdCliAvailable()) {
    yield* zstdViaCli(path);
    return;
  }
  // No zstd command: fzstd's streaming decoder (pure JS, ~4x slower) pushes output through a
  // callback; queue it between reads.
  const out: Uint8Array[] = [];
  const dec = new ZstdDecompress((chunk) => {
    out.push(chunk);
  });
  let ended = false;
  try {
    for await (const chunk of raw) {
      dec.push(chunk as Buffer);
      while (out.length) yield out.shift()!;
    }
    dec.push(new Uint8Array(0), true);
    ended = true;
  } catch (e) {
    throw new InputError(path, `zstd stream is corrupt or truncated (${(e as Error).message})`);
  }
  while (out.length) yield out.shift()!;
  if (!ended) throw new InputError(path, 'zstd stream ended early');
}

let zstdCli: boolean | null = null;
/** Whether Debian's `zstd` command is installed (checked once per process). */
export function zstdCliAvailable(): boolean {
  return (zstdCli ??= spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0);
}

/** Stream `zstd -dc FILE` (Debian's zstd, when installed): several times faster than pure JS. */
async function* zstdViaCli(path: string): AsyncGenerator<Uint8Array> {
  const child = spawn('zstd', ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 2000) stderr += d;
  });
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  let drained = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    drained = true;
  } finally {
    // The consumer stopped early (sniffing reads only the head): stop zstd too.
    if (!drained) child.kill();
  }
  const code = await exited;
  if (code !== 0) {
    const why = (stderr.trim().split('\n').pop() ?? '').split(' : ').slice(1).join(': ');
    throw new InputError(path, `zstd stream is corrupt or truncated (${why || `zstd exited with ${code}`})`);
  }
}

/** Whole decompressed file in memory (for formats that need random access, e.g. trace.dat). */
export async function readAllBytes(path: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of openBytes(path)) {
    parts.push(c);
    n += c.length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
}

/** First `n` decompressed bytes, for format sniffing. */
export async function sniffBytes(path: string, n = 64 * 1024): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  const it = openBytes(path, 64 * 1024);
  try {
    for await (const c of it) {
      parts.push(c);
      got += c.length;
      if (got >= n) break;
    }
  } finally {
    await it.return(undefined);
  }
  return Buffer.concat(parts).subarray(0, n);
}

export { Readable, createInflate };
