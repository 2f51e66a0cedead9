import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { gzipSync, gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingest, InputError } from '../src/ingest/index.js';
import { readTextTrace } from '../src/ingest/text/readTextTrace.js';
import type { TraceFormat } from '../src/tables/index.js';
import { fixture } from './ingest-text-rows.js';
import { HAS_SHARED, REPO_DIR, sharedPath } from './helpers/shared.js';

// Bad input: clear InputErrors naming the file (and line), counted unparsed lines, and a seeded
// fuzz run over truncated and mutated real inputs that must never crash or hang.

const dir = await mkdtemp(join(tmpdir(), 'vr-text-bad-'));
let n = 0;
async function tmp(content: string | Uint8Array, ext = '.txt'): Promise<string> {
  const p = join(dir, `f${n++}${ext}`);
  await writeFile(p, content);
  return p;
}

async function inputError(path: string): Promise<InputError> {
  try {
    await ingest(path);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message.startsWith(path)).toBe(true);
    return e as InputError;
  }
  throw new Error(`expected ${path} to fail`);
}

const GOOD = await readFile(fixture('ftrace-tgid7-flags5.txt'), 'utf8');
const SAMPLE_TEXT = gunzipSync(await readFile(join(REPO_DIR, 'traces/samples/host-ftrace-sample.txt.gz'))).toString('utf8');

describe('bad input', () => {
  it('empty file, binary garbage, unknown text, header only', async () => {
    expect((await inputError(await tmp(''))).message).toMatch(/file is empty/);
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) & 0xff);
    expect((await inputError(await tmp(garbage, '.bin'))).message).toMatch(/unknown format: binary data/);
    expect((await inputError(await tmp('hello\nworld\n'))).message).toMatch(/unknown format: text/);
    const header = GOOD.split('\n').filter((l) => l.startsWith('#')).join('\n') + '\n';
    expect((await inputError(await tmp(header))).message).toMatch(/no trace events found/);
  });

  it('a text trace starting with blank lines is still text (0x0a also starts a protobuf packet)', async () => {
    const t = await ingest(await tmp('\n\n' + GOOD));
    expect(t.format).toBe('ftrace-text');
    expect(t.machines[0]!.meta.eventCounts['sched_switch']).toBe(3);
    const pretty = await readFile(fixture('trace-cmd-pretty.txt'), 'utf8');
    expect((await ingest(await tmp('\n' + pretty))).format).toBe('trace-cmd-report');
  });

  it('truncated gzip names the file', async () => {
    const gz = gzipSync(Buffer.from(SAMPLE_TEXT));
    const e = await inputError(await tmp(gz.subarray(0, gz.length >> 1), '.gz'));
    expect(e.message).toMatch(/gzip stream is corrupt or truncated/);
  });

  it('a file cut mid-line: the rest ingests, the cut line is counted with its line number', async () => {
    const cut = GOOD.slice(0, GOOD.indexOf('prev_state=R+'));
    const t = await ingest(await tmp(cut));
    const m = t.machines[0]!;
    expect(m.meta.eventCounts['sched_switch']).toBe(2);
    expect(m.meta.unparsed.count).toBe(1);
    expect(m.meta.unparsed.examples[0]).toMatchObject({ line: 21, reason: 'truncated last line' });
    expect(m.meta.warnings.join('\n')).toMatch(/ends in the middle of line 21/);
  });

  it('unparseable lines are counted with examples, the rest still ingests; --strict makes them fatal', async () => {
    const lines = GOOD.split('\n');
    lines.splice(14, 0, 'this is not a trace line');
    lines.splice(16, 0, '       CPU 0/KVM-150790  ( 150742) [002] d..2.  5000.000160: sched_switch: prev_comm=oops');
    lines.splice(18, 0, 'bin\x00\x01\x02ary');
    const p = await tmp(lines.join('\n'));
    const m = (await ingest(p)).machines[0]!;
    expect(m.meta.eventCounts['sched_switch']).toBe(3);
    expect(m.meta.unparsed.count).toBe(3);
    expect(m.meta.unparsed.examples.map((x) => [x.line, x.reason])).toEqual([
      [15, 'not an event line'],
      [17, 'malformed sched_switch payload'],
      [19, 'binary data'],
    ]);
    expect(m.meta.warnings.join('\n')).toMatch(/3 line\(s\) could not be parsed \(first at line 15/);
    await expect(ingest(p, { strict: true })).rejects.toThrow(new RegExp(`^${p}:15: not an event line`));
  });

  it('a megabyte without a newline is reported, not buffered forever', async () => {
    const big = GOOD + 'x'.repeat(3 << 20) + '\n' + GOOD.split('\n').slice(12).join('\n');
    const m = (await ingest(await tmp(big))).machines[0]!;
    expect(m.meta.unparsed.examples.some((x) => x.reason?.startsWith('line too long'))).toBe(true);
    expect(m.meta.eventCounts['sched_switch']).toBe(6);
  });

  it('implausible header CPU counts are ignored with a warning', async () => {
    const m = (await ingest(await tmp(GOOD.replace('#P:4', '#P:4000000000')))).machines[0]!;
    expect(m.meta.cpuCount).toBe(4); // from the events (CPUs 0-3)
    expect(m.meta.warnings.join('\n')).toMatch(/implausible CPU count 4000000000/);
  });
});

