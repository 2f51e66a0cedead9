import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingest } from '../src/ingest/index.js';
import { readTextTrace } from '../src/ingest/text/readTextTrace.js';
import type { TraceFormat } from '../src/tables/index.js';
import { HAS_SHARED, REPO_DIR, sharedPath, warnNoShared } from './helpers/shared.js';
import { fixture } from './ingest-text-rows.js';
import { mutants, traceDigest } from './ingest-text-digest.js';

// The byte-level fast path (issue #3) must give the same tables, row for row, as the string
// parser it replaced. These digests (traceDigest: meta, dictionary and every column) were
// computed by the string-path reader at commit 9404b5f, before the byte path existed, after an
// old-vs-new comparison of 6,024 inputs (every public text/HTML file, fixture and bundled
// capture, the 1M-event bench trace and seeded mutants, default/strict/tscHz/machine modes)
// came out identical. The bundled captures were replaced by quiet-machine re-captures afterwards;
// their digests were computed the same way, by the string-path reader at 9404b5f. A change here
// means the reader's output changed: it is not a number to update without knowing why.

const PUBLIC: Array<[string, string]> = [
  ['traces-public/lisa/trace-cmd-report-pretty_trace_sched.txt', '5c7568aa5d23c89c59fd983ab6f8f4aa'],
  ['traces-public/lisa/trace-cmd-report-raw_trace.txt', 'a594c709041ba503c85d00fbfa933e0f'],
  ['traces-public/tracecompass-incubator/atrace-test.txt', 'f07cee342acbab3f9d452db93608d215'],
  ['traces-public/tracecompass-incubator/trace-android-sched-irq-syscall.txt', '26e8026319d62ae43f127650fa3d9c62'],
  ['traces-public/tracecompass-incubator/trace-android-sched-irq.txt', 'c7dde43ccc8b2c3ac4a335b3c72487a3'],
  ['traces-public/lisa/trace_legacy_systrace.html', '94d199bef50b60ca2f9045649eb25f32'],
  ['traces-public/lisa/trace_surfaceflinger.html', 'c347504ce197658ebc64507c429272fb'],
  ['traces-public/lisa/trace_systrace.html', '934ba1ae9493f5cf443c5a3608d013f8'],
];

const LOCAL: Array<[string, string]> = [
  ['test/fixtures/text/atrace.txt', 'c842c09de308265659325cb4388063ca'],
  ['test/fixtures/text/ftrace-flags4-and-rt8.txt', 'c76fa683c919f2c7ea5efe79c8e58a8a'],
  ['test/fixtures/text/ftrace-payloads.txt', 'b19eab9ea83a6a8345b9bef00208a4d1'],
  ['test/fixtures/text/ftrace-prev-states.txt', '4ad11e2f85b407a5d36ee5b2c06e70ed'],
  ['test/fixtures/text/ftrace-raw-counter.txt', 'a7cf66bacb59ec0c9c11a6a1d78cd655'],
  ['test/fixtures/text/ftrace-tgid7-flags5.txt', 'e76170bac509742387de2b1451068452'],
  ['test/fixtures/text/latency-format.txt', 'ddda74400597b2de1c3f0ddcd6c51a75'],
  ['test/fixtures/text/systrace-legacy.html', 'bf7a343e7c0f2257db967ccfe80380de'],
  ['test/fixtures/text/systrace-two-blocks.html', '057e07b983876077729b657c86e6d5f5'],
  ['test/fixtures/text/trace-cmd-33-flags.txt', '3689c3921d81e825ee179cd32a9fc62c'],
  ['test/fixtures/text/trace-cmd-counter-glued.txt', '259338aee3c9f929574cd64c2089c4ce'],
  ['test/fixtures/text/trace-cmd-multi.txt', '192ca3723faceb29f14213a45ea697a9'],
  ['test/fixtures/text/trace-cmd-ns-tsdiff.txt', 'cc2fd20baab1100a98e509173a5ad720'],
  ['test/fixtures/text/trace-cmd-pretty.txt', '5a4d0aa4bc07d705f7c7a19ae85dbfc0'],
  ['test/fixtures/text/trace-cmd-raw.txt', 'e5346dccf36e5ec350b02e0770a95342'],
  ['test/fixtures/text/trace-pipe-pid5-noflags.txt', 'c461622a6e5db4e1da6d2cd87da13651'],
  ['traces/busy-static-i500/guest0.trace.txt.zst', '8aa1d6fc2491cb1a14aa8bd75e58e779'],
  ['traces/busy-static-i500/host.trace.txt.zst', 'c3ad45a214e70e25403529ae43d04621'],
  ['traces/busy-vanilla-i500/guest0.trace.txt.zst', 'e2c8bbeaf355659fc0d82e1e0bcada2a'],
  ['traces/busy-vanilla-i500/host.trace.txt.zst', '14786fb1ad9eecbe6304f0ef9529b9b9'],
  ['traces/idle-static-i500/guest0.trace.txt.zst', 'a5a5a13f2feaa21c564ed4fdc2ec2b28'],
  ['traces/idle-static-i500/host.trace.txt.zst', '1aae77ece7ddeba032703f7d6064a105'],
  ['traces/idle-vanilla-i500/guest0.trace.txt.zst', '43765e967c4daeeee6b161dce06d8b2f'],
  ['traces/idle-vanilla-i500/host.trace.txt.zst', '3713c657776d59d94538d449f41c086b'],
  ['traces/samples/host-ftrace-sample.txt.gz', '04eb9ea7ca7e8bb91fa3049490533b86'],
];

