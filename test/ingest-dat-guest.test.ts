import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDat, readDatBytes } from '../src/ingest/dat/index.js';
import { EVENT_TABLES, type Table, type TraceTables } from '../src/tables/index.js';
import { REPO_DIR } from './helpers/shared.js';
import { toZlibV7 } from './fixtures/dat/make-zlib.js';
import { HAS_TRACE_CMD, eventsInOrder, traceCmdReport, warnNoTraceCmd } from './fixtures/dat/compare.js';

// Guest-file time correction (TIME_SHIFT), TSC2NSEC and the host's GUEST option, on recorded
// files given those options by the fixture rewriter. Where trace-cmd 3.1.6 computes the same
// thing (no fraction bits: it multiplies in 64 bits, which overflows with real scaling ratios),
// the timestamps are compared with `trace-cmd report -t` event by event.

const FIX = resolve(REPO_DIR, 'test/fixtures/dat');
const HOST = readFileSync(resolve(FIX, 'host-v7-zstd.dat'));
const TSC = readFileSync(resolve(FIX, 'tsc-v7-zstd.dat'));
const tmp = mkdtempSync(join(tmpdir(), 'dat-guest-'));

warnNoTraceCmd('ingest-dat-guest (comparison with trace-cmd)');

function le(parts: Array<[number | bigint, 4 | 8]>): Buffer {
  const b = Buffer.alloc(parts.reduce((a, [, n]) => a + n, 0));
  let o = 0;
  for (const [v, n] of parts) {
    if (n === 4) b.writeUInt32LE(Number(v), o);
    else b.writeBigInt64LE(BigInt(v), o);
    o += n;
  }
  return b;
}

/** TIME_SHIFT: per CPU two samples (t0, t1) with the given offsets and scaling, optional fraction bits. */
function timeShift(t0: number, t1: number, cpus: Array<[number, number]>, scaling: bigint, frac: number | null): Buffer {
  const parts: Array<[number | bigint, 4 | 8]> = [[0x1234n, 8], [1, 4], [cpus.length, 4]];
  for (const [a, b] of cpus) parts.push([2, 4], [t0, 8], [t1, 8], [a, 8], [b, 8], [scaling, 8], [scaling, 8]);
  if (frac !== null) for (const _ of cpus) parts.push([2, 4], [frac, 8], [frac, 8]);
  return le(parts);
}

function allTs(m: TraceTables): number[] {
  return eventsInOrder(m).map((e) => m[e.table as 'generic'].cols.tsNs[e.row]!);
}

const host = readDatBytes(HOST, 'host').machines[0]!;
const T0 = host.meta.startNs;
const T1 = host.meta.endNs;

describe('guest files: TIME_SHIFT correction', () => {
  it.skipIf(!HAS_TRACE_CMD)('interpolated offsets per CPU give the timestamps trace-cmd report gives', async () => {
    const file = join(tmp, 'guest.dat');
    const payload = timeShift(T0, T1, [[1_000_000, 3_000_000], [-5_000_000, -5_000_000]], 1n, null);
    writeFileSync(file, toZlibV7(HOST, { compression: 'none', extraOptions: [{ id: 12, payload }] }));
    const m = (await readDat(file)).machines[0]!;
    const report = traceCmdReport(file, ['-N']);
    const evs = eventsInOrder(m);
    expect(evs.length).toBe(report.length);
    const ts = allTs(m);
    const bad: string[] = [];
    evs.forEach((e, i) => {
      const cpu = m[e.table as 'generic'].cols.cpu[e.row]!;
      if (ts[i] !== report[i]!.tsNs || cpu !== report[i]!.cpu) bad.push(`#${i}: ${ts[i]}@${cpu} vs ${report[i]!.tsNs}@${report[i]!.cpu}`);
    });
    expect(bad.slice(0, 5)).toEqual([]);
    // The correction really moved time: CPU 1 by exactly -5 ms, CPU 0 by 1..3 ms.
    expect(m.cpus.cols.firstTsNs[1]).toBe(host.cpus.cols.firstTsNs[1]! - 5_000_000);
    const shift0 = m.cpus.cols.firstTsNs[0]! - host.cpus.cols.firstTsNs[0]!;
    expect(shift0).toBeGreaterThanOrEqual(1_000_000);
    expect(shift0).toBeLessThanOrEqual(3_000_000);
    expect(m.meta.extra['timeShift']).toMatchObject({ peerTraceId: '0x0000000000001234', interpolate: true });
  });

  it('applies scaling with fraction bits exactly: host = ((guest * scaling) >> frac) + offset', () => {
    // scaling 1.5 in 48 fraction bits; constant offset 7 µs on both CPUs.
    const scaling = 3n << 47n;
    const payload = timeShift(T0, T1, [[7000, 7000], [7000, 7000]], scaling, 48);
    const m = readDatBytes(toZlibV7(HOST, { compression: 'zlib', extraOptions: [{ id: 12, payload }] }), 'guest').machines[0]!;
    const a = allTs(host);
    const b = allTs(m);
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBe(Number(((BigInt(a[i]!) * scaling) >> 48n) + 7000n));
  });
});

