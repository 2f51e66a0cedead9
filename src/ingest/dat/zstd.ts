import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';
import { zstdCliAvailable } from '../open.js';

// zstd for v7 .dat chunks. fzstd (pure JS) decodes ~50 MB/s, which would dominate reading a
// big trace, so a native decoder is used when one is there: node:zlib's zstd (Node >= 22.15),
// else the `zstd` command (one process for all of a CPU's frames: zstd decodes concatenated
// frames into the concatenated output), else fzstd. All three give identical bytes. readDat()
// runs the command in the background instead (zstdStream.ts).

type NativeZstd = (b: Uint8Array) => Uint8Array;
const nativeZstd = (zlib as unknown as { zstdDecompressSync?: NativeZstd }).zstdDecompressSync;

/** Below this many compressed bytes the process spawn costs more than fzstd. */
const CLI_MIN_BYTES = 64 << 10;

export type ZstdDecoder = 'node:zlib' | 'zstd-cli' | 'fzstd';

/** node:zlib decodes zstd in this process: no background command is worth starting. */
export function hasNativeZstd(): boolean {
  return !!nativeZstd;
}

/** Decompress independent zstd frames; returns one output per frame, or throws. */
export function zstdFrames(frames: Uint8Array[], sizes: number[]): { out: Uint8Array[]; decoder: ZstdDecoder } {
  if (nativeZstd) return { out: frames.map((f) => nativeZstd(f)), decoder: 'node:zlib' };
  let total = 0;
  for (const f of frames) total += f.length;
  if (total >= CLI_MIN_BYTES && zstdCliAvailable()) {
    const input = Buffer.concat(frames, total);
    // Output goes through a temp file: Node reads a large pipe in small chunks, which costs
    // more CPU than the decompression itself.
    const dir = mkdtempSync(join(tmpdir(), 'vcpu-replay-zstd-'));
    const outFile = join(dir, 'out');
    try {
      const r = spawnSync('zstd', ['-d', '-q', '-f', '-o', outFile], { input, stdio: ['pipe', 'ignore', 'ignore'] });
      const want = sizes.reduce((a, b) => a + b, 0);
      const data = r.status === 0 ? readFileSync(outFile) : null;
      if (data && data.length === want) {
        const out: Uint8Array[] = [];
        let o = 0;
        for (const s of sizes) {
          out.push(data.subarray(o, o + s));
          o += s;
        }
        return { out, decoder: 'zstd-cli' };
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Corrupt input: fall through so that fzstd pinpoints the bad frame.
  }
  return { out: frames.map((f, i) => fzstdDecompress(f, new Uint8Array(sizes[i]!))), decoder: 'fzstd' };
}
