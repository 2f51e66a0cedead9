import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBytes, sniffBytes, InputError } from '../src/ingest/open.js';

const HAS_ZSTD = spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
if (!HAS_ZSTD) process.stderr.write('SKIPPED zstd CLI cases: the `zstd` command is not installed\n');

async function readAll(path: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of openBytes(path)) parts.push(c);
  return Buffer.concat(parts);
}

describe('openBytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vr-open-'));
  const text = Buffer.from(Array.from({ length: 20000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}\n`).join(''));
  const plain = join(dir, 'a.txt');
  writeFileSync(plain, text);
  writeFileSync(join(dir, 'a.txt.gz'), gzipSync(text));
  writeFileSync(join(dir, 'trunc.gz'), gzipSync(text).subarray(0, 2000));

  it('reads plain and gzip input identically', async () => {
    expect((await readAll(plain)).equals(text)).toBe(true);
    expect((await readAll(join(dir, 'a.txt.gz'))).equals(text)).toBe(true);
    expect(Buffer.from(await sniffBytes(join(dir, 'a.txt.gz'), 10)).toString()).toBe('line 0 \nli');
  });

  it.skipIf(!HAS_ZSTD)('reads zstd input, and names the file when it is truncated', async () => {
    execFileSync('zstd', ['-q', '-f', plain, '-o', join(dir, 'a.zst')]);
    expect((await readAll(join(dir, 'a.zst'))).equals(text)).toBe(true);
    writeFileSync(join(dir, 'trunc.zst'), readFileSync(join(dir, 'a.zst')).subarray(0, 500));
    await expect(readAll(join(dir, 'trunc.zst'))).rejects.toThrow(/trunc\.zst: zstd stream is corrupt or truncated/);
  });

  it('names the file for truncated gzip and missing files', async () => {
    await expect(readAll(join(dir, 'trunc.gz'))).rejects.toThrow(/trunc\.gz: gzip stream is corrupt or truncated/);
    await expect(readAll(join(dir, 'nope'))).rejects.toBeInstanceOf(InputError);
  });
});
