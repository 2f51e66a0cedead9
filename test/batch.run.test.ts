import { beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { mergeBatches, runBatch, OUTPUT_FILES, loadManifest, planBatch } from '../src/batch/index.js';
import { readCellRecord } from '../src/batch/cellStore.js';
import { parquetToArrow } from '../src/tables/io.js';
import { REPO_DIR } from './helpers/shared.js';

// Runs small manifests on worker threads with the deterministic stand-in runner
// (test/fixtures/batch/standInRunner.ts; the product's runner is replayCellRunner).

const FIXTURES = join(REPO_DIR, 'test/fixtures/batch');
const RUNNER = join(FIXTURES, 'standInRunner.ts');
let dir = '';
let manifest = '';

async function outputs(out: string): Promise<Record<string, Buffer>> {
  const o: Record<string, Buffer> = {};
  for (const f of OUTPUT_FILES) o[f] = await readFile(join(out, f));
  return o;
}

/** sha256 per output file: report.html inlines plotly (MBs), too big for a deep toEqual. */
async function digests(out: string): Promise<Record<string, string>> {
  const o: Record<string, string> = {};
  for (const [f, b] of Object.entries(await outputs(out))) o[f] = createHash('sha256').update(b).digest('hex');
  return o;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-run-'));
  await cp(FIXTURES, dir, { recursive: true });
  manifest = join(dir, 'small.yaml');
});

