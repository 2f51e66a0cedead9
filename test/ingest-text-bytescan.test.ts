import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { line, scanEventLine } from '../src/ingest/text/eventLine.js';
import { HeadMemo, scanHeadB, scanRestB } from '../src/ingest/text/byteEventLine.js';
import { viewOf } from '../src/ingest/text/byteView.js';
import { REPO_DIR } from './helpers/shared.js';
import { mutants } from './ingest-text-digest.js';

// The byte scanner must accept exactly the lines the string scanner accepts and find the same
// fields: run both on every line of the fixtures, on awkward hand-written lines and on seeded
// damaged copies, and compare (texts, not offsets, so UTF-8 comms compare too).

type Fields = Record<string, unknown>;

function fieldsOf(text: (a: number, b: number) => string): Fields {
  return {
    comm: text(line.commStart, line.commEnd),
    pid: line.pid,
    tgid: line.tgid,
    cpu: line.cpu,
    flags: line.flags,
    ts: line.ts,
    raw: line.rawCounter,
    event: text(line.evStart, line.evEnd),
    payload: text(line.payStart, Number.MAX_SAFE_INTEGER),
  };
}

function byString(l: string): Fields | null {
  let p = 0;
  while (p < l.length && (l[p] === ' ' || l[p] === '\t')) p++;
  if (!scanEventLine(l, p, l.length)) return null;
  return fieldsOf((a, b) => l.slice(a, b));
}

function byBytes(l: string, memo: HeadMemo): Fields | null {
  // the line sits inside a bigger buffer, as in a chunk
  const buf = Buffer.concat([Buffer.from('xx\n'), Buffer.from(l, 'utf8'), Buffer.from('\nnext line')]);
  const a = 3;
  const e = buf.length - 10;
  let ok: boolean;
  if (memo.restore(buf, viewOf(buf), a, e)) ok = scanRestB(buf, a + memo.len, e);
  else {
    let p = a;
    while (p < e && (buf[p] === 32 || buf[p] === 9)) p++;
    const j = scanHeadB(buf, p, e);
    ok = j >= 0;
    if (ok) {
      memo.keep(buf, a, j);
      ok = scanRestB(buf, j + 1, e);
    }
  }
  if (!ok) return null;
  return fieldsOf((x, y) => buf.toString('utf8', x, Math.min(y, e)));
}

const AWKWARD = [
  '  IntentService[E-3866  (  3866) [002] d..2. 100.000001: sched_switch: prev_comm=a prev_pid=1',
  '   rs:main Q:Reg-812   [000] ....  5.5: print: x',
  '  kworker/\u00e9\u4e2d-12 (   12) [001] d.h1. 1.000000001999: irq_handler_entry: irq=1 name=x',
  '  <idle>-0     (-------) [000] dN.2.  42.000001: hrtimer_start: hrtimer=1',
  '  trace-cmd-1 [000]-0x1 123456789: sched_waking: comm=a pid=1',
  '  sh-5 [000] d..2 12.5: (+3) sched_wakeup: comm=a pid=1',
  '  sh-5 [000] 12.5: sys_read(fd: 3)',
  '  sh-5 [000] d..2. 1.2.3: x: y',
  '  sh-5 [0000000] d..2. 1.2: x: y',
  '  sh-5 ( 123456789012) [000] d..2. 1.2: x: y',
  '  sh-12345678901 [000] d..2. 1.2: x: y',
  '  sh-5 [000] d..2. 1234567890123456789012345: x: y',
  '  sh-5 [000] dd 1.2: x: y',
  '  sh-5\t[000]\td..2.\t1.2:\tx:\ty',
  'sh-5 [000] d..2. 1.2: x:',
  '[000] d..2. 1.2: x: y',
  '  a [b-1 [001] d..2. 3.000004: ev.name-x: p',
];

describe('byte event-line scanner = string scanner', () => {
  it('fixtures, awkward lines and their damaged copies: same accept/reject and same fields', () => {
    const dir = join(REPO_DIR, 'test/fixtures/text');
    const texts = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
    texts.push(AWKWARD.join('\n'));
    let accepted = 0;
    let lines = 0;
    for (const t of texts) {
      for (const variant of [Buffer.from(t, 'utf8'), ...mutants(Buffer.from(t, 'utf8'), 12, 3)]) {
        const memo = new HeadMemo();
        for (const raw of Buffer.from(variant).toString('utf8').split('\n')) {
          const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
          if (l.trimStart().startsWith('#')) continue;
          const want = byString(l);
          const got = byBytes(l, memo);
          lines++;
          if (want) accepted++;
          expect([l, got]).toEqual([l, want]);
        }
      }
    }
    // the comparison ran on real event lines, not only on rejects
    expect(lines).toBeGreaterThan(2000);
    expect(accepted).toBeGreaterThan(lines / 3);
  });
});