/** mulberry32: small seeded PRNG so the fuzz run is the same every time. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(src);
  switch (Math.floor(rnd() * 5)) {
    case 0: // truncate
      return b.subarray(0, Math.floor(rnd() * b.length));
    case 1: // flip bytes
      for (let k = 0; k < 1 + rnd() * 40; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      return b;
    case 2: {
      // splice in random binary
      const at = Math.floor(rnd() * b.length);
      const junk = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256)));
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
    }
    case 3: {
      // shuffle and duplicate lines (time goes backwards)
      const lines = b.toString('latin1').split('\n');
      for (let k = 0; k < 20; k++) {
        const i = Math.floor(rnd() * lines.length);
        const j = Math.floor(rnd() * lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      return Buffer.from(lines.join('\n'), 'latin1');
    }
    default: {
      // replace digits and separators the scanner depends on
      const chars = '[]()-:.0123456789 \t\r#=>|';
      for (let k = 0; k < 1 + rnd() * 60; k++) b[Math.floor(rnd() * b.length)] = chars.charCodeAt(Math.floor(rnd() * chars.length));
      return b;
    }
  }
}

describe('fuzz: truncated and mutated real inputs never crash or hang', () => {
  // The text readers are called directly: format detection has its own tests above, and a
  // mutated head may legitimately look like another format.
  const sources: Array<[string, TraceFormat, () => Promise<Buffer>]> = [
    ['host sample', 'ftrace-text', async () => Buffer.from(SAMPLE_TEXT.slice(0, 30000))],
    ['fixture', 'ftrace-text', async () => Buffer.from(GOOD)],
    ['trace-cmd pretty fixture', 'trace-cmd-report', () => readFile(fixture('trace-cmd-pretty.txt'))],
    ['trace-cmd multi fixture', 'trace-cmd-report', () => readFile(fixture('trace-cmd-multi.txt'))],
    ['systrace html fixture', 'systrace-html', () => readFile(fixture('systrace-two-blocks.html'))],
    ['legacy html fixture', 'systrace-html', () => readFile(fixture('systrace-legacy.html'))],
  ];
  if (HAS_SHARED) {
    sources.push(['atrace-test', 'atrace', async () => (await readFile(sharedPath('traces-public/tracecompass-incubator/atrace-test.txt'))).subarray(0, 30000)]);
    sources.push(['trace-cmd raw', 'trace-cmd-report', async () => (await readFile(sharedPath('traces-public/lisa/trace-cmd-report-raw_trace.txt'))).subarray(0, 30000)]);
  }
  for (const [name, format, load] of sources) {
    it(name, async () => {
      const src = await load();
      const rnd = prng(0xc0ffee ^ name.length);
      let ok = 0;
      let rejected = 0;
      for (let k = 0; k < 60; k++) {
        const p = await tmp(mutate(src, rnd));
        try {
          const t = await readTextTrace(p, format);
          for (const m of t.machines) {
            expect(m.meta.unparsed.count).toBeGreaterThanOrEqual(0);
            expect(Number.isFinite(m.meta.startNs) && Number.isFinite(m.meta.endNs)).toBe(true);
            const total = Object.values(m.meta.eventCounts).reduce((a, b) => a + b, 0);
            expect(total).toBeGreaterThan(0);
          }
          ok++;
        } catch (e) {
          if (!(e instanceof InputError)) throw new Error(`${name} mutation ${k} crashed: ${(e as Error).stack}`);
          rejected++;
        }
      }
      expect(ok + rejected).toBe(60);
      expect(ok).toBeGreaterThan(0);
    });
  }
});
