// Scheduler rules against hand-computed schedules (sched-model.md §2-§4, §8.3).
import { describe, expect, it } from 'vitest';
import { RunQueue } from '../src/replay/engine/runQueue.js';
import { Entity, Policy } from '../src/replay/engine/entity.js';
import { defaultSchedParams, resolveSched } from '../src/replay/engine/params.js';
import { replayDemand } from '../src/replay/replayDemand.js';
import { vanillaPolicy } from '../src/replay/policies/vanilla.js';
import type { Demand, DemandTask, GuestDemand } from '../src/replay/demand/types.js';
import type { TraceTables } from '../src/tables/index.js';
import { oneVcpuGuest } from './helpers/guestDemand.js';

const MS = 1_000_000;
const ZERO_COSTS = { exitNs: 0, msrExitNs: 0, guestIrqNs: 0, guestSwitchNs: 0 };

function hostDemand(tasks: DemandTask[], opts: { cpus?: number; kernel?: string; hz?: number; durationMs: number; guests?: GuestDemand[] }): Demand {
  return {
    name: 't',
    startNs: 0,
    durationNs: opts.durationMs * MS,
    host: { cpus: opts.cpus ?? 1, kernel: opts.kernel ?? '6.5.0', hz: opts.hz ?? 1000, tasks },
    guests: opts.guests ?? [],
    warnings: [],
  };
}
const hog = (name: string, tid: number, policy: 'normal' | 'fifo' | 'rr' = 'normal', rtPrio = 0): DemandTask => ({
  name,
  tid,
  sched: { policy, rtPrio, nice: 0 },
  cpus: [0],
  behaviour: { kind: 'hog' },
});

/** [tsNs, nextPid] of every switch on cpu. */
function switches(t: TraceTables, cpu = 0): Array<[number, number]> {
  const s = t.sched_switch.cols;
  const out: Array<[number, number]> = [];
  for (let i = 0; i < t.sched_switch.length; i++) if (s.cpu[i] === cpu) out.push([s.tsNs[i]!, s.nextPid[i]!]);
  return out;
}
/** CPU time per pid on cpu from the switch sequence, up to endNs. */
function cpuTime(t: TraceTables, endNs: number, cpu = 0): Map<number, number> {
  const sw = switches(t, cpu);
  const m = new Map<number, number>();
  for (let i = 0; i < sw.length; i++) {
    const [ts, pid] = sw[i]!;
    const end = i + 1 < sw.length ? sw[i + 1]![0] : endNs;
    m.set(pid, (m.get(pid) ?? 0) + end - ts);
  }
  return m;
}

function rq(fair: 'cfs' | 'eevdf', cpus = 1, over: Partial<ReturnType<typeof defaultSchedParams>> = {}) {
  return new RunQueue(0, resolveSched({ ...defaultSchedParams(cpus, fair, 1000), ...over }), true);
}
function ent(id: number, nice = 0): Entity {
  const e = new Entity(id);
  e.setSched(Policy.NORMAL, 0, nice);
  return e;
}

describe('CFS (<= 6.5)', () => {
  it('scales latency/min_granularity/wakeup_granularity by 1 + ilog2(cpus)', () => {
    const p = resolveSched(defaultSchedParams(4, 'cfs'));
    expect([p.latencyNs, p.minGranularityNs, p.wakeupGranularityNs]).toEqual([18 * MS, 2.25 * MS, 3 * MS]);
    expect(resolveSched(defaultSchedParams(16, 'cfs')).latencyNs).toBe(24 * MS);
  });

  it('wakeup preemption needs vruntime lead > wakeup_granularity scaled by the wakee weight', () => {
    const r = rq('cfs'); // 1 CPU: latency 6 ms, gran 1 ms
    const a = ent(1);
    r.enqueue(a, 0, 'start');
    r.pickNext(0);
    r.updateCurr(10 * MS); // a.vruntime = 10 ms
    const near = ent(2);
    near.vruntime = 9.5 * MS; // slept briefly: keeps its own vruntime (> min - 3 ms)
    r.enqueue(near, 10 * MS, 'wakeup');
    expect(near.vruntime).toBe(9.5 * MS);
    expect(r.checkPreemptWakeup(near, 10 * MS)).toBe(false); // lead 0.5 ms < 1 ms
    const far = ent(3);
    far.vruntime = 0; // long sleeper: placed at min_vruntime - latency/2 = 7 ms
    r.enqueue(far, 10 * MS, 'wakeup');
    expect(far.vruntime).toBe(7 * MS);
    expect(r.checkPreemptWakeup(far, 10 * MS)).toBe(true); // lead 3 ms > 1 ms
    const heavy = ent(4, -5); // weight 3121: gran = 1 ms * 1024/3121 = 0.328 ms
    heavy.vruntime = 9.5 * MS;
    r.enqueue(heavy, 10 * MS, 'wakeup');
    expect(r.checkPreemptWakeup(heavy, 10 * MS)).toBe(true);
  });

  it('two hogs on one CPU alternate at the first tick after their 3 ms slice (HZ=1000: every 4 ms)', () => {
    const r = replayDemand(hostDemand([hog('a', 10), hog('b', 11)], { durationMs: 40 }), vanillaPolicy());
    const sw = switches(r.trace.machines[0]!);
    expect(sw.slice(0, 6)).toEqual([
      [0, 10],
      [4 * MS, 11],
      [8 * MS, 10],
      [12 * MS, 11],
      [16 * MS, 10],
      [20 * MS, 11],
    ]);
  });
});

