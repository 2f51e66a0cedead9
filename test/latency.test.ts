import { describe, expect, it } from 'vitest';
import { HrtimerKind, MachineBuilder, TaskState, type TraceTables } from '../src/tables/index.js';
import { measureProbeLatency, ProbeError } from '../src/metrics/latency.js';
import { latencyStats } from '../src/metrics/latencyStats.js';
import { formatHistogram, latencyHistogram } from '../src/metrics/histogram.js';
import { intervalSet } from '../src/timeline/intervals.js';
import { Rows, rng } from './helpers/alignFixtures.js';

interface Probe {
  trace: TraceTables;
  /** latencies (ns) that should be measured, in activation order */
  expected: number[];
  expiries: number[];
}

/**
 * A cyclictest-like guest: measuring thread 200 sleeps with ABS hrtimers every 500 µs, its main
 * thread 199 with REL usleep timers every 10 ms (not an activation cyclictest counts). Trace
 * timestamps are CLOCK_MONOTONIC + traceMinusMonoNs. Includes one sleep that ends without leaving
 * the CPU and one interrupted by a signal (cancelled timer, not counted).
 */
function cyclictestTrace(seed: number, n: number, traceMinusMonoNs: number): Probe {
  const b = new MachineBuilder('guest', 'generated');
  const r = new Rows(b);
  const R = rng(seed);
  const expected: number[] = [];
  const expiries: number[] = [];
  const T = (mono: number) => mono + traceMinusMonoNs;
  let next = 1_000_000_000;
  let mainNext = next + 3_000_000;
  r.switch(T(next - 400_000), 0, ['swapper/0', 0], TaskState.RUNNING, ['cyclictest', 200]);
  for (let k = 0; k < n; k++) {
    const arm = next - 300_000;
    if (mainNext < arm) {
      // main thread wakes from usleep (REL) on CPU 1
      r.hrtimer(T(mainNext - 10_000_000), 1, 199, HrtimerKind.START, '0xmain', 'hrtimer_wakeup', mainNext, -1, 'REL');
      r.hrtimer(T(mainNext + 2000), 1, 0, HrtimerKind.EXPIRE_ENTRY, '0xmain', 'hrtimer_wakeup', -1, mainNext + 1500);
      r.waking(T(mainNext + 2500), 1, 0, 'cyclictest', 199, 1);
      r.switch(T(mainNext + 60_000), 1, ['swapper/1', 0], TaskState.RUNNING, ['cyclictest', 199]);
      r.switch(T(mainNext + 61_000), 1, ['cyclictest', 199], TaskState.S, ['swapper/1', 0]);
      mainNext += 10_000_000;
    }
    r.hrtimer(T(arm), 0, 200, HrtimerKind.START, '0xffff1', 'hrtimer_wakeup', next, -1, 'ABS');
    if (k === 7) {
      // overran: the timer fires before the task sleeps; it never leaves the CPU
      r.hrtimer(T(next + 1000), 0, 0, HrtimerKind.EXPIRE_ENTRY, '0xffff1', 'hrtimer_wakeup', -1, next + 800);
      r.waking(T(next + 1500), 0, 200, 'cyclictest', 200, 0);
      expected.push(1500);
      expiries.push(next);
      next += 500_000;
      continue;
    }
    r.switch(T(arm + 2000), 0, ['cyclictest', 200], TaskState.S, ['swapper/0', 0]);
    if (k === 11) {
      // a signal wakes it before the expiry; back on the CPU it cancels its timer: not an activation
      r.waking(T(next - 101_000), 0, 0, 'cyclictest', 200, 0);
      r.switch(T(next - 99_000), 0, ['swapper/0', 0], TaskState.RUNNING, ['cyclictest', 200]);
      r.hrtimer(T(next - 98_000), 0, 200, HrtimerKind.CANCEL, '0xffff1', 'hrtimer_wakeup', -1);
      next += 500_000;
      continue;
    }
    const irq = 2000 + Math.round(R() * 5000);
    const lat = irq + 1000 + Math.round(R() * (k % 50 === 3 ? 150_000 : 20_000));
    r.hrtimer(T(next + irq), 0, 0, HrtimerKind.EXPIRE_ENTRY, '0xffff1', 'hrtimer_wakeup', -1, next + irq - 300);
    r.waking(T(next + irq + 200), 0, 0, 'cyclictest', 200, 0);
    r.switch(T(next + lat), 0, ['swapper/0', 0], TaskState.RUNNING, ['cyclictest', 200]);
    expected.push(lat);
    expiries.push(next);
    next += 500_000;
  }
  return { trace: b.finish(), expected, expiries };
}

