import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ingest } from '../src/ingest/index.js';
import { readDat } from '../src/ingest/dat/index.js';
import { EVENT_TABLES, TaskState, type Table, type TraceTables } from '../src/tables/index.js';
import { HAS_SHARED, REPO_DIR, sharedPath, warnNoShared } from './helpers/shared.js';
import { HAS_TRACE_CMD, warnNoTraceCmd } from './fixtures/dat/compare.js';

// A .dat and its `trace-cmd report` text (read by the text reader) give the same tables, up to
// the text's microsecond timestamps.

const tmp = mkdtempSync(join(tmpdir(), 'dat-text-'));
const FILES: Array<{ name: string; path: string; shared?: boolean }> = [
  { name: 'host v7 zstd (recorded here)', path: resolve(REPO_DIR, 'test/fixtures/dat/host-v7-zstd.dat') },
  { name: 'lisa rtapp v6', path: sharedPath('traces-public/lisa/rtapp_v6_trace.dat'), shared: true },
  { name: 'lisa tc2 v6 (4-byte long)', path: sharedPath('traces-public/lisa/tc2-arm32_v6_trace.dat'), shared: true },
];

warnNoTraceCmd('ingest-dat-text');
warnNoShared('ingest-dat-text (lisa .dat files)');

type Cols = Record<string, ArrayLike<number>>;
const cols = (m: TraceTables, t: string) => (m[t as 'generic'] as Table).cols as unknown as Cols;
/** trace-cmd prints µs rounded to nearest ((ns + 500) / 1000). */
const toUs = (ns: number) => Math.floor((ns + 500) / 1000);
const str = (m: TraceTables, id: number) => (id < 0 ? null : m.strings[id]);

// Columns both readers fill from the same payload text. Not compared: flags (trace-cmd 3.1.6
// prints none), kvm detail/reason and generic field text (plugins rewrite them), markers' ip.
const SAME: Record<string, string[]> = {
  sched_switch: ['prevPid', 'nextPid', 'prevPrio', 'nextPrio', 'prevComm', 'nextComm'],
  sched_wakeup: ['kind', 'tid', 'prio', 'targetCpu', 'comm'],
  sched_migrate: ['tid', 'prio', 'origCpu', 'destCpu', 'comm'],
  sched_process: ['kind', 'tid'],
  irq: ['kind', 'num', 'event'],
  // nowNs left out: the text reader gives -1 for 6.18's expire_entry (`hrtimer= now= function=`); reported to its owner.
  hrtimer: ['kind', 'hrtimer', 'expiresNs', 'softexpiresNs'],
  kvm: ['kind'],
  markers: ['kind', 'text'],
  generic: ['event'],
};

describe.skipIf(!HAS_TRACE_CMD)('.dat vs its trace-cmd report text', () => {
  for (const f of FILES) {
    it.skipIf(f.shared && !HAS_SHARED)(f.name, async () => {
      const txt = join(tmp, f.path.split('/').pop()! + '.txt');
      writeFileSync(txt, execFileSync('trace-cmd', ['report', f.path], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }));
      const text = await ingest(txt);
      expect(text.format).toBe('trace-cmd-report');
      const t = text.machines[0]!;
      const d = (await readDat(f.path)).machines[0]!;
      expect(t.meta.eventCounts).toEqual(d.meta.eventCounts);
      for (const spec of EVENT_TABLES) {
        const a = cols(d, spec.name);
        const b = cols(t, spec.name);
        const n = (d[spec.name] as Table).length;
        expect((t[spec.name] as Table).length, spec.name).toBe(n);
        const bad: string[] = [];
        for (let i = 0; i < n && bad.length < 5; i++) {
          const us = toUs(a['tsNs']![i]!) * 1000;
          if (b['tsNs']![i] !== us) bad.push(`${spec.name}#${i} tsNs ${a['tsNs']![i]} vs ${b['tsNs']![i]}`);
          for (const k of ['cpu', 'pid', ...SAME[spec.name]!]) {
            const isStr = (spec.columns as Record<string, string>)[k] === 'str';
            const x = isStr ? str(d, a[k]![i]!) : (a[k] as ArrayLike<unknown>)[i];
            const y = isStr ? str(t, b[k]![i]!) : (b[k] as ArrayLike<unknown>)[i];
            if (x !== y) bad.push(`${spec.name}#${i} ${k}: dat ${JSON.stringify(x)} text ${JSON.stringify(y)}`);
          }
          if (spec.name === 'sched_switch') {
            // The pretty plugin prints states by the old fixed table: only S/D/T/t/R agree.
            const s = a['prevState']![i]!;
            if ((s === TaskState.RUNNING || s === TaskState.S || s === TaskState.D || s === TaskState.T) && b['prevState']![i] !== s) {
              bad.push(`sched_switch#${i} prevState dat ${s} text ${b['prevState']![i]}`);
            }
          }
        }
        expect(bad).toEqual([]);
      }
      // Lost windows: same CPUs and counts, same bounds at µs precision.
      expect(t.meta.lost.map((w) => [w.cpu, w.events, toUs(w.startNs), toUs(w.endNs)])).toEqual(
        d.meta.lost.map((w) => [w.cpu, w.events, toUs(w.startNs), toUs(w.endNs)]),
      );
    });
  }
});