describe('EEVDF (>= 6.6)', () => {
  it('eligibility is v <= V (weighted average); the earliest eligible deadline is picked', () => {
    const r = rq('eevdf', 1, { baseSliceNs: 3 * MS });
    const a = ent(1);
    const b = ent(2, -5); // weight 3121
    r.enqueue(a, 0, 'start');
    r.enqueue(b, 0, 'start');
    a.vruntime = 0;
    a.deadline = 10 * MS;
    b.vruntime = 2 * MS;
    b.deadline = 5 * MS;
    // V = (1024*0 + 3121*2ms) / 4145 = 1.506 ms: a eligible, b not, although b's deadline is earlier.
    expect(r.avgVruntime()).toBeCloseTo((3121 * 2 * MS) / 4145, 3);
    expect(r.eligible(a)).toBe(true);
    expect(r.eligible(b)).toBe(false);
    expect(r.pickNext(0)).toBe(a);
  });

  it('a woken task is placed at V - lag with its lag inflated by (W + w)/W', () => {
    const r = rq('eevdf', 1, { baseSliceNs: 3 * MS });
    const a = ent(1);
    r.enqueue(a, 0, 'start'); // V = 0
    const w = ent(2);
    w.vlag = 1 * MS;
    r.enqueue(w, 0, 'wakeup');
    expect(w.vruntime).toBe(-2 * MS); // lag 1 ms * (1024+1024)/1024
    expect(w.deadline).toBe(1 * MS); // + vslice 3 ms
  });

  it('a task boosted to RT and returned to fair keeps its lag before 6.12 and is placed at V from 6.12', () => {
    for (const reset of [false, true]) {
      const r = rq('eevdf', 1, { baseSliceNs: 3 * MS, lagResetOnClassChange: reset });
      const a = ent(1);
      const b = ent(2);
      r.enqueue(a, 0, 'start');
      r.enqueue(b, 0, 'start');
      expect(r.pickNext(0)).toBe(a);
      // a runs 2 ms: v_a = 2 ms, v_b = 0, V = 1 ms -> lag of a = -1 ms
      r.changeSched(a, Policy.RR, 8, 0, 2 * MS);
      expect(a.isRt).toBe(true);
      expect(a.vlag).toBe(reset ? 0 : -1 * MS);
      // back to SCHED_NORMAL while queued: V is b's 0; placement V - lag * (W + w) / W
      r.changeSched(a, Policy.NORMAL, 0, 0, 3 * MS);
      expect(a.vruntime).toBe(reset ? 0 : 2 * MS);
      expect(a.deadline).toBe(a.vruntime + 3 * MS);
    }
  });

  it('two hogs alternate every base slice (3 ms request, checked at each 1 ms tick)', () => {
    const d = hostDemand([hog('a', 10), hog('b', 11)], { durationMs: 30, kernel: '6.8.0' });
    const r = replayDemand(d, vanillaPolicy());
    const sw = switches(r.trace.machines[0]!);
    // 1 CPU: base slice 0.75 ms -> each runs to the first tick at or after its deadline (1 ms).
    expect(sw.slice(0, 5)).toEqual([
      [0, 10],
      [1 * MS, 11],
      [2 * MS, 10],
      [3 * MS, 11],
      [4 * MS, 10],
    ]);
    expect(r.params['hostFair']).toBe('eevdf');
  });
});

