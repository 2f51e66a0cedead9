import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { detectReader, ingest } from '../src/ingest/index.js';
import { readDat, readDatBytes } from '../src/ingest/dat/index.js';
import { Cursor } from '../src/ingest/dat/cursor.js';
import { decodeOption, emptyOptions, Opt } from '../src/ingest/dat/options.js';
import { correctGuestTs } from '../src/ingest/dat/timeShift.js';
import { Kallsyms } from '../src/ingest/dat/kallsyms.js';
import { TableBuilder } from '../src/tables/columns.js';
import { SCHED_MIGRATE } from '../src/tables/schema.js';
import { EVENT_TABLES, Flags, IrqKind, TaskState, type Table, type TraceTables } from '../src/tables/index.js';
import { HAS_SHARED, REPO_DIR, sharedPath, warnNoShared } from './helpers/shared.js';

const FIX = resolve(REPO_DIR, 'test/fixtures/dat');
const RTAPP = sharedPath('traces-public/lisa/rtapp_v6_trace.dat');
const TC2 = sharedPath('traces-public/lisa/tc2-arm32_v6_trace.dat');

warnNoShared('ingest-dat (lisa golden counts)');

const total = (m: TraceTables) => Object.values(m.meta.eventCounts).reduce((a, b) => a + b, 0);

/** Every event table with string ids replaced by their text, for cross-file equality. */
function normalized(m: TraceTables): Record<string, Record<string, unknown[]>> {
  const out: Record<string, Record<string, unknown[]>> = {};
  for (const spec of EVENT_TABLES) {
    const t = m[spec.name] as Table;
    const cols: Record<string, unknown[]> = {};
    for (const [k, type] of Object.entries(spec.columns)) {
      const a = Array.from((t.cols as Record<string, ArrayLike<unknown>>)[k]!);
      cols[k] = type === 'str' ? a.map((id) => ((id as number) < 0 ? null : m.strings[id as number])) : a;
    }
    out[spec.name] = cols;
  }
  return out;
}

