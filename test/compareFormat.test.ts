import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { compare } from '../src/metrics/compare.js';
import { csvField, renderCompareCsv } from '../src/metrics/compareCsv.js';
import { renderCompareMarkdown, renderCompareText } from '../src/metrics/compareText.js';
import { writeCompareDir } from '../src/metrics/compareArrow.js';
import { parquetToArrow } from '../src/tables/index.js';
import { sampleCompareInput } from '../src/report/sampleData.js';

const result = compare([sampleCompareInput()]);

describe('CSV', () => {
  it('quotes per RFC 4180 and guards formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"\n')).toBe('"say ""hi""\n"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-cmd')).toBe("'-cmd");
    expect(csvField(-5)).toBe('-5');
    expect(csvField(NaN)).toBe('');
    expect(csvField(null)).toBe('');
  });

  it('is one tidy table with every number of the comparison', () => {
    const csv = renderCompareCsv(compare([sampleCompareInput({ name: '=cmd|calc,"x"' })]));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('table,scenario,load,interval_us,captured_policy,machine,task,run,buffer_frames,metric,value');
    expect(lines).toContain(`guest_latency,"'=cmd|calc,""x""",busy,20000,vanilla,guest0,cyclictest,dynamic,,max_us,40`);
    expect(lines).toContain(`deadlines,"'=cmd|calc,""x""",busy,20000,vanilla,guest0,cyclictest,trace,96,misses,2`);
    expect(lines).toContain(`host_impact,"'=cmd|calc,""x""",busy,20000,vanilla,host,,dynamic,,boosts_timer,2`);
    expect(lines.every((l) => l === '' || l.split(',').length >= 11)).toBe(true);
  });
});

describe('text and Markdown', () => {
  it('show the measured column next to the captured policy', () => {
    const text = renderCompareText(result);
    expect(text).toMatch(/vanilla {2}trace {2}dynamic {2}static/);
    const row = text.split('\n').find((l) => l.startsWith('sample-busy-20ms') && l.includes('guest0/cyclictest') && l.includes('9000'))!;
    expect(row.replace(/\s+/g, ' ')).toContain('200 | 70.3 65.3 10.2 10.0 | 100 100 10 10 | 9000 8000 40 15');
    const md = renderCompareMarkdown(result);
    expect(md).toContain('| sample-busy-20ms | busy | 20000 | guest0/cyclictest | 96 | 2 | 200/200/200/199 | 2 | 2 | 1 | 0 |');
  });

  it('neutralise control characters and markup from trace-derived names', () => {
    const r = compare([sampleCompareInput({ name: 'a\u001b[31mred|<b>' })]);
    expect(renderCompareText(r)).not.toContain('\u001b');
    expect(renderCompareMarkdown(r)).toContain('a\\\\x1b\\[31mred\\|&lt;b&gt;');
  });
});

describe('compare -o DIR', () => {
  it('writes Arrow and Parquet tables that read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cmp-'));
    const files = await writeCompareDir(dir, result, 'arrow', { command: 'x' });
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['compare_latency.arrow', 'compare_deadlines.arrow', 'compare_host_impact.arrow', 'compare.json']);
    const lat = arrow.tableFromIPC(await readFile(join(dir, 'compare_latency.arrow')));
    expect(lat.numRows).toBe(8); // 2 probes x (trace + 3 policies)
    const rows = lat.toArray().map((r) => r.toJSON());
    expect(rows.find((r) => r['run'] === 'static' && r['side'] === 'guest')).toMatchObject({ machine: 'guest0', count: 200, maxUs: 15 });
    const json = JSON.parse(await readFile(join(dir, 'compare.json'), 'utf8'));
    expect(json.command).toBe('x');
    expect(json.policies).toEqual(['vanilla', 'dynamic', 'static']);

    const pdir = await mkdtemp(join(tmpdir(), 'cmp-'));
    await writeCompareDir(pdir, result, 'parquet');
    const dl = parquetToArrow(await readFile(join(pdir, 'compare_deadlines.parquet')));
    const misses = dl.toArray().map((r) => r.toJSON()).filter((r) => r['bufferFrames'] === 96).map((r) => [r['run'], r['misses']]);
    expect(misses).toEqual([['trace', 2], ['vanilla', 2], ['dynamic', 1], ['static', 0]]);
  });
});

describe('scenarios captured under different policies', () => {
  it('put the trace column first and name the captured policy per row', () => {
    const a = sampleCompareInput();
    const b = sampleCompareInput({ name: 'captured-static' });
    b.aligned.scenario.capturedPolicy = { name: 'static' };
    const text = renderCompareText(compare([a, b]));
    expect(text).toMatch(/captured {2}probe +count \| trace {2}vanilla {2}dynamic {2}static/);
    expect(text).toMatch(/captured-static +busy +20000 +static +guest0\/cyclictest/);
    expect(text).toContain('(captured under vanilla, static)');
  });
});