describe('RT class', () => {
  it('SCHED_RR tasks of equal priority rotate every 100 ms; FIFO does not', () => {
    const r = replayDemand(hostDemand([hog('a', 10, 'rr', 5), hog('b', 11, 'rr', 5)], { durationMs: 350 }), vanillaPolicy(), { rtThrottle: false });
    expect(switches(r.trace.machines[0]!)).toEqual([
      [0, 10],
      [100 * MS, 11],
      [200 * MS, 10],
      [300 * MS, 11],
    ]);
    const f = replayDemand(hostDemand([hog('a', 10, 'fifo', 5), hog('b', 11, 'fifo', 5)], { durationMs: 350 }), vanillaPolicy(), { rtThrottle: false });
    expect(switches(f.trace.machines[0]!)).toEqual([[0, 10]]);
  });

  it('a higher RT priority preempts at wakeup; RT always preempts fair', () => {
    const tasks: DemandTask[] = [
      hog('fair', 10),
      { name: 'rt', tid: 11, sched: { policy: 'fifo', rtPrio: 10, nice: 0 }, cpus: [0], behaviour: { kind: 'periodic', periodNs: 10 * MS, startNs: 5 * MS, burstNs: 1 * MS, slackNs: 0 } },
    ];
    const r = replayDemand(hostDemand(tasks, { durationMs: 20 }), vanillaPolicy(), { reschedIpiNs: 0 });
    expect(switches(r.trace.machines[0]!).slice(0, 5)).toEqual([
      [0, 10],
      [5 * MS, 11],
      [6 * MS, 10],
      [15 * MS, 11],
      [16 * MS, 10],
    ]);
  });

  it('RT throttling: an RT hog gets 950 ms per 1 s period; fair tasks run in the remainder', () => {
    const r = replayDemand(hostDemand([hog('rt', 10, 'fifo', 50), hog('fair', 11)], { durationMs: 2100 }), vanillaPolicy());
    const t = cpuTime(r.trace.machines[0]!, 2100 * MS);
    // Throttled at the first tick with rt_time > 950 ms (951 ms), unthrottled at the 1 s period
    // (rt_time 1 ms left), throttled again at 1950 ms: fair runs 49 + 50 ms.
    expect(t.get(11)).toBe(99 * MS);
    expect(r.boost.throttles).toBe(2);
    const off = replayDemand(hostDemand([hog('rt', 10, 'fifo', 50), hog('fair', 11)], { durationMs: 2100, kernel: '6.12.0' }), vanillaPolicy());
    expect(cpuTime(off.trace.machines[0]!, 2100 * MS).get(11) ?? 0).toBe(0); // 6.12+: no RT throttling
  });
});