/** Seeded damaged copies of each fixture (mutants(bytes, 24, 7)), read with and without strict. */
const MUTANTS: Array<[string, string]> = [
  ['atrace.txt', '7f067b999333f88121f736953e125bb4'],
  ['ftrace-flags4-and-rt8.txt', '04078f8bebbcfd333f7aab0ad8984b4e'],
  ['ftrace-payloads.txt', '039d7e6f386821c529479bc79cc89168'],
  ['ftrace-prev-states.txt', '9187f5f63f4105f6d4e18fdee76da662'],
  ['ftrace-raw-counter.txt', 'cd3cd4efaa2a65eb0a3ecdcb144c1b46'],
  ['ftrace-tgid7-flags5.txt', '9000314c8de6e5daf3fb962ab790f21a'],
  ['latency-format.txt', 'f0ec8f00459c424c3016b2ab13726850'],
  ['systrace-legacy.html', 'fb7efc179a9ad5e1f68982d97bfa5ae3'],
  ['systrace-two-blocks.html', '33bfef305aa232faf974a6aaf0e0fffc'],
  ['trace-cmd-33-flags.txt', '689d4bb15bf5e6c0c0ed7835d486cc74'],
  ['trace-cmd-counter-glued.txt', 'ec56aacb3d6fe8bf0dd56a728538a409'],
  ['trace-cmd-multi.txt', 'af1b4dc7010cbe11b0e9a661bc6d83c9'],
  ['trace-cmd-ns-tsdiff.txt', 'a376f457b3a33e139f75894efcb0782b'],
  ['trace-cmd-pretty.txt', 'e094fc132d8b980cb88e0089e3db4fcb'],
  ['trace-cmd-raw.txt', '31b488be7c308829448098f00f6fec98'],
  ['trace-pipe-pid5-noflags.txt', '9c7e5693b0b6384e2463b260022a0a24'],
];

describe('text reader output is unchanged (digests from the verified string-path reader)', () => {
  warnNoShared('public-trace digests');
  it.skipIf(!HAS_SHARED)('public text and HTML traces', async () => {
    for (const [rel, want] of PUBLIC) {
      const p = sharedPath(rel);
      expect([rel, traceDigest(await ingest(p), p)]).toEqual([rel, want]);
    }
  });

  it('fixtures, bundled captures and the sample', async () => {
    for (const [rel, want] of LOCAL) {
      const p = join(REPO_DIR, rel);
      expect([rel, traceDigest(await ingest(p), p)]).toEqual([rel, want]);
    }
  }, 30_000);

  it('seeded damaged fixtures: same rows, unparsed counts, examples and errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vr-text-digest-'));
    for (const [name, want] of MUTANTS) {
      const format: TraceFormat = name.endsWith('.html') ? 'systrace-html' : /atrace/.test(name) ? 'atrace' : /trace-cmd/.test(name) ? 'trace-cmd-report' : 'ftrace-text';
      const h = createHash('sha256');
      let i = 0;
      for (const b of mutants(await readFile(fixture(name)), 24, 7)) {
        const p = join(dir, `${name}.${i++}`);
        await writeFile(p, b);
        for (const strict of [false, true]) {
          try {
            h.update(traceDigest(await readTextTrace(p, format, { strict }), p));
          } catch (e) {
            h.update(String((e as Error).message).split(p).join('<path>'));
          }
        }
      }
      expect([name, h.digest('hex').slice(0, 32)]).toEqual([name, want]);
    }
  });

  it('a multi-megabyte plain file (one reused read buffer) reads as its gzip copy (a fresh buffer per chunk)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vr-text-chunks-'));
    const sample = gunzipSync(await readFile(join(REPO_DIR, 'traces/samples/host-ftrace-sample.txt.gz'))).toString('latin1');
    const lines = sample.split('\n');
    const header = lines.filter((l) => l.startsWith('#'));
    const events = lines.filter((l) => l && !l.startsWith('#'));
    // ~3.5 MB: lines cross the 1 MB chunk boundaries; odd lines and a UTF-8 comm land in later chunks
    const body: string[] = [];
    for (let k = 0; body.length * 120 < 3.5e6; k++) {
      body.push(...events);
      body.push(`garbage line ${k}`, `   kworker/\u00e9-${100 + k}   (  ${100 + k}) [001] d..2.  9${k}.000001: sched_wakeup: comm=x pid=1 prio=1 target_cpu=001`);
    }
    const text = header.join('\n') + '\n' + body.join('\n') + '\n';
    const plain = join(dir, 'big.txt');
    const gz = join(dir, 'big.txt.gz');
    await writeFile(plain, Buffer.from(text, 'utf8'));
    await writeFile(gz, gzipSync(Buffer.from(text, 'utf8')));
    const a = await readTextTrace(plain, 'ftrace-text');
    const b = await readTextTrace(gz, 'ftrace-text');
    expect(a.machines[0]!.meta.unparsed.count).toBeGreaterThan(10);
    expect(a.machines[0]!.sched_wakeup.length).toBeGreaterThan(1000);
    expect(traceDigest(a, plain)).toBe(traceDigest(b, gz));
  });
});
