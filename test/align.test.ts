import { describe, expect, it } from 'vitest';
import { alignGuest } from '../src/align/alignGuest.js';
import { AlignError } from '../src/align/errors.js';
import { retimeTables } from '../src/align/retime.js';
import { clockFromSyncRounds, syncRounds } from '../src/align/syncMarkers.js';
import { clockFromKvmTscOffset, clockFromRemoteSync, clockFromTimeShift } from '../src/align/clockSources.js';
import { mapVcpus } from '../src/align/vcpuMap.js';
import { nameCandidates } from '../src/align/alignGuest.js';
import { KvmKind, MachineBuilder, TaskState } from '../src/tables/index.js';
import { Rows, syntheticPair } from './helpers/alignFixtures.js';

const spec = (extra: Record<string, unknown> = {}) => ({ name: 'guest0', trace: 'g.txt', ...extra });

describe('vCPU mapping', () => {
  it('finds QEMU TCG threads by name and keeps the scenario map first', () => {
    const { host, guest, vcpuTids } = syntheticPair({ seed: 1, offsetNs: 0, durationNs: 2e8 });
    const byName = mapVcpus({ guest: spec(), guestCount: 1, host, guestTables: guest, sameTrace: false, byName: nameCandidates(host) });
    expect(byName.source).toBe('thread-name');
    expect([...byName.tids]).toEqual([[0, vcpuTids[0]], [1, vcpuTids[1]]]);
    const given = mapVcpus({ guest: spec({ vcpus: [vcpuTids[1], vcpuTids[0]] }), guestCount: 1, host, guestTables: guest, sameTrace: false, byName: nameCandidates(host) });
    expect(given.source).toBe('scenario');
    expect(given.tids.get(0)).toBe(vcpuTids[1]);
  });

  it('prefers kvm_entry vcpu ids over names (QEMU without debug-threads names every thread alike)', () => {
    const { host, guest, vcpuTids } = syntheticPair({ seed: 2, offsetNs: 0, durationNs: 2e8, kvmEntries: true, vcpuName: () => 'qemu-system-x86' });
    const m = mapVcpus({ guest: spec(), guestCount: 1, host, guestTables: guest, sameTrace: false, byName: nameCandidates(host) });
    expect(m.source).toBe('kvm-entry');
    expect([...m.tids].sort()).toEqual([[0, vcpuTids[0]], [1, vcpuTids[1]]]);
  });

  it('uses the trace.dat GUEST option when the host has one', () => {
    const { host, guest, vcpuTids } = syntheticPair({ seed: 3, offsetNs: 0, durationNs: 2e8 });
    // the shape the .dat reader gives (src/ingest/dat/options.ts GuestInfo)
    host.meta.extra['guests'] = [{ name: 'vm', traceId: '0x77', vcpus: [{ vcpu: 0, hostPid: vcpuTids[1] }, { vcpu: 1, hostPid: vcpuTids[0] }] }];
    const m = mapVcpus({ guest: spec(), guestCount: 1, host, guestTables: guest, sameTrace: false, byName: nameCandidates(host) });
    expect(m.source).toBe('dat-guest-option');
    expect(m.tids.get(0)).toBe(vcpuTids[1]);
  });

  it('two QEMU processes with the same vCPU names is an error that says how to resolve it', () => {
    const b = new MachineBuilder('two-qemus', 'generated');
    const r = new Rows(b);
    r.switch(1000, 0, ['swapper/0', 0], TaskState.RUNNING, ['CPU 0/TCG', 11]);
    r.switch(2000, 0, ['CPU 0/TCG', 11], TaskState.S, ['CPU 0/TCG', 21]);
    r.switch(3000, 0, ['CPU 0/TCG', 21], TaskState.S, ['swapper/0', 0]);
    const host = b.finish(); // no tgids in this trace: the two threads cannot be told apart
    const g = new MachineBuilder('g', 'generated');
    new Rows(g).switch(1500, 0, ['swapper/0', 0], TaskState.RUNNING, ['sh', 5]);
    const call = () => mapVcpus({ guest: spec(), guestCount: 1, host, guestTables: g.finish(), sameTrace: false, byName: nameCandidates(host) });
    expect(call).toThrow(AlignError);
    expect(call).toThrow(/vCPU 0 matches several host threads.*tid 11.*tid 21.*"vcpus"/);
  });

  it('two VMs on the host: the one whose vCPU count fits the guest is chosen, else an error', () => {
    const b = new MachineBuilder('two-vms', 'generated');
    const r = new Rows(b);
    let ts = 1000;
    for (const [tid, name] of [[11, 'CPU 0/TCG'], [12, 'CPU 1/TCG'], [21, 'CPU 0/TCG']] as const) {
      r.switch(ts, 0, ['swapper/0', 0], TaskState.RUNNING, [name, tid]);
      r.switch(ts + 500, 0, [name, tid], TaskState.S, ['swapper/0', 0]);
      ts += 1000;
    }
    b.setTgid(11, 10);
    b.setTgid(12, 10);
    b.setTgid(21, 20);
    const host = b.finish();
    const twoCpuGuest = new MachineBuilder('g2', 'generated');
    const gr = new Rows(twoCpuGuest);
    gr.switch(1200, 0, ['swapper/0', 0], TaskState.RUNNING, ['sh', 5]);
    gr.switch(1300, 1, ['swapper/1', 0], TaskState.RUNNING, ['sh', 6]);
    const m = mapVcpus({ guest: spec(), guestCount: 1, host, guestTables: twoCpuGuest.finish(), sameTrace: false, byName: nameCandidates(host) });
    expect([...m.tids]).toEqual([[0, 11], [1, 12]]);
    const oneCpuEach = () => mapVcpus({ guest: spec(), guestCount: 2, host, guestTables: twoCpuGuest.finish(), sameTrace: false, byName: nameCandidates(host) });
    expect(oneCpuEach).toThrow(/2 virtual machines for 2 guests.*process 10.*process 20.*"vcpus"/);
  });

  it('a guest trace with no matching vCPU threads is an error', () => {
    const b = new MachineBuilder('plain-host', 'generated');
    new Rows(b).switch(1000, 0, ['swapper/0', 0], TaskState.RUNNING, ['bash', 42]);
    const host = b.finish();
    const { guest } = syntheticPair({ seed: 4, offsetNs: 0, durationNs: 1e8 });
    expect(() => mapVcpus({ guest: spec(), guestCount: 1, host, guestTables: guest, sameTrace: false, byName: [] })).toThrow(/no vCPU threads found in the host trace plain-host/);
    expect(() => mapVcpus({ guest: spec({ vcpus: [9999] }), guestCount: 1, host, guestTables: guest, sameTrace: false, byName: [] })).toThrow(/9999.*do not appear|none of its vCPU threads/);
  });
});

