import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readPerfetto, sniffPerfetto } from '../src/ingest/perfetto/index.js';
import { ingest } from '../src/ingest/index.js';
import { TaskState, Flags, IrqKind, KvmKind, WakeupKind, type TraceTables } from '../src/tables/index.js';
import { ProtoWriter } from '../src/report/perfetto/protoWriter.js';
import { compactTrace, lostTrace, twoMachineTrace, zlibWrapped, zstdRawFrame, zstdWrapped, packet, bundle, ev, selfDescribingTrace } from './fixtures/perfetto/build.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pf-fix-'));
});
let n = 0;
async function file(bytes: Uint8Array): Promise<string> {
  const p = join(dir, `t${n++}.pftrace`);
  await writeFile(p, bytes);
  return p;
}

function switches(m: TraceTables) {
  const c = m.sched_switch.cols;
  const s = (id: number) => (id < 0 ? null : m.strings[id]);
  return Array.from({ length: m.sched_switch.length }, (_, i) => ({
    ts: c.tsNs[i], cpu: c.cpu[i], pid: c.pid[i], prev: [s(c.prevComm[i]!), c.prevPid[i], c.prevPrio[i]], state: c.prevState[i],
    next: [s(c.nextComm[i]!), c.nextPid[i], c.nextPrio[i]],
  }));
}

function threadNames(m: TraceTables): string[] {
  const c = m.threads.cols;
  return Array.from({ length: m.threads.length }, (_, i) => `${c.tid[i]}:${m.strings[c.comm[i]!]}:${c.tgid[i]}`);
}

const COMPACT_SWITCHES = [
  // First switch ever seen on CPU 0: prev_* unknown.
  { ts: 1000, cpu: 0, pid: -1, prev: [null, -1, -1], state: TaskState.PREEMPTED, next: ['c', 30, 100] },
  // Arrived in the first packet, but its prev is the 1000 switch that arrived later.
  { ts: 2000, cpu: 0, pid: 30, prev: ['c', 30, 100], state: TaskState.RUNNING, next: ['a', 10, 120] },
  { ts: 2100, cpu: 0, pid: 10, prev: ['a', 10, 120], state: TaskState.S, next: ['swapper/0', 0, 120] },
];

function expectCompactTables(m: TraceTables) {
  expect(switches(m)).toEqual(COMPACT_SWITCHES);
  const w = m.sched_wakeup.cols;
  expect(m.sched_wakeup.length).toBe(1);
  expect([w.tsNs[0], w.cpu[0], w.pid[0], w.kind[0], m.strings[w.comm[0]!], w.tid[0], w.prio[0], w.targetCpu[0], w.success[0], w.flags[0]]).toEqual([
    2050, 0, 10, WakeupKind.WAKING, 'b', 20, 110, 1, -1, Flags.UNKNOWN,
  ]);
  const q = m.irq.cols;
  expect(m.irq.length).toBe(1);
  expect([q.tsNs[0], q.cpu[0], q.pid[0], q.kind[0], m.strings[q.event[0]!], q.num[0], m.strings[q.name[0]!], q.ret[0]]).toEqual([
    1500, 0, 30, IrqKind.IRQ_ENTRY, 'irq_handler_entry', 5, 'eth0', -1,
  ]);
  expect(m.meta.eventCounts).toEqual({ irq_handler_entry: 1, sched_switch: 3, sched_waking: 1 });
  expect(m.meta.kernelVersion).toBe('5.10.43-android12');
  expect(threadNames(m)).toEqual(['0:swapper/0:-1', '10:a:-1', '20:b:-1', '30:c:-1']);
}

