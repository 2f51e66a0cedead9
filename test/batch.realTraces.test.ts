import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch } from '../src/batch/index.js';
import { parquetToArrow } from '../src/tables/io.js';
import { HAS_SHARED, sharedPath, warnNoShared } from './helpers/shared.js';

// The product runner on real published traces (../shared/traces-public) given as trace pairs
// with no guest: ingest -> align -> workload extraction -> replay, per cell.

warnNoShared('batch over real traces');

describe.skipIf(!HAS_SHARED)('batch over real host traces', () => {
  it('replays real traces per cell; a higher host HZ simulates more events; CPU shares add up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batch-real-'));
    const lisa = sharedPath('traces-public/lisa/trace-cmd-report-raw_trace.txt');
    const atrace = sharedPath('traces-public/tracecompass-incubator/atrace-test.txt');
    await writeFile(
      join(dir, 'm.json'),
      JSON.stringify({ version: 1, name: 'real', scenarios: [{ name: 'lisa', host: lisa }, { name: 'atrace', host: atrace }], policies: ['vanilla'], sweep: { hz: [250, 1000] } }),
    );
    const res = await runBatch({ manifest: join(dir, 'm.json'), outDir: join(dir, 'out'), workers: 2 });
    expect(res).toMatchObject({ planned: 4, ok: 4, failed: 0 });
    const rows = parquetToArrow(await readFile(join(dir, 'out/results.parquet'))).toArray().map((r) => r.toJSON());
    const v = (scenario: string, hz: number, metric: string) => rows.find((r) => r['scenario'] === scenario && r['param_hz'] === hz && r['metric'] === metric)?.['value'] as number;
    for (const s of ['lisa', 'atrace']) {
      expect(v(s, 1000, 'simulatedEvents')).toBeGreaterThan(v(s, 250, 'simulatedEvents'));
      for (const hz of [250, 1000]) {
        const shares = ['vcpuCpuShare', 'otherCpuShare', 'idleCpuShare'].map((m) => v(s, hz, m));
        expect(shares[0]).toBe(0); // no guest, no vCPU threads
        expect(shares[1]).toBeGreaterThan(0.05);
        expect(shares[0]! + shares[1]! + shares[2]!).toBeCloseTo(1, 6);
        expect(v(s, hz, 'boosts')).toBe(0);
      }
    }
    // The trace's own facts reach the cell record (lisa's raw prev_state has no kernel version).
    const cells = parquetToArrow(await readFile(join(dir, 'out/cells.parquet'))).toArray().map((r) => r.toJSON());
    const lisaWarn = JSON.parse(cells.find((c) => c['scenario'] === 'lisa')!['warnings'] as string) as string[];
    expect(lisaWarn.some((w) => w.includes('numeric prev_state'))).toBe(true);
    expect(new Set(lisaWarn).size).toBe(lisaWarn.length);
  });
});