describe('clock sources', () => {
  it('RemoteClockSync offset is client - host (trace processor convention)', () => {
    const g = new MachineBuilder('g', 'perfetto').finish();
    g.meta.extra['remoteClockSync'] = { offsetNs: 5000, uncertaintyNs: 100, rounds: 3 };
    expect(clockFromRemoteSync(g)).toMatchObject({ offsetNs: -5000, scale: 1, uncertaintyNs: 100, source: 'remote-clock-sync' });
    // the .dat reader applies TIME_SHIFT while decoding and keeps the samples it used
    g.meta.extra['timeShift'] = { peerTraceId: '0x1234', interpolate: true, cpus: [{ samples: 2, times: ['1', '2'], offsets: ['5', '5'], scalings: ['1', '1'], fractions: [0] }] };
    expect(clockFromTimeShift(g)).toMatchObject({ offsetNs: 0, source: 'time-shift' });
  });

  it('KVM tsc offset (kvm_write_tsc_offset) maps TSC-clock traces', () => {
    const hb = new MachineBuilder('h', 'trace-cmd-dat');
    const i = hb.generic.row();
    hb.generic.c.tsNs[i] = 1000; hb.generic.c.seq[i] = hb.seq(); hb.generic.c.cpu[i] = 0; hb.generic.c.pid[i] = 11; hb.generic.c.flags[i] = 0;
    hb.generic.c.event[i] = hb.str('kvm_write_tsc_offset');
    // guest TSC = host TSC - 5e9 ticks (u64 wrap-around as the kernel prints it)
    hb.generic.c.fields[i] = `vcpu=0 prev=0 next=${(2n ** 64n - 5_000_000_000n).toString()}`;
    const host = hb.finish();
    host.meta.clock = 'x86-tsc';
    const guest = new MachineBuilder('g', 'trace-cmd-dat').finish();
    guest.meta.clock = 'x86-tsc';
    guest.meta.startNs = 5000;
    const c = clockFromKvmTscOffset(host, guest, new Map([[0, 11]]), 2.5e9)!;
    expect(c.source).toBe('kvm-tsc-offset');
    expect(c.offsetNs).toBeCloseTo(2e9, 0); // 5e9 ticks at 2.5 GHz: the guest clock is 2 s behind
    host.meta.clock = 'mono';
    expect(clockFromKvmTscOffset(host, guest, new Map([[0, 11]]), 2.5e9)).toBeNull();
  });

  it('round-trip sync markers bound the offset; the intersection of rounds is the estimate', () => {
    const truth = -123_456_789;
    const { host, guest } = syntheticPair({ seed: 5, offsetNs: truth, durationNs: 5e8, syncEveryNs: 5e7 });
    const rounds = syncRounds(host, guest);
    expect(rounds.length).toBe(10);
    for (const r of rounds) {
      expect(r.loNs).toBeLessThanOrEqual(truth);
      expect(r.hiNs).toBeGreaterThanOrEqual(truth);
    }
    const c = clockFromSyncRounds(rounds)!;
    expect(c.source).toBe('sync-markers');
    expect(Math.abs(c.offsetNs - truth)).toBeLessThanOrEqual(c.uncertaintyNs);
    expect(c.uncertaintyNs).toBeLessThan(20_000);
  });

  it('sync markers over a drifting guest clock give the rate as well', () => {
    const truth = 2_000_000_000;
    const scale = 1 + 80e-6; // 80 ppm: 800 µs over 10 s
    const { host, guest } = syntheticPair({ seed: 6, offsetNs: truth, scale, durationNs: 10e9, syncEveryNs: 5e8, vcpus: 1 });
    const c = clockFromSyncRounds(syncRounds(host, guest))!;
    expect(c.scale).toBeCloseTo(scale, 6);
    // check the mapping at both ends of the guest trace rather than the raw intercept
    for (const g of [guest.meta.startNs, guest.meta.endNs]) {
      const want = g * scale + truth;
      expect(Math.abs(g * c.scale + c.offsetNs - want)).toBeLessThan(20_000);
    }
  });
});