describe('trace-cmd .dat reader: recorded fixtures', () => {
  it('is picked by content (magic), not by file name', async () => {
    expect((await detectReader(resolve(FIX, 'host-v7-zstd.dat'))).format).toBe('trace-cmd-dat');
    expect((await detectReader(resolve(FIX, 'host-v6.dat.gz'))).format).toBe('trace-cmd-dat');
  });

  it('v6, v7+zstd and v7+zlib encodings of one recording give identical tables', async () => {
    const [v7, v6, zl] = await Promise.all(
      ['host-v7-zstd.dat', 'host-v6.dat.gz', 'host-v7-zlib.dat'].map(async (f) => (await readDat(resolve(FIX, f))).machines[0]!),
    );
    expect(v7.meta.formatDetail).toBe('trace-cmd dat v7 zstd');
    expect(v6.meta.formatDetail).toBe('trace-cmd dat v6');
    expect(zl.meta.formatDetail).toBe('trace-cmd dat v7 zlib');
    expect(total(v7)).toBeGreaterThan(6000);
    const a = normalized(v7);
    expect(normalized(v6)).toEqual(a);
    expect(normalized(zl)).toEqual(a);
    expect(v6.meta.lost).toEqual(v7.meta.lost);
    expect(zl.meta.lost).toEqual(v7.meta.lost);
  });

  it('fills metadata from the options: clock, kernel, CPUs, trace id', async () => {
    const m = (await readDat(resolve(FIX, 'host-v7-zstd.dat'))).machines[0]!;
    expect(m.meta.format).toBe('trace-cmd-dat');
    expect(m.meta.clock).toBe('local');
    expect(m.meta.kernelVersion).toBe('6.18.44-fc-v595');
    expect(m.meta.cpuCount).toBe(2);
    expect(m.meta.timeUnit).toBe('ns');
    expect(m.meta.extra['traceId']).toBe('0xb0608cb534c6a94f');
    expect(m.meta.extra['traceCmdVersion']).toBe('3.1.6 not-a-git-repo');
    expect(m.meta.warnings).toEqual(['2 ring-buffer page(s) flagged missed events: 296703 events missing (see lost windows)']);
    expect(m.meta.unparsed.count).toBe(0);
  });

  it('reads instance buffers with the top-level one, as trace-cmd report merges them', async () => {
    const m = (await readDat(resolve(FIX, 'instance-v7-zstd.dat'))).machines[0]!;
    const per = m.meta.extra['bufferEvents'] as Record<string, number>;
    expect(Object.keys(per).sort()).toEqual(['', 'vcpu-replay-fixture']);
    expect(per['vcpu-replay-fixture']).toBe(590); // `trace-cmd report` lines prefixed with the instance name
    expect(per['']! + per['vcpu-replay-fixture']!).toBe(total(m));
    expect(m.meta.extra['buffers']).toEqual([
      { name: '', clock: 'local', cpus: 2 },
      { name: 'vcpu-replay-fixture', clock: 'local', cpus: 2 },
    ]);
  });

  it('keeps raw x86-tsc ticks (and says so) unless given the counter frequency', async () => {
    const f = resolve(FIX, 'tsc-v7-zstd.dat');
    const raw = (await readDat(f)).machines[0]!;
    expect(raw.meta.clock).toBe('x86-tsc');
    expect(raw.meta.timeUnit).toBe('ticks');
    expect(raw.meta.warnings.some((w) => /raw counter .* no TSC2NSEC/.test(w))).toBe(true);
    const ns = (await readDat(f, { tscHz: 2e9 })).machines[0]!;
    expect(ns.meta.timeUnit).toBe('ns');
    expect(ns.meta.counterHz).toBe(2e9);
    expect(ns.sched_switch.length).toBe(raw.sched_switch.length);
    for (let i = 0; i < raw.sched_switch.length; i++) {
      expect(ns.sched_switch.cols.tsNs[i]).toBe(Math.round(raw.sched_switch.cols.tsNs[i]! / 2));
    }
  });

  it('reports ring-buffer overwrites as lost windows with the kernel-stored counts', async () => {
    // `trace-cmd report` prints "CPU:0 [265932 EVENTS DROPPED]" and "CPU:1 [30771 EVENTS DROPPED]".
    const m = (await readDat(resolve(FIX, 'host-v7-zstd.dat'))).machines[0]!;
    expect(m.meta.lost.map((w) => [w.cpu, w.events, w.kind])).toEqual([
      [0, 265932, 'overwrite'],
      [1, 30771, 'overwrite'],
    ]);
    // Overwritten before the first kept page: unknown from the trace start to the CPU's first event.
    expect(m.meta.lost[0]!.endNs).toBe(m.cpus.cols.firstTsNs[0]!);
    expect(m.meta.lost[1]!.startNs).toBe(m.meta.startNs);
    expect(m.meta.lost[1]!.endNs).toBe(m.cpus.cols.firstTsNs[1]!);
  });

  it('decodes flags from common_flags/common_preempt_count', async () => {
    const m = (await readDat(resolve(FIX, 'host-v7-zstd.dat'))).machines[0]!;
    const irq = m.irq;
    let vec = 0;
    let soft = 0;
    for (let i = 0; i < irq.length; i++) {
      const f = irq.cols.flags[i]!;
      expect(f).not.toBe(Flags.UNKNOWN);
      if (irq.cols.kind[i] === IrqKind.VECTOR_ENTRY) {
        vec++;
        expect(f & Flags.HARDIRQ).toBe(Flags.HARDIRQ);
        expect(f & Flags.IRQS_OFF).toBe(Flags.IRQS_OFF);
      }
      if (irq.cols.kind[i] === IrqKind.SOFTIRQ_ENTRY) {
        soft++;
        expect(f & Flags.SOFTIRQ).toBe(Flags.SOFTIRQ);
      }
    }
    expect(vec).toBeGreaterThan(50);
    expect(soft).toBeGreaterThan(50);
  });

  it('names threads from sched payloads and saved cmdlines', async () => {
    const m = (await readDat(resolve(FIX, 'host-v7-zstd.dat'))).machines[0]!;
    const comms = new Set(Array.from(m.threads.cols.comm, (id) => m.strings[id]));
    expect(comms.has('stress-ng-switc')).toBe(true);
    expect(comms.has('qemu-system-x86')).toBe(true);
    // Every thread row has a real name.
    for (let i = 0; i < m.threads.length; i++) expect(m.strings[m.threads.cols.comm[i]!]).not.toBe('');
  });
});