describe('batch run', () => {
  let straight: Record<string, Buffer> = {};
  let straightDigests: Record<string, string> = {};

  it('writes one long-format row per cell x metric, with params as columns, the same for 1 and 2 workers', async () => {
    const one = await runBatch({ manifest, outDir: join(dir, 'w1'), workers: 1, runner: RUNNER });
    const two = await runBatch({ manifest, outDir: join(dir, 'w2'), workers: 2, runner: RUNNER });
    expect(one).toMatchObject({ planned: 32, inScope: 32, ran: 32, skipped: 0, ok: 32, failed: 0, missing: 0, metricRows: 160 });
    expect(two.metricRows).toBe(160);
    straight = await outputs(join(dir, 'w2'));
    straightDigests = await digests(join(dir, 'w2'));
    expect(await digests(join(dir, 'w1'))).toEqual(straightDigests);
    expect(await readdir(join(dir, 'w2/cells'))).toHaveLength(32);

    const t = parquetToArrow(straight['results.parquet']!);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['cellId', 'cellIndex', 'scenario', 'policy', 'params', 'seed', 'param_capUs', 'param_hz', 'param_rtPrio', 'param_work', 'machine', 'probe', 'metric', 'value']);
    const rows = t.toArray().map((r) => r.toJSON());
    const p99 = rows.find((r) => r['policy'] === 'static' && r['param_rtPrio'] === 91 && r['param_hz'] === 1000 && r['scenario'] === 'scenarios/idle' && r['metric'] === 'p99Us')!;
    expect(p99['param_capUs']).toBeNull();
    expect(p99['params']).toBe('{"hz":1000,"rtPrio":91,"work":4000}');
    expect(Number(p99['seed'])).toBe(7);
    // The row carries exactly what the cell's own record says.
    const rec = await readCellRecord(join(dir, 'w2'), p99['cellId'] as string);
    expect(p99['value']).toBe(rec!.rows.find((r) => r.metric === 'p99Us')!.value);
    // Stand-in model: busy scenarios are 4x slower, higher static priority is faster.
    const mean = (f: (r: Record<string, unknown>) => boolean): number => {
      const xs = rows.filter((r) => r['metric'] === 'p99Us' && f(r)).map((r) => r['value'] as number);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    expect(mean((r) => r['scenario'] === 'scenarios/busy') / mean((r) => r['scenario'] === 'scenarios/idle')).toBeGreaterThan(3);

    const cells = parquetToArrow(straight['cells.parquet']!).toArray().map((r) => r.toJSON());
    expect(cells).toHaveLength(32);
    expect(cells.every((c) => c['status'] === 'ok')).toBe(true);
    expect(JSON.parse(cells[0]!['options'] as string)).toEqual({ scenario: { name: 'scenarios/busy', dir: 'scenarios/busy' }, policy: 'vanilla', params: { hz: 250, work: 4000 }, seed: 7 });
    const csv = straight['summary.csv']!.toString();
    expect(csv.split('\n')[0]).toBe('policy,param_capUs,param_hz,param_rtPrio,param_work,machine,probe,metric,n,mean,min,max');
    expect(csv).toContain('"dynamic",3000,1000,,4000,"host","","boosts",2,');
    const html = straight['report.html']!.toString();
    expect(html).toContain('static: p99Us vs rtPrio (guest / cyclictest)');
    expect(html).toContain('dynamic: p99Us vs capUs (guest / cyclictest)');
  });

  it('refuses to overwrite a batch without --resume, and a changed manifest with it', async () => {
    await expect(runBatch({ manifest, outDir: join(dir, 'w1'), runner: RUNNER })).rejects.toThrow(/already holds a batch .*pass --resume/);
    const other = join(dir, 'other.yaml');
    await writeFile(other, (await readFile(manifest, 'utf8')).replace('work: 4000', 'work: 4001'));
    await expect(runBatch({ manifest: other, outDir: join(dir, 'w1'), runner: RUNNER, resume: true })).rejects.toThrow(/holds a different batch/);
    // Resuming a finished run runs nothing and rewrites the same bytes.
    const again = await runBatch({ manifest, outDir: join(dir, 'w1'), workers: 2, runner: RUNNER, resume: true });
    expect(again).toMatchObject({ ran: 0, skipped: 32, ok: 32 });
    expect(await digests(join(dir, 'w1'))).toEqual(straightDigests);
  });

  it('sharded runs merged equal the unsharded run, and DuckDB can query the merged Parquet', async () => {
    const shardDirs = [0, 1, 2].map((i) => join(dir, `shard${i}`));
    const runs = [];
    for (const [i, d] of shardDirs.entries()) runs.push(await runBatch({ manifest, outDir: d, workers: 1, shard: { index: i, count: 3 }, runner: RUNNER }));
    expect(runs.map((r) => r.inScope)).toEqual([11, 11, 10]);
    // A shard alone holds only its cells.
    expect(parquetToArrow(await readFile(join(shardDirs[2]!, 'cells.parquet'))).numRows).toBe(10);

    const partial = await mergeBatches(shardDirs.slice(0, 2), join(dir, 'partial'));
    expect(partial).toMatchObject({ ok: 22, missing: 10 });
    expect(partial.warnings.join('\n')).toMatch(/10 of 32 cells are in none of the inputs/);
    await expect(mergeBatches([shardDirs[0]!, join(dir, 'nope')], join(dir, 'm-bad'))).rejects.toThrow(/nope is not a batch output directory/);

    const merged = await mergeBatches(shardDirs, join(dir, 'merged'));
    expect(merged).toMatchObject({ planned: 32, ok: 32, failed: 0, missing: 0, duplicates: 0 });
    expect(await digests(join(dir, 'merged'))).toEqual(straightDigests);

    // The query documented in docs/batch.md, run as written on the merged directory.
    const doc = await readFile(join(REPO_DIR, 'docs/batch.md'), 'utf8');
    const sql = /test\/batch\.run\.test\.ts[^\n]*\n```sql\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(sql).toContain("read_parquet('results/merged/results.parquet')");
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const res = await con.runAndReadAll(sql!.replace('results/merged/results.parquet', join(dir, 'merged/results.parquet').replace(/'/g, "''")));
    const got = res.getRowObjectsJson().map((r) => ({ priority: Number(r['rt_prio']), p99: Number(r['p99_us']), cells: Number(r['cells']) }));
    const rows = parquetToArrow(straight['results.parquet']!).toArray().map((r) => r.toJSON());
    const expected = [1, 31, 61, 91].map((p) => {
      const xs = rows.filter((r) => r['policy'] === 'static' && r['param_rtPrio'] === p && r['metric'] === 'p99Us').map((r) => r['value'] as number);
      return { priority: p, p99: xs.reduce((a, b) => a + b, 0) / xs.length, cells: xs.length };
    });
    expect(got.map((g) => g.priority)).toEqual([1, 31, 61, 91]);
    expect(got.map((g) => g.cells)).toEqual([4, 4, 4, 4]);
    got.forEach((g, i) => expect(g.p99).toBeCloseTo(expected[i]!.p99, 9));
    // Higher priority, lower latency in the stand-in model: the query sees a real trend.
    expect(got[0]!.p99).toBeGreaterThan(got[3]!.p99);
    con.closeSync();
  });

  it('records failing, crashing and hanging cells with their error and finishes the rest', async () => {
    await writeFile(
      join(dir, 'bad.json'),
      JSON.stringify({
        version: 1,
        name: 'bad <cells>',
        cellTimeoutS: 2,
        scenarios: ['scenarios/idle'],
        params: { work: 2000 },
        policies: ['vanilla', { name: 'broken', params: { fail: true } }, { name: 'crashy', params: { crash: true } }, { name: 'stuck', params: { hang: true } }, { name: 'odd', params: { probe: '=cmd|<script>x</script>' } }],
      }),
    );
    const out = join(dir, 'bad');
    const res = await runBatch({ manifest: join(dir, 'bad.json'), outDir: out, workers: 2, runner: RUNNER });
    expect(res).toMatchObject({ planned: 5, ok: 2, failed: 3 });
    const cells = parquetToArrow(await readFile(join(out, 'cells.parquet'))).toArray().map((r) => r.toJSON());
    expect(cells.map((c) => [c['policy'], c['status']])).toEqual([['vanilla', 'ok'], ['broken', 'failed'], ['crashy', 'failed'], ['stuck', 'failed'], ['odd', 'ok']]);
    expect(cells[1]!['error']).toBe('stand-in failure for scenarios/idle <broken>');
    expect(cells[2]!['error']).toBe('worker crashed: exited with code 3');
    expect(cells[3]!['error']).toBe('timed out after 2 s (cellTimeoutS)');
    // Trace-derived names are escaped in HTML and guarded in CSV.
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).not.toContain('<broken>');
    expect(html).toContain('&lt;broken&gt;');
    expect(html).not.toContain('<cells>');
    const csv = await readFile(join(out, 'summary.csv'), 'utf8');
    expect(csv).toContain(`"'=cmd|<script>x</script>"`);

    // On resume, failed cells are tried again and finished ones are kept.
    const again = await runBatch({ manifest: join(dir, 'bad.json'), outDir: out, workers: 2, runner: RUNNER, resume: true });
    expect(again).toMatchObject({ skipped: 2, ran: 3, failed: 3 });
  });

  it('treats a damaged cell file as not done, says so, and reruns it', async () => {
    const out = join(dir, 'w2');
    const plan = await planBatch(await loadManifest(manifest));
    const victim = plan.cells[5]!.id;
    await writeFile(join(out, 'cells', `${victim}.json`), '{"version":1,"id":"');
    await writeFile(join(out, 'cells', `${victim}.json.tmp-999`), 'partial');
    const warnings: string[] = [];
    const res = await runBatch({ manifest, outDir: out, workers: 1, runner: RUNNER, resume: true, onWarning: (w) => warnings.push(w) });
    expect(res).toMatchObject({ ran: 1, skipped: 31, ok: 32 });
    expect(warnings.some((w) => w.includes(`${victim}.json: unreadable cell result`))).toBe(true);
    expect(warnings.some((w) => w.includes('removed 1 partial cell file'))).toBe(true);
    expect(await digests(out)).toEqual(straightDigests);
  });
});
