import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import zlib from 'node:zlib';
import { zstdFrames, zstdFramesAsync } from '../src/ingest/dat/zstd.js';

// The v7 reader decompresses every CPU's zstd chunks on background `zstd` processes when they are
// large (fixtures are too small to reach that path). It must give exactly the bytes of the
// synchronous path, and decline (null) whenever it cannot, so the caller falls back.

const HAS_ZSTD = spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
// Node >= 22.15 has zstd built in; the reader then never spawns the command.
const NATIVE = typeof (zlib as unknown as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';
const RUN = HAS_ZSTD && !NATIVE;
if (!RUN) process.stderr.write(`SKIPPED background zstd tests: ${NATIVE ? 'node:zlib has zstd, the command path is unused' : 'the `zstd` command is not installed'}\n`);

function compress(data: Uint8Array): Uint8Array {
  const r = spawnSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error('zstd failed');
  return r.stdout;
}

/** Deterministic, poorly compressible pages (an LCG), so the frames exceed the 64 KB threshold. */
function pages(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = (x >>> 24) & (i % 7 === 0 ? 0xff : 0x3f);
  }
  return out;
}

describe.skipIf(!RUN)('background zstd decompression of .dat chunks', () => {
  const raw = [pages(300_000, 1), pages(123_456, 2), pages(4096, 3)];
  const frames = raw.map(compress);
  const sizes = raw.map((r) => r.length);

  it('gives exactly the bytes of the synchronous path', async () => {
    const sync = zstdFrames(frames, sizes);
    expect(sync.decoder).toBe('zstd-cli');
    const bg = await zstdFramesAsync(frames, sizes);
    expect(bg).not.toBeNull();
    expect(Buffer.from(bg!).equals(Buffer.concat(sync.out))).toBe(true);
    expect(Buffer.from(bg!).equals(Buffer.concat(raw))).toBe(true);
  });

  it('declines small input, wrong sizes and corrupt frames (the caller then falls back)', async () => {
    expect(zstdFramesAsync([frames[2]!], [sizes[2]!])).toBeNull();
    expect(await zstdFramesAsync(frames, sizes.map((s, i) => (i === 0 ? s + 1 : s)))).toBeNull();
    const bad = frames.map((f) => Uint8Array.from(f));
    bad[0]![Math.floor(bad[0]!.length / 2)]! ^= 0xff;
    expect(await zstdFramesAsync(bad, sizes)).toBeNull();
  });
});
