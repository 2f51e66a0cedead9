import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../src/ingest/open.js';
import { readDatBytes } from '../src/ingest/dat/index.js';
import { parseLayout } from '../src/ingest/dat/layout.js';
import type { TraceTables } from '../src/tables/index.js';
import { REPO_DIR } from './helpers/shared.js';

// Bad input: clear InputErrors with byte offsets for broken metadata; intact CPUs and pages
// still read, with warnings and lost windows, for broken data; seeded fuzzing never crashes or hangs.

const FIX = resolve(REPO_DIR, 'test/fixtures/dat');
const V7 = new Uint8Array(readFileSync(resolve(FIX, 'host-v7-zstd.dat')));
const V6 = new Uint8Array(gunzipSync(readFileSync(resolve(FIX, 'host-v6.dat.gz'))));
const ZLIB = new Uint8Array(readFileSync(resolve(FIX, 'host-v7-zlib.dat')));

const read = (b: Uint8Array): TraceTables => readDatBytes(b, 'bad.dat').machines[0]!;
const errorOf = (b: Uint8Array): InputError => {
  try {
    read(b);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
};
const cpuEvents = (m: TraceTables, cpu: number) => {
  const c = m.cpus;
  for (let i = 0; i < c.length; i++) if (c.cols.cpu[i] === cpu) return c.cols.events[i]!;
  return 0;
};

describe('trace-cmd .dat bad input', () => {
  it('wrong magic -> InputError at byte 0', () => {
    const b = V7.slice();
    b[1] = 0x99;
    const e = errorOf(b);
    expect(e.message).toMatch(/^bad\.dat at byte 0: not a trace-cmd \.dat file \(bad magic\)/);
    expect(e.where?.offset).toBe(0);
  });

  it('unsupported version -> InputError naming it', () => {
    const b = V7.slice();
    b[10] = '9'.charCodeAt(0);
    expect(errorOf(b).message).toMatch(/bad\.dat at byte 10: unsupported trace-cmd file version "9"/);
  });

  it('file truncated inside the metadata -> InputError with the offset', () => {
    for (const src of [V6, V7]) {
      const e = errorOf(src.subarray(0, 2000));
      expect(e.message).toMatch(/truncated|beyond the end|outside the file/);
      expect(e.where?.offset).toBeGreaterThan(0);
      expect(e.where!.offset!).toBeLessThanOrEqual(src.length);
    }
  });

  it('v6 truncated in CPU 1 data: CPU 0 intact, CPU 1 pages before the cut read, loss reported', () => {
    const full = read(V6);
    const l = parseLayout(V6);
    const cpu1 = l.buffers[0]!.cpus[1]!;
    const cut = cpu1.offset + 3 * l.pageSize + 100;
    const m = read(V6.subarray(0, cut));
    expect(cpuEvents(m, 0)).toBe(cpuEvents(full, 0));
    expect(cpuEvents(m, 1)).toBeGreaterThan(0);
    expect(cpuEvents(m, 1)).toBeLessThan(cpuEvents(full, 1));
    expect(m.meta.warnings.some((w) => /CPU 1: file ends at byte \d+.*truncated/.test(w))).toBe(true);
    expect(m.meta.lost.some((w) => w.cpu === 1 && w.kind === 'truncated')).toBe(true);
  });

  it('v7 cut inside the data loses the options written after it -> InputError at that offset', () => {
    const l = parseLayout(V7);
    const last = l.buffers[0]!.cpus[l.buffers[0]!.cpus.length - 1]!;
    const e = errorOf(V7.subarray(0, last.offset + 100));
    expect(e.message).toMatch(/outside the file|truncated/);
    expect(e.where?.offset).toBeGreaterThan(0);
  });

  it('v7 corrupt zstd chunk: the chunks before it are read, the loss is reported', () => {
    const full = read(V7);
    const l = parseLayout(V7);
    const last = l.buffers[0]!.cpus[l.buffers[0]!.cpus.length - 1]!;
    const b = V7.slice();
    const mid = last.offset + Math.floor(last.size / 2);
    for (let i = 0; i < 64; i++) b[mid + i] = 0xff;
    const m = read(b);
    expect(cpuEvents(m, 0)).toBe(cpuEvents(full, 0));
    expect(cpuEvents(m, last.cpu)).toBeGreaterThan(0);
    expect(cpuEvents(m, last.cpu)).toBeLessThan(cpuEvents(full, last.cpu));
    expect(m.meta.warnings.some((w) => new RegExp(`CPU ${last.cpu}: .*at byte \\d+; the pages before it are read`).test(w))).toBe(true);
    expect(m.meta.lost.some((w) => w.cpu === last.cpu && w.kind === 'truncated')).toBe(true);
  });

  it('corrupt page commit size: that page is skipped with a corrupt window, the rest decode', () => {
    const full = read(V6);
    const l = parseLayout(V6);
    const cpu0 = l.buffers[0]!.cpus[0]!;
    const b = V6.slice();
    const page = cpu0.offset + 2 * l.pageSize;
    new DataView(b.buffer).setUint32(page + 8, 0x07ffffff, true); // commit size > page
    const m = read(b);
    const w = m.meta.lost.find((x) => x.kind === 'corrupt');
    expect(w?.cpu).toBe(0);
    expect(w?.detail).toMatch(new RegExp(`page at byte ${page}: commit size \\d+ exceeds the page`));
    expect(cpuEvents(m, 0)).toBeLessThan(cpuEvents(full, 0));
    expect(cpuEvents(m, 0)).toBeGreaterThan(cpuEvents(full, 0) * 0.5);
    expect(cpuEvents(m, 1)).toBe(cpuEvents(full, 1));
  });

  it('unknown event ids are counted as unparsed, not dropped silently', () => {
    const l = parseLayout(V6);
    const cpu0 = l.buffers[0]!.cpus[0]!;
    const b = V6.slice();
    const dv = new DataView(b.buffer);
    // First event of the first page: header word, then common_type.
    const ev = cpu0.offset + 16;
    const typeLen = dv.getUint32(ev, true) & 31;
    dv.setUint16(ev + (typeLen === 0 ? 8 : 4), 0xfffe, true);
    const m = read(b);
    expect(m.meta.unparsed.count).toBeGreaterThan(0);
    expect(m.meta.unparsed.examples.some((x) => /event id 65534/.test(x.text))).toBe(true);
  });
});

/** mulberry32: a tiny seeded PRNG so that failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('trace-cmd .dat fuzz (seeded truncation and mutation)', () => {
  const sources: Array<[string, Uint8Array]> = [
    ['v6', V6],
    ['v7-zstd', V7],
    ['v7-zlib', ZLIB],
  ];
  for (const [name, src] of sources) {
    it(`${name}: 120 mutants each decode or fail with InputError, none hangs`, () => {
      const rand = rng(0xda70 ^ name.length);
      const started = performance.now();
      let ok = 0;
      let rejected = 0;
      for (let iter = 0; iter < 120; iter++) {
        let b: Uint8Array;
        const mode = iter % 3;
        if (mode === 0) {
          b = src.subarray(0, Math.floor(rand() * src.length));
        } else {
          b = src.slice();
          const n = 1 + Math.floor(rand() * 16);
          // Bias half the mutations into the first 20 KB, where the metadata lives.
          for (let k = 0; k < n; k++) {
            const at = mode === 1 ? Math.floor(rand() * Math.min(b.length, 20000)) : Math.floor(rand() * b.length);
            b[at] = Math.floor(rand() * 256);
          }
        }
        const t0 = performance.now();
        try {
          const m = read(b);
          expect(Array.isArray(m.meta.warnings)).toBe(true);
          ok++;
        } catch (e) {
          if (!(e instanceof InputError)) throw new Error(`${name} mutant ${iter}: ${(e as Error).stack}`);
          expect(e.message).toMatch(/^bad\.dat/);
          rejected++;
        }
        expect(performance.now() - t0).toBeLessThan(5000);
      }
      expect(ok + rejected).toBe(120);
      expect(performance.now() - started).toBeLessThan(25000);
    });
  }
});