describe('latency-format .dat', () => {
  it('hands the stored trace text to the ftrace text reader', async () => {
    // A v6 file whose data is a latency tracer's text: the recorded header, then "latency  \0".
    const v6 = gunzipSync(readFileSync(resolve(FIX, 'host-v6.dat.gz')));
    const tag = v6.indexOf(Buffer.from('flyrecord\0'));
    expect(tag).toBeGreaterThan(0);
    const text = gunzipSync(readFileSync(resolve(REPO_DIR, 'traces/samples/host-ftrace-sample.txt.gz'))).toString('latin1').split('\n').slice(0, 400).join('\n') + '\n';
    const dir = mkdtempSync(join(tmpdir(), 'dat-lat-'));
    const datFile = join(dir, 'latency.dat');
    const txtFile = join(dir, 'latency.txt');
    writeFileSync(datFile, Buffer.concat([v6.subarray(0, tag), Buffer.from('latency  \0'), Buffer.from(text, 'latin1')]));
    writeFileSync(txtFile, text, 'latin1');
    const fromDat = await readDat(datFile);
    const fromText = await ingest(txtFile);
    expect(fromDat.format).toBe('trace-cmd-dat');
    const m = fromDat.machines[0]!;
    expect(m.meta.formatDetail).toBe('trace-cmd dat, latency format (ftrace text)');
    expect(m.meta.source).toBe(datFile);
    expect(total(m)).toBeGreaterThan(100);
    expect(m.meta.eventCounts).toEqual(fromText.machines[0]!.meta.eventCounts);
    expect(m.sched_switch.cols.tsNs).toEqual(fromText.machines[0]!.sched_switch.cols.tsNs);
  });
});

describe.skipIf(!HAS_SHARED)('trace-cmd .dat reader: public LISA files (golden counts)', () => {
  it('rtapp v6, 8-byte long: 7,820 events over 9.303 s', async () => {
    const m = (await readDat(RTAPP)).machines[0]!;
    expect(m.meta.eventCounts).toEqual({ bprint: 6242, cpu_frequency: 12, print: 14, sched_switch: 1552 });
    expect(m.meta.cpuCount).toBe(6);
    expect(((m.meta.endNs - m.meta.startNs) / 1e9).toFixed(3)).toBe('9.303');
    // bprint is formatted from printk_formats + the packed args.
    const bp = m.markers.cols.text.find((t) => t.startsWith('evt=util_est_rq'));
    expect(bp).toBe('evt=util_est_rq step=pre pid=6972 comm=sudo cpu=1 rq=0xffffffc97fed2f68 event=enqueue t_avg=0 t_est=966 q_avg=20 q_est=0');
    // prev_state 'x' (TASK_DEAD on this pre-4.14 kernel) maps to the canonical x bit.
    const states = new Set(m.sched_switch.cols.prevState);
    expect(states.has(TaskState.x)).toBe(true);
    expect(states.has(TaskState.UNKNOWN)).toBe(false);
  });

  it('tc2 v6, 4-byte long (32-bit ARM): 59,176 events over 4.531 s', async () => {
    const m = (await readDat(TC2)).machines[0]!;
    const c = m.meta.eventCounts;
    expect(c['sched_rq_runnable_ratio']).toBe(15129);
    expect(c['sched_rq_runnable_load']).toBe(15129);
    expect(c['sched_stat_runtime']).toBe(7981);
    expect(c['sched_task_load_contrib']).toBe(7954);
    expect(c['sched_task_runnable_ratio']).toBe(7954);
    expect(c['sched_hmp_offload_abort']).toBe(3747);
    expect(c['sched_switch']).toBe(826);
    expect(c['sched_wakeup']).toBe(415);
    expect(c['sched_migrate_task']).toBe(9);
    expect(c['sched_wakeup_new']).toBe(1);
    expect(c['sched_process_fork']).toBe(1);
    expect(c['sched_process_exit']).toBe(1);
    expect(total(m)).toBe(59176);
    expect(((m.meta.endNs - m.meta.startNs) / 1e9).toFixed(3)).toBe('4.531');
    expect(m.meta.cpuCount).toBe(8);
    // R+ (preempted) appears on this kernel and is decoded from the file's own print fmt.
    expect(new Set(m.sched_switch.cols.prevState).has(TaskState.PREEMPTED)).toBe(true);
  });
});