describe('nested guest', () => {
  it('guest work only progresses while the vCPU thread runs on the host', () => {
    const guest = oneVcpuGuest('kvm', { name: 'work', tid: 7, sched: { policy: 'normal', rtPrio: 0, nice: 0 }, behaviour: { kind: 'periodic', periodNs: 100 * MS, startNs: 1 * MS, burstNs: 2 * MS, slackNs: 0 } });
    const rt: DemandTask = { name: 'rt', tid: 11, sched: { policy: 'fifo', rtPrio: 10, nice: 0 }, cpus: [0], behaviour: { kind: 'periodic', periodNs: 100 * MS, startNs: 1.5 * MS, burstNs: 1 * MS, slackNs: 0 } };
    const r = replayDemand(hostDemand([rt], { durationMs: 10, guests: [guest] }), vanillaPolicy(), { reschedIpiNs: 0, costs: ZERO_COSTS });
    // Guest task switched in at 1 ms (timer), the host RT task takes the pCPU from 1.5 to 2.5 ms,
    // so 2 ms of guest work ends at 4 ms of host time.
    expect(switches(r.trace.machines[1]!).slice(0, 2)).toEqual([
      [1 * MS, 7],
      [4 * MS, 0],
    ]);
    expect(switches(r.trace.machines[0]!).slice(0, 3)).toEqual([
      [0, 100],
      [1.5 * MS, 11],
      [2.5 * MS, 100],
    ]);
  });

  it('a guest timer that expires while the vCPU is preempted fires when the vCPU runs again', () => {
    const guest = oneVcpuGuest('kvm', { name: 'probe', tid: 7, sched: { policy: 'normal', rtPrio: 0, nice: 0 }, behaviour: { kind: 'periodic', periodNs: 100 * MS, startNs: 2 * MS, burstNs: 0.01 * MS, slackNs: 0 } });
    const rt: DemandTask = { name: 'rt', tid: 11, sched: { policy: 'fifo', rtPrio: 10, nice: 0 }, cpus: [0], behaviour: { kind: 'periodic', periodNs: 100 * MS, startNs: 1.5 * MS, burstNs: 1 * MS, slackNs: 0 } };
    const r = replayDemand(hostDemand([rt], { durationMs: 10, guests: [guest] }), vanillaPolicy(), { reschedIpiNs: 0, costs: ZERO_COSTS });
    expect(switches(r.trace.machines[1]!)[0]).toEqual([2.5 * MS, 7]);
  });

  it('TCG: a guest timer reaches a halted vCPU through the QEMU main loop (ppoll slack + its work)', () => {
    const guest = oneVcpuGuest('tcg', { name: 'probe', tid: 7, sched: { policy: 'normal', rtPrio: 0, nice: 0 }, behaviour: { kind: 'periodic', periodNs: 1 * MS, startNs: 1 * MS, burstNs: 0.01 * MS, slackNs: 0 } });
    const costs = { ...ZERO_COSTS, tcgSlackNs: 50_000, tcgMainLoopNs: 10_000 };
    const r = replayDemand(hostDemand([], { durationMs: 5, guests: [guest] }), vanillaPolicy(), { reschedIpiNs: 0, costs });
    const g = switches(r.trace.machines[1]!).filter(([, pid]) => pid === 7);
    expect(g.slice(0, 3)).toEqual([
      [1.06 * MS, 7],
      [2.06 * MS, 7],
      [3.06 * MS, 7],
    ]);
    // The main loop thread ran between the expiry and the vCPU: it is on the host trace.
    expect(switches(r.trace.machines[0]!).some(([ts, pid]) => ts === 1.05 * MS && pid !== 100 && pid !== 0)).toBe(true);
  });

  it('TCG: measured delays replace the constants (expiry -> main loop, its work, interrupt entry)', () => {
    const one = (ns: number) => Float64Array.of(ns);
    const guest = oneVcpuGuest(
      'tcg',
      { name: 'probe', tid: 7, sched: { policy: 'normal', rtPrio: 0, nice: 0 }, behaviour: { kind: 'periodic', periodNs: 1 * MS, startNs: 1 * MS, burstNs: 0.01 * MS, slackNs: 0 } },
      { platform: { timerWakeNs: 0, wakeSwitchNs: 0, samples: { tcgTimerLagNs: one(8_000), tcgKickNs: one(4_000), tcgIrqEntryNs: one(11_000) } } },
    );
    const costs = { ...ZERO_COSTS, tcgSlackNs: 50_000, tcgMainLoopNs: 10_000 };
    const r = replayDemand(hostDemand([], { durationMs: 5, guests: [guest] }), vanillaPolicy(), { reschedIpiNs: 0, costs });
    // 1 ms expiry + 8 us to the main loop + 4 us of its work + 11 us of interrupt entry = 1.023 ms
    expect(switches(r.trace.machines[1]!).filter(([, pid]) => pid === 7).slice(0, 2)).toEqual([
      [1_023_000, 7],
      [2_023_000, 7],
    ]);
    // --platform-delays median: the constants again (50 us slack + 10 us main loop).
    const m = replayDemand(hostDemand([], { durationMs: 5, guests: [guest] }), vanillaPolicy(), { reschedIpiNs: 0, costs, platformDelays: 'median' });
    expect(switches(m.trace.machines[1]!).filter(([, pid]) => pid === 7)[0]).toEqual([1.06 * MS, 7]);
  });

  it('TCG: emulator runs wake a halted vCPU thread at their captured times, not a busy one', () => {
    const guest = oneVcpuGuest(
      'tcg',
      { name: 'work', tid: 7, sched: { policy: 'normal', rtPrio: 0, nice: 0 }, behaviour: { kind: 'periodic', periodNs: 100 * MS, startNs: 5 * MS, burstNs: 2 * MS, slackNs: 0 } },
      // 1 ms: guest idle (vCPU halted) -> runs 30 us; 6 ms: the vCPU runs guest work then -> skipped
      { emulatorRuns: [{ atNs: Float64Array.of(1 * MS, 6 * MS), runNs: Float64Array.of(30_000, 500_000) }] },
    );
    const costs = { ...ZERO_COSTS, tcgSlackNs: 0, tcgMainLoopNs: 0 };
    const r = replayDemand(hostDemand([], { durationMs: 10, guests: [guest] }), vanillaPolicy(), { reschedIpiNs: 0, costs });
    const cpu = switches(r.trace.machines[0]!).filter(([ts]) => ts < 5 * MS);
    expect(cpu).toContainEqual([1 * MS, 100]);
    expect(cpu).toContainEqual([1.03 * MS, 0]);
    const busy = cpuTime(r.trace.machines[0]!, 10 * MS).get(100)!;
    // 30 us + the guest's 2 ms of work: the 6 ms run is not added on top of guest work.
    expect(busy).toBeLessThan(2.2 * MS);
    const off = replayDemand(hostDemand([], { durationMs: 10, guests: [guest] }), vanillaPolicy(), { reschedIpiNs: 0, costs, emulatorRuns: false });
    expect(switches(off.trace.machines[0]!).some(([ts]) => ts === 1 * MS)).toBe(false);
  });
});