describe('perfetto fixtures', () => {
  it('compact_sched: delta timestamps, intern table, prev_* and waker from per-CPU time order', async () => {
    const t = await readPerfetto(await file(compactTrace()));
    expect(t.machines.length).toBe(1);
    expectCompactTables(t.machines[0]!);
    expect(t.machines[0]!.meta.formatDetail).toContain('compact_sched');
  });

  it('zlib compressed_packets, zstd compressed_packets and a gzipped file decode to the same tables', async () => {
    const inner = compactTrace();
    const z = await readPerfetto(await file(zlibWrapped(inner)));
    expectCompactTables(z.machines[0]!);
    expect(z.machines[0]!.meta.formatDetail).toContain('zlib');
    const zs = await readPerfetto(await file(zstdWrapped(zstdRawFrame(inner))));
    expectCompactTables(zs.machines[0]!);
    expect(zs.machines[0]!.meta.formatDetail).toContain('zstd');
    const gz = await ingest(await file(gzipSync(inner)));
    expect(gz.format).toBe('perfetto');
    expectCompactTables(gz.machines[0]!);
  });

  it('zstd compressed_packets made by the zstd CLI (real compressed blocks)', async (ctx) => {
    const r = spawnSync('zstd', ['-q', '-c', '-19'], { input: compactTrace() });
    if (r.status !== 0) {
      process.stderr.write('SKIPPED zstd CLI fixture: zstd is not installed\n');
      ctx.skip();
      return;
    }
    const t = await readPerfetto(await file(zstdWrapped(new Uint8Array(r.stdout))));
    expectCompactTables(t.machines[0]!);
  });

  it('two machines: machine_id splits host and guest, RemoteClockSync gives the offset', async () => {
    const t = await readPerfetto(await file(twoMachineTrace()));
    expect(t.machines.map((m) => m.meta.machine)).toEqual(['chromeos-host', 'guest0']);
    const [host, guest] = t.machines as [TraceTables, TraceTables];
    expect(switches(host)).toEqual([{ ts: 5000, cpu: 1, pid: 0, prev: ['swapper/1', 0, 120], state: 0, next: ['crosvm_vcpu0', 4242, 120] }]);
    expect(switches(guest)).toEqual([{ ts: 9000, cpu: 0, pid: 0, prev: ['swapper/0', 0, 120], state: 0, next: ['cyclictest', 77, 19] }]);
    expect(host.meta.kernelVersion).toBe('6.1.0');
    expect(guest.meta.kernelVersion).toBe('6.6.0');
    expect(host.meta.cpuCount).toBe(2);
    expect(guest.meta.cpuCount).toBe(1);
    expect(guest.meta.extra['remoteClockSync']).toEqual({ offsetNs: 1_000_000, uncertaintyNs: 50, rounds: 2 });
    expect(guest.meta.extra['machineId']).toBe(7);
    expect(host.meta.extra['remoteClockSync']).toBeUndefined();
  });

  it('lost_events and previous_packet_dropped become lost windows (not the first packet of a sequence)', async () => {
    const t = await readPerfetto(await file(lostTrace()));
    const m = t.machines[0]!;
    expect(m.sched_switch.length).toBe(4);
    expect(m.meta.lost).toEqual([
      { cpu: 1, startNs: 250, endNs: 900, events: null, kind: 'lost', detail: expect.stringContaining('lost_events') },
      { cpu: 1, startNs: 900, endNs: 1200, events: null, kind: 'packet-dropped', detail: 'previous_packet_dropped on sequence 3' },
    ]);
  });

  it('unknown packet fields, unknown ftrace events, empty x86 kvm_entry payloads and GenericFtraceEvent', async () => {
    const w = new ProtoWriter();
    packet(w, (w) => {
      w.uint(999, 5); // unknown packet field
      w.string(1000, 'x');
    });
    packet(w, (w) =>
      bundle(w, 2, {
        events: [
          (w) => {
            ev(w, 10, 7);
            const p = w.begin(9999); // an event id we have never heard of
            w.uint(1, 42);
            w.string(2, 'hi');
            w.end(p);
          },
          (w) => {
            ev(w, 11, 7);
            const p = w.begin(13); // cpu_idle
            w.uint(1, 4294967295);
            w.uint(2, 2);
            w.end(p);
          },
          (w) => {
            // x86 kvm_entry: the arm64-shaped proto has no field for x86's, so the payload is empty.
            ev(w, 9, 4242);
            const p = w.begin(376);
            w.end(p);
          },
          (w) => {
            // x86 kvm_inj_virq only exists as a GenericFtraceEvent.
            ev(w, 12, 4242);
            const p = w.begin(327);
            w.string(1, 'kvm_inj_virq');
            for (const [k, v] of [['irq', 236], ['soft', 0], ['reinjected', 0]] as const) {
              const f = w.begin(2);
              w.string(1, k);
              w.int(4, v);
              w.end(f);
            }
            w.end(p);
          },
        ],
      }),
    );
    const m = (await readPerfetto(await file(w.take()))).machines[0]!;
    const g = m.generic.cols;
    expect(Array.from({ length: m.generic.length }, (_, i) => [g.tsNs[i], g.cpu[i], g.pid[i], m.strings[g.event[i]!], g.fields[i]])).toEqual([
      [10, 2, 7, 'ftrace_event_9999', 'f1=42 f2=hi'],
      [11, 2, 7, 'cpu_idle', 'state=4294967295 cpu_id=2'],
    ]);
    const k = m.kvm.cols;
    expect(m.kvm.length).toBe(2);
    expect([k.tsNs[0], k.pid[0], k.kind[0], k.reason[0], k.vcpuId[0], k.detail[0]]).toEqual([9, 4242, KvmKind.ENTRY, -1, -1, '']);
    expect([k.tsNs[1], k.pid[1], k.kind[1], m.strings[k.reason[1]!] ?? null, k.vector[1], k.vcpuId[1], k.detail[1]]).toEqual([12, 4242, KvmKind.INJ_VIRQ, null, 236, -1, 'irq=236 soft=0 reinjected=0']);
    expect(m.meta.eventCounts['kvm_entry']).toBe(1);
    expect(m.meta.eventCounts['kvm_inj_virq']).toBe(1);
  });

  it('sniffing: our fixtures are Perfetto, text that starts with a newline (0x0A) is not', () => {
    for (const b of [compactTrace(), twoMachineTrace(), lostTrace(), zlibWrapped(compactTrace())]) expect(sniffPerfetto(b)).toBe(true);
    const text = '\n# tracer: nop\n#\n# entries-in-buffer/entries-written: 13/13   #P:12\n          <idle>-0     [000] d..2.  100.000000: sched_switch: prev_comm=swapper/0';
    expect(sniffPerfetto(Buffer.from(text))).toBe(false);
    expect(sniffPerfetto(Buffer.from('\n\n  bash-1234 [001] 100.0: sched_wakeup: comm=x pid=1'))).toBe(false);
    expect(sniffPerfetto(Uint8Array.of(0x0a, 0x00))).toBe(false);
  });

  it('self-describing events (v50+ generic_event_descriptors) are decoded by their descriptor and routed by name', async () => {
    const m = (await readPerfetto(await file(selfDescribingTrace()))).machines[0]!;
    const k = m.kvm.cols;
    expect(m.kvm.length).toBe(1);
    expect([k.tsNs[0], k.cpu[0], k.pid[0], k.kind[0], k.vector[0], k.detail[0]]).toEqual([500, 3, 4242, KvmKind.INJ_VIRQ, 236, 'irq=236 soft=0 reinjected=1 delta=-3 note=x y']);
    expect(m.meta.eventCounts).toEqual({ kvm_inj_virq: 1 });
  });

  it('bundles on another ftrace clock are mapped to BOOTTIME (bundle pair, or the MONOTONIC_RAW snapshot)', async () => {
    const w = new ProtoWriter();
    const sw = (ts: number) => (w: ProtoWriter) => {
      ev(w, ts, 0);
      const p = w.begin(4);
      w.string(5, 'x');
      w.int(6, 5);
      w.end(p);
    };
    packet(w, (w) => {
      const s = w.begin(6); // ClockSnapshot: MONOTONIC_RAW 100 == BOOTTIME 1100
      for (const [id, ts] of [[5, 100], [6, 1100]] as const) {
        const c = w.begin(1);
        w.uint(1, id);
        w.uint(2, ts);
        w.end(c);
      }
      w.end(s);
    });
    packet(w, (w) => {
      const b = w.begin(1);
      w.uint(1, 0);
      w.uint(5, 3); // LOCAL
      w.uint(6, 1000); // ftrace_timestamp
      w.uint(7, 51_000); // boot_timestamp
      const e = w.begin(2);
      sw(2000)(w);
      w.end(e);
      w.end(b);
    });
    packet(w, (w) => {
      const b = w.begin(1);
      w.uint(1, 1);
      w.uint(5, 4); // MONO_RAW, no pair: the snapshot maps it
      const e = w.begin(2);
      sw(3000)(w);
      w.end(e);
      w.end(b);
    });
    const m = (await readPerfetto(await file(w.take()))).machines[0]!;
    expect(Array.from(m.sched_switch.cols.tsNs)).toEqual([4000, 52_000]);
    expect(Array.from(m.sched_switch.cols.cpu)).toEqual([1, 0]);
    expect(m.meta.clock).toBe('boot');
  });
});