describe('measured probe latency', () => {
  it('cyclictest activations: programmed expiry -> switch-in, main thread excluded, signal excluded, overrun counted', () => {
    const p = cyclictestTrace(1, 400, 0);
    const m = measureProbeLatency(p.trace, 'guest0', { task: 'cyclictest' });
    expect(m.method).toBe('timer');
    expect(m.tids).toEqual([200]);
    expect(Array.from(m.latencyNs)).toEqual(p.expected);
    expect(Array.from(m.activationTsNs)).toEqual(p.expiries);
    expect(m.stats).toEqual(latencyStats(p.expected));
    expect(m.stats.count).toBe(399);
    expect(m.warnings).toEqual([]);
  });

  it('a CLOCK_REALTIME timer now= (another clock base) does not disturb the clock check', () => {
    const p = cyclictestTrace(6, 50, 0);
    const b = p.trace;
    // a timerfd on CLOCK_REALTIME expiring: now= is ns since 1970
    const t2 = { ...b, hrtimer: { ...b.hrtimer } };
    const H = b.hrtimer.cols;
    const n = b.hrtimer.length + 1;
    const grow = <A extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(a: A, v: number): A => {
      const out = new (a.constructor as { new (n: number): A })(n);
      out.set(a as never);
      out[n - 1] = v;
      return out;
    };
    t2.hrtimer = {
      ...b.hrtimer,
      length: n,
      cols: {
        ...H,
        tsNs: grow(H.tsNs, H.tsNs[H.tsNs.length - 1]! + 1),
        seq: grow(H.seq, 1e6),
        cpu: grow(H.cpu, 1),
        pid: grow(H.pid, 0),
        flags: grow(H.flags, 0),
        kind: grow(H.kind, HrtimerKind.EXPIRE_ENTRY),
        hrtimer: grow(H.hrtimer, -1),
        function: grow(H.function, -1),
        expiresNs: grow(H.expiresNs, -1),
        softexpiresNs: grow(H.softexpiresNs, -1),
        nowNs: grow(H.nowNs, 1.795e18),
        mode: grow(H.mode, -1),
      },
    };
    const m = measureProbeLatency(t2 as TraceTables, 'guest0', { task: 'cyclictest' });
    expect(m.monoToTrace.offsetNs).toBe(0);
    expect(Array.from(m.latencyNs)).toEqual(p.expected);
  });

  it('a trace clock that is not CLOCK_MONOTONIC is mapped via hrtimer_expire_entry now=', () => {
    const shifted = cyclictestTrace(2, 200, 5_123_456_789);
    const m = measureProbeLatency(shifted.trace, 'guest0', { task: 'cyclictest' });
    expect(m.monoToTrace.source).toMatch(/estimated/);
    // now= is read 300 ns before the event: the mapping is exact to within that
    const exp = latencyStats(shifted.expected);
    expect(m.stats.count).toBe(exp.count);
    expect(Math.abs(m.stats.avgUs - exp.avgUs)).toBeLessThan(0.5);
    expect(Math.abs(m.stats.maxUs - exp.maxUs)).toBeLessThan(0.5);
  });

  it('splits guest latency into the host-caused part (vCPU thread not running)', () => {
    const p = cyclictestTrace(3, 50, 0);
    // vCPU 0 not running on the host during [expiry, expiry + 3 µs) of every activation
    const starts: number[] = [];
    const ends: number[] = [];
    let prevEnd = 0;
    for (const e of p.expiries) {
      starts.push(prevEnd);
      ends.push(e);
      prevEnd = e + 3000;
    }
    starts.push(prevEnd);
    ends.push(1e12);
    const m = measureProbeLatency(p.trace, 'guest0', { task: 'cyclictest', vcpuRunning: new Map([[0, intervalSet(starts, ends)]]) });
    expect(m.hostCausedNs).toBeDefined();
    for (let i = 0; i < m.latencyNs.length; i++) expect(m.hostCausedNs![i]).toBe(Math.min(3000, m.latencyNs[i]!));
    expect(m.hostCausedStats!.maxUs).toBe(3);
  });

  it('a task woken without timers gets wakeup -> switch-in latency', () => {
    const b = new MachineBuilder('h', 'generated');
    const r = new Rows(b);
    r.waking(1000, 0, 5, 'audio', 300, 0);
    r.switch(1700, 0, ['swapper/0', 0], TaskState.RUNNING, ['audio', 300]);
    r.switch(2000, 0, ['audio', 300], TaskState.S, ['swapper/0', 0]);
    r.waking(5000, 0, 5, 'audio', 300, 0);
    r.switch(9000, 0, ['swapper/0', 0], TaskState.RUNNING, ['audio', 300]);
    const m = measureProbeLatency(b.finish(), 'host', { task: 300 });
    expect(m.method).toBe('wakeup');
    expect(Array.from(m.latencyNs)).toEqual([700, 4000]);
  });

  it('an unknown task is an error listing the tasks that exist', () => {
    const p = cyclictestTrace(4, 5, 0);
    expect(() => measureProbeLatency(p.trace, 'guest0', { task: 'nosuch' })).toThrow(ProbeError);
    expect(() => measureProbeLatency(p.trace, 'guest0', { task: 'nosuch' })).toThrow(/no task "nosuch".*cyclictest.*--task/);
  });
});