describe('options and guest time correction', () => {
  const le = (parts: Array<[number, number]>) => {
    const b = Buffer.alloc(parts.reduce((a, [, n]) => a + n, 0));
    let o = 0;
    for (const [v, n] of parts) {
      if (n === 4) b.writeUInt32LE(v, o);
      else b.writeBigUInt64LE(BigInt(v), o);
      o += n;
    }
    return b;
  };

  it('decodes the GUEST option (name, trace id, vCPU -> host pid)', () => {
    const body = Buffer.concat([Buffer.from('vm1\0'), le([[0x1234, 8], [2, 4], [0, 4], [483882, 4], [1, 4], [483883, 4]])]);
    const o = emptyOptions();
    decodeOption(o, Opt.GUEST, body.length, new Cursor(body, true, 0), 7);
    expect(o.guests).toEqual([
      { name: 'vm1', traceId: '0x0000000000001234', vcpus: [{ vcpu: 0, hostPid: 483882 }, { vcpu: 1, hostPid: 483883 }] },
    ]);
  });

  it('decodes TIME_SHIFT and applies host = ((guest * scaling) >> frac) + interpolated offset', () => {
    // 1 CPU, 2 samples at guest t=1000 and t=3000 with offsets 100 and 300, scaling 1<<48 frac 48 (= 1.0).
    const body = le([
      [0xabc, 8], [1, 4], [1, 4],
      [2, 4], [1000, 8], [3000, 8], [100, 8], [300, 8], [2 ** 48, 8], [2 ** 48, 8],
      [2, 4], [48, 8], [48, 8],
    ]);
    const o = emptyOptions();
    decodeOption(o, Opt.TIME_SHIFT, body.length, new Cursor(body, true, 0), 7);
    const ts = o.timeShift!;
    expect(ts.peerTraceId).toBe('0x0000000000000abc');
    expect(ts.interpolate).toBe(true);
    expect(ts.cpus[0]!.fractions).toEqual([48, 48]);
    const samples = [ts.cpus[0]!.times.map((time, i) => ({ time, offset: ts.cpus[0]!.offsets[i]!, scaling: ts.cpus[0]!.scalings[i]!, frac: 48 }))];
    expect(correctGuestTs(samples, true, 2000n, 0)).toBe(2000n + 200n); // halfway: offset 200
    expect(correctGuestTs(samples, false, 2000n, 0)).toBe(2000n + 100n); // no interpolation: a.offset
    expect(correctGuestTs(samples, true, 5000n, 0)).toBe(5000n + 500n); // extrapolated past the last sample
    expect(correctGuestTs(samples, true, 2000n, 3)).toBe(2000n); // CPU without samples: unchanged
    // A real scaling (2.0 with 1 fraction bit) multiplies the guest time.
    const scaled = [[{ time: 0n, offset: 10n, scaling: 4n, frac: 1 }, { time: 100n, offset: 10n, scaling: 4n, frac: 1 }]];
    expect(correctGuestTs(scaled, true, 50n, 0)).toBe(110n);
  });

  it('decodes TSC2NSEC and exposes guests/timeShift in meta.extra', () => {
    const body = le([[735842807, 4], [31, 4], [0, 8]]);
    const o = emptyOptions();
    decodeOption(o, Opt.TSC2NSEC, body.length, new Cursor(body, true, 0), 7);
    expect(o.tsc2nsec).toEqual({ mult: 735842807, shift: 31, offset: '0' });
    const m = readDatBytes(readFileSync(resolve(FIX, 'host-v7-zstd.dat')), 'x').machines[0]!;
    expect(m.meta.extra['guests']).toEqual([]);
    expect(m.meta.extra['timeShift']).toBeNull();
  });
});