describe('clock estimate from the traces alone', () => {
  for (const [seed, truth] of [[11, 7_777_777_777], [12, -3_141_592_653], [13, 250_000]] as const) {
    it(`recovers a known offset (${truth} ns) within 20 µs and reports an honest uncertainty`, () => {
      const { host, guest } = syntheticPair({ seed, offsetNs: truth, durationNs: 3e9 });
      const r = alignGuest({ host, guestTables: guest, spec: spec(), guestCount: 1, sameTrace: false });
      expect(r.guest.clock.source).toBe('estimated');
      const err = Math.abs(r.guest.clock.offsetNs - truth);
      expect(err).toBeLessThan(20_000);
      expect(err).toBeLessThanOrEqual(r.guest.clock.uncertaintyNs);
      expect(r.warnings).toEqual([]);
      // guest tables are now on the host clock
      expect(Math.abs(r.guest.tables!.meta.startNs - (guest.meta.startNs + truth))).toBeLessThan(20_000);
    });
  }

  it('recovers a trace shifted by a known amount from an aligned pair', () => {
    const { host, guest } = syntheticPair({ seed: 21, offsetNs: 0, durationNs: 3e9 });
    const shift = 42_424_242;
    const shifted = retimeTables(guest, { offsetNs: -shift, scale: 1, uncertaintyNs: 0, source: 'test' });
    expect(shifted.sched_switch.cols.tsNs[0]).toBe(guest.sched_switch.cols.tsNs[0]! - shift);
    const r = alignGuest({ host, guestTables: shifted, spec: spec(), guestCount: 1, sameTrace: false });
    expect(Math.abs(r.guest.clock.offsetNs - shift)).toBeLessThan(20_000);
  });

  it('estimates the rate of a drifting guest clock', () => {
    const truth = 1_000_000_000;
    const scale = 1 - 100e-6;
    const { host, guest } = syntheticPair({ seed: 22, offsetNs: truth, scale, durationNs: 8e9 });
    const r = alignGuest({ host, guestTables: guest, spec: spec(), guestCount: 1, sameTrace: false });
    const c = r.guest.clock;
    for (const g of [guest.meta.startNs, guest.meta.endNs]) expect(Math.abs(g * c.scale + c.offsetNs - (g * scale + truth))).toBeLessThan(20_000);
  });

  it('narrows a stated offset with a wide error bar (TCG sync markers), adding the rate, but only inside its bounds', () => {
    const truth = 3_000_000_000;
    const scale = 1 - 8e-6; // a TCG guest clock a few ppm slow
    const { host, guest } = syntheticPair({ seed: 23, offsetNs: truth, scale, durationNs: 6e9 });
    const mid = (guest.meta.startNs + guest.meta.endNs) / 2;
    const statedAtMid = mid * (scale - 1) + truth; // constant offset right at mid-trace, ± 400 µs
    const stated = { offsetNs: Math.round(statedAtMid + 150_000), uncertaintyNs: 400_000, source: 'sync-markers' };
    const r = alignGuest({ host, guestTables: guest, spec: spec({ clock: stated }), guestCount: 1, sameTrace: false });
    const c = r.guest.clock;
    expect(c.source).toBe('scenario (sync-markers), refined from traces');
    expect(c.uncertaintyNs).toBeLessThan(20_000);
    for (const g of [guest.meta.startNs, guest.meta.endNs]) expect(Math.abs(g * c.scale + c.offsetNs - (g * scale + truth))).toBeLessThan(20_000);
    // a stated offset whose bounds exclude what the traces show is kept, with a warning
    const wrong = { offsetNs: Math.round(statedAtMid + 2_000_000), uncertaintyNs: 400_000, source: 'sync-markers' };
    const r2 = alignGuest({ host, guestTables: guest, spec: spec({ clock: wrong }), guestCount: 1, sameTrace: false });
    expect(r2.guest.clock.offsetNs).toBe(wrong.offsetNs);
    expect(r2.warnings.join('\n')).toMatch(/do not narrow/);
  });

  it('a guest recorded at another time is a clear "no overlap" error', () => {
    const a = syntheticPair({ seed: 31, offsetNs: 0, durationNs: 1e9 });
    // Scenario says offset 100 s: the guest lands after the host trace ends.
    expect(() => alignGuest({ host: a.host, guestTables: a.guest, spec: spec({ clock: { offsetNs: 100e9 } }), guestCount: 1, sameTrace: false })).toThrow(
      /no overlap in time/,
    );
  });
});

describe('kvm in-guest evidence', () => {
  it('kvm_entry rows carry the vcpu id used for mapping', () => {
    const { host } = syntheticPair({ seed: 41, offsetNs: 0, durationNs: 1e8, kvmEntries: true });
    const k = host.kvm;
    expect(k.length).toBeGreaterThan(0);
    expect([...new Set(Array.from(k.cols.kind))]).toEqual([KvmKind.ENTRY]);
  });
});
