import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingest } from '../src/ingest/index.js';
import { formatFtraceText, writeFtraceTextFile, flagsToText } from '../src/tables/ftraceTextWriter.js';
import { EVENT_TABLES, parseFlagsText, type Table, type TraceTables } from '../src/tables/index.js';
import { REPO_DIR } from './helpers/shared.js';

const SAMPLE = join(REPO_DIR, 'traces/samples/host-ftrace-sample.txt.gz');

/** Every event row as comparable text: resolves string ids, drops seq (arrival order). */
function rows(t: TraceTables): string[] {
  const out: string[] = [];
  for (const spec of EVENT_TABLES) {
    const tab = t[spec.name] as Table;
    const cols = tab.cols as Record<string, ArrayLike<unknown>>;
    for (let i = 0; i < tab.length; i++) {
      const r: string[] = [spec.name];
      for (const [k, type] of Object.entries(spec.columns)) {
        if (k === 'seq') continue;
        const v = cols[k]![i];
        r.push(`${k}=${type === 'str' ? ((v as number) >= 0 ? t.strings[v as number] : null) : v}`);
      }
      out.push(r.join(' '));
    }
  }
  return out.sort();
}

describe('ftrace text writer', () => {
  it('round-trips the bundled host sample: write, re-read, same rows, threads and counts', async () => {
    const a = (await ingest(SAMPLE)).machines[0]!;
    const dir = await mkdtemp(join(tmpdir(), 'vr-writer-'));
    const file = join(dir, 'out.txt');
    await writeFtraceTextFile(file, a);
    const text = await readFile(file, 'utf8');
    expect(text).toBe(formatFtraceText(a));
    const b = (await ingest(file)).machines[0]!;
    expect(b.meta.unparsed.count).toBe(0);
    expect(b.meta.warnings).toEqual([]);
    expect(b.meta.eventCounts).toEqual(a.meta.eventCounts);
    expect(b.meta.cpuCount).toBe(2);
    expect(rows(b)).toEqual(rows(a));
    expect(b.threads.length).toBe(a.threads.length);
  });

  it('writes the kernel layout: right-aligned comm, 7-wide pid, TGID column, 5-char flags, sec.usec', async () => {
    const a = (await ingest(SAMPLE)).machines[0]!;
    const lines = formatFtraceText(a).split('\n');
    expect(lines[0]).toBe('# tracer: nop');
    expect(lines[2]).toBe('# entries-in-buffer/entries-written: 2440/2440   #P:2');
    // the first event line of the original capture, byte for byte
    expect(lines).toContain(
      '            bash-4202    (   4202) [001] d..2.   412.882774: sched_switch: prev_comm=bash prev_pid=4202 prev_prio=120 prev_state=S ==> next_comm=bash next_pid=4204 next_prio=120',
    );
    // 'n' (TIF need-resched only) prints as 'N': the flag bits do not keep the difference
    expect(lines).toContain('          <idle>-0       (-------) [000] dNh1.   412.883163: reschedule_entry: vector=253');
  });

  it('maps flag bits back to text', () => {
    for (const f of ['d..2.', 'dNh1.', '..s1.', 'D.H5.', 'b.z..', '.....', 'dLs21']) expect(flagsToText(parseFlagsText(f))).toBe(f);
    expect(flagsToText(parseFlagsText('dn...'))).toBe('dN...');
  });
});