describe('statistics and histogram', () => {
  it('nearest-rank percentiles', () => {
    const lat = Array.from({ length: 1000 }, (_, i) => (i + 1) * 1000); // 1..1000 µs
    const s = latencyStats(lat);
    expect(s).toEqual({ count: 1000, minUs: 1, avgUs: 500.5, p50Us: 500, p99Us: 990, p999Us: 999, maxUs: 1000 });
  });

  it("renders cyclictest's -h layout", () => {
    const h = latencyHistogram([[1500, 2100, 2999, 7000, 120_000]], 5);
    const text = formatHistogram(h);
    expect(text).toBe(
      [
        '# Histogram',
        '000000 000000',
        '000001 000001',
        '000002 000002',
        '000003 000000',
        '000004 000000',
        '# Total: 000000003',
        '# Min Latencies: 00001',
        '# Avg Latencies: 00026',
        '# Max Latencies: 00120',
        '# Histogram Overflows: 00002',
        '# Histogram Overflow at cycle number:',
        '# Thread 0: 00003 00004',
        '',
      ].join('\n'),
    );
  });
});

describe('lost data', () => {
  it('activations overlapping a lost-data window are left out and reported', () => {
    const p = cyclictestTrace(5, 100, 0);
    const victim = p.expiries[40]!;
    p.trace.meta.lost.push({ cpu: 0, startNs: victim + 500, endNs: victim + 900, events: 12, kind: 'lost' });
    const m = measureProbeLatency(p.trace, 'guest0', { task: 'cyclictest' });
    expect(m.stats.count).toBe(p.expected.length - 1);
    expect(Array.from(m.activationTsNs)).not.toContain(victim);
    expect(m.warnings.join('\n')).toMatch(/1 activations overlap lost-data windows/);
  });
});
