import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { readPerfetto } from '../src/ingest/perfetto/index.js';
import { EVENT_TABLES, writeTraceDir, type TableSpec, type TraceTables } from '../src/tables/index.js';
import { TID_STRIDE } from '../src/report/perfetto/index.js';
import { hostTables } from './fixtures/perfetto/tables.js';
import { tableRows } from './fixtures/perfetto/rows.js';

async function policyDirs(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pf-cli-'));
  const t = hostTables();
  for (const pol of ['dynamic', 'vanilla']) await writeTraceDir(join(root, 'scenario', pol), { source: 'mem', format: 'replay', machines: [t] });
  return root;
}

function threadsByName(m: TraceTables): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let i = 0; i < m.threads.length; i++) {
    const n = m.strings[m.threads.cols.comm[i]!]!;
    if (!out.has(n)) out.set(n, []);
    out.get(n)!.push(m.threads.cols.tid[i]!);
  }
  return out;
}

describe('vcpu-replay export-perfetto', () => {
  it('machines layout: one Perfetto machine per replayed policy, tables intact', async () => {
    const root = await policyDirs();
    const out = join(root, 'm.perfetto-trace');
    expect(await main(['node', 'vcpu-replay', 'export-perfetto', join(root, 'scenario'), '-o', out])).toBe(0);
    const t = await readPerfetto(out);
    expect(t.machines.map((m) => m.meta.machine)).toEqual(['dynamic/host', 'vanilla/host']);
    // replay's output root (OUT/scenario/policy) works too, labelled by path.
    const out2 = join(root, 'm2.perfetto-trace');
    expect(await main(['node', 'vcpu-replay', 'export-perfetto', root, '-o', out2])).toBe(0);
    expect((await readPerfetto(out2)).machines.map((m) => m.meta.machine)).toEqual(['scenario/dynamic/host', 'scenario/vanilla/host']);
    const ref = hostTables();
    for (const m of t.machines) for (const spec of EVENT_TABLES) expect(tableRows(m, spec as TableSpec), spec.name).toEqual(tableRows(ref, spec as TableSpec));
  });

  it('processes layout: one machine, each policy a named process with its own CPUs and tids', async () => {
    const root = await policyDirs();
    const out = join(root, 'p.perfetto-trace');
    expect(await main(['node', 'vcpu-replay', 'export-perfetto', join(root, 'scenario'), '--layout', 'processes', '-o', out])).toBe(0);
    const t = await readPerfetto(out);
    expect(t.machines.length).toBe(1);
    const m = t.machines[0]!;
    const ref = hostTables();
    const refEvents = Object.values(ref.meta.eventCounts).reduce((a, b) => a + b, 0);
    expect(Object.values(m.meta.eventCounts).reduce((a, b) => a + b, 0)).toBe(2 * refEvents);
    const names = threadsByName(m);
    expect(names.get('dynamic/host')).toEqual([TID_STRIDE - 1]);
    expect(names.get('vanilla/host')).toEqual([2 * TID_STRIDE - 1]);
    expect(names.get('CPU 0/KVM')).toEqual([500, TID_STRIDE + 500]);
    // The reference uses CPUs 0-2, so the second policy's CPUs are 3-5.
    expect(Array.from(m.cpus.cols.cpu)).toEqual([0, 1, 2, 3, 4, 5]);
    const tgidOf = (tid: number) => m.threads.cols.tgid[Array.from(m.threads.cols.tid).indexOf(tid)];
    expect(tgidOf(TID_STRIDE + 500)).toBe(2 * TID_STRIDE - 1);
  });

  it('reads trace files too, and rejects a bad --layout with exit code 2', async () => {
    const root = await policyDirs();
    const first = join(root, 'm.perfetto-trace');
    expect(await main(['node', 'vcpu-replay', 'export-perfetto', join(root, 'scenario', 'vanilla'), '-o', first])).toBe(0);
    const again = join(root, 'again.perfetto-trace');
    expect(await main(['node', 'vcpu-replay', 'export-perfetto', first, '-o', again, '--no-compact', '--bundle-events', '7'])).toBe(0);
    const t = await readPerfetto(again);
    for (const spec of EVENT_TABLES) expect(tableRows(t.machines[0]!, spec as TableSpec), spec.name).toEqual(tableRows(hostTables(), spec as TableSpec));
    expect(t.machines[0]!.meta.formatDetail).not.toContain('compact_sched');
    const err: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await main(['node', 'vcpu-replay', 'export-perfetto', first, '-o', again, '--layout', 'sideways'])).toBe(2);
    } finally {
      process.stderr.write = orig;
    }
    expect(err.join('')).toContain("--layout must be machines or processes, got 'sideways'");
  });
});