describe('TSC2NSEC and GUEST options', () => {
  it.skipIf(!HAS_TRACE_CMD)('x86-tsc ticks become ns through TSC2NSEC, as trace-cmd report converts them', async () => {
    const file = join(tmp, 'tsc2nsec.dat');
    const payload = le([[1 << 30, 4], [31, 4], [0, 8]]); // ns = ticks * 2^30 >> 31 = ticks / 2
    writeFileSync(file, toZlibV7(TSC, { compression: 'none', extraOptions: [{ id: 14, payload }] }));
    const m = (await readDat(file)).machines[0]!;
    expect(m.meta.timeUnit).toBe('ns');
    expect(m.meta.extra['tsc2nsec']).toEqual({ mult: 1 << 30, shift: 31, offset: '0' });
    const report = traceCmdReport(file, ['-N']);
    expect(allTs(m)).toEqual(report.map((r) => r.tsNs));
  });

  it.skipIf(!HAS_TRACE_CMD)('OFFSET (ns) and DATE (µs, hex) options shift every timestamp, as in trace-cmd report', async () => {
    const file = join(tmp, 'offset.dat');
    const extraOptions = [
      { id: 7, payload: Buffer.from('123456789\0') },
      { id: 1, payload: Buffer.from('0x10\0') },
    ];
    writeFileSync(file, toZlibV7(HOST, { compression: 'none', extraOptions }));
    const m = (await readDat(file)).machines[0]!;
    expect(m.meta.extra['offsetNs']).toBe(123456789);
    expect(m.meta.extra['dateOffsetNs']).toBe(16000);
    expect(allTs(m)).toEqual(traceCmdReport(file, ['-N']).map((r) => r.tsNs));
    expect(allTs(m)[0]).toBe(allTs(host)[0]! + 123456789 + 16000);
  });

  it("exposes the host's GUEST option (guest name, vCPU -> host pid) for alignment", () => {
    const payload = Buffer.concat([Buffer.from('guest-vm\0'), le([[0xfeedn, 8], [2, 4], [0, 4], [14003, 4], [1, 4], [14004, 4]])]);
    const m = readDatBytes(toZlibV7(HOST, { extraOptions: [{ id: 13, payload }] }), 'host').machines[0]!;
    expect(m.meta.extra['guests']).toEqual([
      { name: 'guest-vm', traceId: '0x000000000000feed', vcpus: [{ vcpu: 0, hostPid: 14003 }, { vcpu: 1, hostPid: 14004 }] },
    ]);
    // The rest of the file is unchanged by the extra option.
    for (const spec of EVENT_TABLES) expect((m[spec.name] as Table).length).toBe((host[spec.name] as Table).length);
  });
});
