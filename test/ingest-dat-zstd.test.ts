import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import zlib from 'node:zlib';
import { zstdFrames } from '../src/ingest/dat/zstd.js';
import { streamTuning } from '../src/ingest/dat/zstdStream.js';
import { compressedChunks, parseLayout } from '../src/ingest/dat/layout.js';
import { Opt } from '../src/ingest/dat/options.js';
import { readDat, readDatBytes } from '../src/ingest/dat/index.js';
import type { TraceTables } from '../src/tables/index.js';
import { REPO_DIR, sharedPath, warnNoShared } from './helpers/shared.js';

// readDat() decompresses v7 zstd pages on one background `zstd` process and decodes each CPU's
// pieces as they arrive (zstdStream.ts); readDatBytes() decompresses everything first. Both must
// give the same tables, warnings and lost windows, also when the stream fails half-way (readDat
// then decodes again synchronously).

const HAS_ZSTD = spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
// Every file this test writes lives under one directory, removed at the end.
const TMP = mkdtempSync(join(tmpdir(), 'vcpu-replay-dat-zstd-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const HAS_TRACE_CMD = spawnSync('trace-cmd', ['--version'], { stdio: 'ignore' }).status !== null;
// Node >= 22.15 has zstd built in; the reader then never spawns the command.
const NATIVE = typeof (zlib as unknown as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';
const RUN = HAS_ZSTD && !NATIVE;
if (!RUN) process.stderr.write(`SKIPPED background zstd tests: ${NATIVE ? 'node:zlib has zstd, the command path is unused' : 'the `zstd` command is not installed'}\n`);

const RTAPP = sharedPath('traces-public/lisa/rtapp_v6_trace.dat');
warnNoShared('ingest-dat-zstd (rtapp converted to v7+zstd)');
const INSTANCE = resolve(REPO_DIR, 'test/fixtures/dat/instance-v7-zstd.dat');

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

/** The machine with the zstd implementation's name left out (the sync path uses fzstd on small chunks). */
function comparable(m: TraceTables): unknown {
  const { zstdDecoder, ...extra } = m.meta.extra as Record<string, unknown>;
  void zstdDecoder;
  return { ...m, meta: { ...m.meta, extra } };
}

const saved = { ...streamTuning };
afterEach(() => Object.assign(streamTuning, saved));

/** rtapp (6 CPUs, 2.7 MB kallsyms, 670 KB event formats) re-encoded by trace-cmd as v7+zstd. */
function rtappV7(): string | null {
  if (!RTAPP || !HAS_TRACE_CMD) return null;
  const out = join(mkdtempSync(join(TMP, 'rtapp-')), 'rtapp-v7.dat');
  const r = spawnSync('trace-cmd', ['convert', '-i', RTAPP, '-o', out, '--file-version', '7', '--compression', 'zstd'], { stdio: 'ignore' });
  return r.status === 0 ? out : null;
}

describe.skipIf(!RUN)('zstd chunks: the command path', () => {
  it('gives exactly the input bytes for concatenated frames', () => {
    const raw = [pages(300_000, 1), pages(123_456, 2), pages(4096, 3)];
    const sync = zstdFrames(raw.map(compress), raw.map((r) => r.length));
    expect(sync.decoder).toBe('zstd-cli');
    expect(Buffer.concat(sync.out).equals(Buffer.concat(raw))).toBe(true);
  });
});

describe.skipIf(!RUN)('readDat: pages decoded while the background zstd runs', () => {
  const rtapp = rtappV7();
  if (!rtapp) process.stderr.write('SKIPPED rtapp v7 stream tests: needs the shared LISA trace and trace-cmd\n');

  it.skipIf(!rtapp)('equals readDatBytes on a real 6-CPU trace, with default and one-chunk pieces', async () => {
    const sync = readDatBytes(readFileSync(rtapp!), rtapp!).machines[0]!;
    expect(Object.values(sync.meta.eventCounts).reduce((a, b) => a + b, 0)).toBe(7820);
    for (const piece of [1 << 20, 4096]) {
      streamTuning.pieceRawBytes = piece;
      streamTuning.maxFeedBytes = piece === 4096 ? 8192 : saved.maxFeedBytes;
      const bg = (await readDat(rtapp!)).machines[0]!;
      expect(bg.meta.extra['zstdDecoder']).toBe('zstd-cli'); // the stream ran
      expect(comparable(bg)).toEqual(comparable(sync));
    }
  });

  it('equals readDatBytes on an instance trace (two buffers merged), streamed in one-chunk pieces', async () => {
    streamTuning.minCompressedBytes = 0;
    streamTuning.pieceRawBytes = 1;
    streamTuning.maxFeedBytes = 1;
    const bg = (await readDat(INSTANCE)).machines[0]!;
    const sync = readDatBytes(readFileSync(INSTANCE), INSTANCE).machines[0]!;
    expect(bg.meta.extra['zstdDecoder']).toBe('zstd-cli');
    expect(sync.meta.extra['buffers']).toHaveLength(2);
    expect(comparable(bg)).toEqual(comparable(sync));
  });

  it.skipIf(!rtapp)('falls back to the synchronous decode when a chunk or a deferred section is corrupt', async () => {
    const bytes = readFileSync(rtapp!);
    const l = parseLayout(bytes);
    const cd = l.buffers[0]!.cpus.find((c) => c.cpu === 1)!;
    const { frames } = compressedChunks(bytes, l, cd);
    expect(frames.length).toBeGreaterThan(2);
    const dir = mkdtempSync(join(TMP, 'bad-'));

    // A frame in the middle of CPU 1: the pages before it are kept and the rest reported.
    const badChunk = Uint8Array.from(bytes);
    const mid = frames[Math.floor(frames.length / 2)]!;
    for (let i = 4; i < mid.length; i += 7) badChunk[mid.byteOffset + i]! ^= 0x5a;
    const f1 = join(dir, 'bad-chunk.dat');
    writeFileSync(f1, badChunk);
    const sync1 = readDatBytes(badChunk, f1).machines[0]!;
    expect(sync1.meta.warnings.some((w) => /^CPU 1: zstd data does not decompress/.test(w))).toBe(true);
    expect(sync1.meta.lost.some((w) => w.kind === 'truncated' && w.cpu === 1)).toBe(true);
    streamTuning.pieceRawBytes = 4096;
    expect(comparable((await readDat(f1)).machines[0]!)).toEqual(comparable(sync1));

    // The kallsyms section (decompressed ahead of the pages): reported and read without it.
    const badSyms = Uint8Array.from(bytes);
    const ks = l.options.sections.get(Opt.KALLSYMS)!;
    for (let i = ks + 40; i < ks + 4000; i += 5) badSyms[i]! ^= 0x5a;
    const f2 = join(dir, 'bad-kallsyms.dat');
    writeFileSync(f2, badSyms);
    const sync2 = readDatBytes(badSyms, f2).machines[0]!;
    expect(sync2.meta.warnings.some((w) => w.startsWith(`kallsyms section at byte ${ks} is unreadable`))).toBe(true);
    expect(comparable((await readDat(f2)).machines[0]!)).toEqual(comparable(sync2));

    // A corrupt event-format section (required): the same error, naming the same byte.
    const badFormats = Uint8Array.from(bytes);
    const ef = l.options.sections.get(Opt.EVENT_FORMATS)!;
    for (let i = ef + 40; i < ef + 4000; i += 5) badFormats[i]! ^= 0x5a;
    const f3 = join(dir, 'bad-formats.dat');
    writeFileSync(f3, badFormats);
    let syncErr = '';
    try {
      readDatBytes(badFormats, f3);
    } catch (e) {
      syncErr = (e as Error).message;
    }
    expect(syncErr).toMatch(/bad-formats\.dat at byte \d+: zstd data does not decompress/);
    await expect(readDat(f3)).rejects.toThrow(syncErr);
  });

  it.skipIf(!rtapp)('streams the intact CPUs and reads a broken chunk list synchronously, as readDatBytes does', async () => {
    const bytes = Uint8Array.from(readFileSync(rtapp!));
    const l = parseLayout(bytes);
    const cd = l.buffers[0]!.cpus.find((c) => c.cpu === 2)!;
    const { frames } = compressedChunks(bytes, l, cd);
    // The compressed size of a chunk in the middle claims more than the file holds.
    const at = frames[Math.floor(frames.length / 2)]!.byteOffset - 8;
    new DataView(bytes.buffer).setUint32(at, 0x7fffffff, true);
    const f = join(mkdtempSync(join(TMP, 'cut-')), 'broken-list.dat');
    writeFileSync(f, bytes);
    streamTuning.pieceRawBytes = 4096;
    const sync = readDatBytes(bytes, f).machines[0]!;
    expect(sync.meta.lost.some((w) => w.kind === 'truncated' && w.cpu === 2)).toBe(true);
    const bg = (await readDat(f)).machines[0]!;
    expect(sync.meta.warnings.some((w) => w.startsWith('CPU 2: truncated: compressed chunk needs 2147483647 bytes'))).toBe(true);
    expect(bg.meta.extra['zstdDecoder']).toBe('zstd-cli'); // CPUs 3-5 (streamed) come after CPU 2
    expect(comparable(bg)).toEqual(comparable(sync));
  });
});