describe('kallsyms lookups', () => {
  // /proc/kallsyms: a sorted core, then module symbols in symtab order (not sorted), percpu
  // symbols at 0; lookups must find the closest symbol at or below the address.
  const text = [
    '0000000000000000 A fixed_percpu_data',
    'ffffffff81000000 T _text',
    'ffffffff81000100 T core_b',
    'ffffffff81000200 t core_c',
    'ffffffffc0002000 t mod_late\t[kvm]',
    'ffffffffc0001000 t mod_early\t[kvm]',
    'ffffffffc0001000 t mod_alias\t[kvm]',
    'ffffffffc0000800 t mod_first\t[kvm_intel]',
    'ffffffff81000180 T late_core',
    'not an address',
  ].join('\n');
  const k = new Kallsyms(text);
  const at = (a: bigint) => {
    const s = k.lookup(a);
    return s ? `${s.name}+${s.off}` : null;
  };

  it('sorts module runs into the core (equal addresses keep their listed order)', () => {
    expect(at(0xffffffff81000000n)).toBe('_text+0');
    expect(at(0xffffffff810001a0n)).toBe('late_core+32');
    expect(at(0xffffffff81000250n)).toBe('core_c+80');
    expect(at(0xffffffffc0000900n)).toBe('mod_first+256');
    expect(at(0xffffffffc0001004n)).toBe('mod_alias+4'); // equal addresses: the one listed last
    expect(at(0xffffffffc0002001n)).toBe('mod_late+1');
    expect(at(0xffffffffffffffffn)).toBe(`mod_late+${0xffffffffffffffffn - 0xffffffffc0002000n}`);
  });

  it('has nothing below the first non-zero address', () => {
    expect(at(0x10n)).toBeNull();
  });
});

describe('TableBuilder.reserve (the .dat reader sizes its tables once)', () => {
  const fill = (b: TableBuilder<typeof SCHED_MIGRATE.columns>, n: number) => {
    for (let k = 0; k < n; k++) {
      const i = b.row();
      b.c.tsNs[i] = 1000 + k;
      b.c.seq[i] = k;
      b.c.tid[i] = k * 3;
    }
  };

  it('keeps every row written past the reservation', () => {
    const b = new TableBuilder(SCHED_MIGRATE, 2);
    b.reserve(4);
    fill(b, 37);
    const t = b.finish();
    expect(t.length).toBe(37);
    expect(Array.from(t.cols.tid)).toEqual(Array.from({ length: 37 }, (_, k) => k * 3));
    expect(t.cols.tsNs[36]).toBe(1036);
  });

  it('hands out a view when at most 1/8 of the reservation is unused, else a trimmed copy', () => {
    const near = new TableBuilder(SCHED_MIGRATE, 1);
    near.reserve(100);
    fill(near, 90);
    const a = near.finish();
    expect(a.cols.tsNs.length).toBe(90);
    expect(a.cols.tsNs.buffer.byteLength).toBe(100 * 8);
    const far = new TableBuilder(SCHED_MIGRATE, 1);
    far.reserve(1000);
    fill(far, 10);
    const z = far.finish();
    expect(z.cols.tsNs.buffer.byteLength).toBe(10 * 8);
    expect(Array.from(z.cols.seq)).toEqual(Array.from({ length: 10 }, (_, k) => k));
  });
});
