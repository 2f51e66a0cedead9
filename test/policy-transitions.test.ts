// Policy transitions: the dynamic RFC rules (rfc-mechanism.md §4-§6) on a hand-driven vCPU,
// static and dynamic-v3, and the boosted class showing in the replayed host trace.
import { describe, expect, it } from 'vitest';
import { dynamicPolicy } from '../src/replay/policies/dynamic.js';
import { dynamicV3Policy } from '../src/replay/policies/dynamicV3.js';
import { staticPolicy } from '../src/replay/policies/static.js';
import { BoostReq, type GuestTaskInfo, type PolicyCtx, type SharedArea, type VcpuView } from '../src/replay/policies/types.js';
import { demandFromSpec, type WorkloadSpec } from '../src/replay/demand/synthetic.js';
import { replayDemand } from '../src/replay/replayDemand.js';

const US = 1000;

/** A vCPU and host as the policy sees them; setSched applies immediately, like sched_setscheduler. */
function harness() {
  const base: GuestTaskInfo = { policy: 'normal', rtPrio: 0, nice: 0 };
  const shared: SharedArea = { boostReq: 0, preemptDisabled: 0, boostStatus: 1, task: null, inIrq: 0 };
  const v = { guest: 'g', index: 0, tid: 100, shared, timerPending: false, irqPending: false, inGuest: true, halted: false, sched: { ...base }, baseline: base, guestTimeNs: 0, state: {} as Record<string, number> };
  const log: string[] = [];
  let now = 0;
  let caps = 0;
  const ctx: PolicyCtx = {
    nowNs: () => now,
    setSched(view, s, reason) {
      (view as typeof v).sched = { ...s };
      log.push(`${s.policy}${s.rtPrio || ''}:${reason}`);
    },
    forceExit() {
      log.push('msr-exit');
    },
    capHit() {
      caps++;
    },
  };
  /** The guest sees the host status at VM entry. */
  const entry = () => {
    shared.boostStatus = v.sched.policy === 'rr' ? 2 : 1;
  };
  return { v: v as unknown as VcpuView & typeof v, ctx, log, entry, setNow: (t: number) => (now = t), caps: () => caps };
}

describe('dynamic (RFC v1)', () => {
  it('a guest boost request is lazy: it takes effect at the next VM exit of any kind', () => {
    const h = harness();
    const p = dynamicPolicy();
    p.init!(h.ctx, [h.v]);
    p.onGuestIrqEnter!(h.ctx, h.v, 'irq');
    expect(h.v.shared.boostReq).toBe(BoostReq.BOOST);
    expect(h.log).toEqual([]); // nothing until an exit
    p.onVmExit!(h.ctx, h.v, 'tick');
    expect(h.log).toEqual(['rr8:guest-request']);
    expect(h.v.sched).toEqual({ policy: 'rr', rtPrio: 8, nice: 0 });
  });

  it('unboost is synchronous (notify MSR exit) when BOOSTED and preempt count is 0, else lazy', () => {
    const h = harness();
    const p = dynamicPolicy();
    p.init!(h.ctx, [h.v]);
    p.onInject!(h.ctx, h.v, 'timer', false);
    h.entry();
    expect(h.v.shared.boostStatus).toBe(2);
    // Switch to a CFS task inside __schedule(): preempt count > 0, always lazy.
    p.onGuestSwitch!(h.ctx, h.v, { policy: 'normal', rtPrio: 0, nice: 0 });
    expect(h.v.shared.boostReq).toBe(BoostReq.UNBOOST);
    expect(h.log).toEqual(['rr8:timer']);
    // Return to user with preempt count 0: the MSR write forces an exit, which unboosts.
    p.onGuestReturnToUser!(h.ctx, h.v, false);
    expect(h.log.at(-1)).toBe('msr-exit');
    p.onVmExit!(h.ctx, h.v, 'msr');
    expect(h.v.sched.policy).toBe('normal');
    // With preempt disabled the same site only leaves the request.
    p.onInject!(h.ctx, h.v, 'timer', false);
    h.entry();
    h.v.shared.preemptDisabled = 1;
    const n = h.log.length;
    p.onGuestIrqExit!(h.ctx, h.v, { needResched: false, currRt: false });
    expect(h.log.length).toBe(n);
    expect(h.v.shared.boostReq).toBe(BoostReq.UNBOOST);
  });

  it('IRQ exit does not unboost when a reschedule is pending or current is RT', () => {
    const h = harness();
    const p = dynamicPolicy();
    p.onInject!(h.ctx, h.v, 'timer', false);
    h.entry();
    p.onGuestIrqExit!(h.ctx, h.v, { needResched: true, currRt: false });
    p.onGuestIrqExit!(h.ctx, h.v, { needResched: false, currRt: true });
    expect(h.log).toEqual(['rr8:timer']);
  });

  it('host-side boosts: timer, NMI, non-posted interrupts, halt; posted interrupts do not boost', () => {
    for (const [kind, posted, boosted] of [
      ['timer', false, true],
      ['nmi', false, true],
      ['irq', false, true],
      ['irq', true, false],
      ['ipi', true, false],
    ] as const) {
      const h = harness();
      dynamicPolicy().onInject!(h.ctx, h.v, kind, posted);
      expect(h.v.sched.policy === 'rr', `${kind} posted=${posted}`).toBe(boosted);
    }
    const h = harness();
    dynamicPolicy().onHalt!(h.ctx, h.v);
    expect(h.log).toEqual(['rr8:halt']);
    const off = harness();
    dynamicPolicy({ postedInterrupts: false }).onInject!(off.ctx, off.v, 'irq', true);
    expect(off.v.sched.policy).toBe('rr');
  });

  it('a pending timer keeps the boost at an exit even after an UNBOOST request', () => {
    const h = harness();
    const p = dynamicPolicy();
    p.init!(h.ctx, [h.v]);
    p.onInject!(h.ctx, h.v, 'timer', false);
    h.v.shared.boostReq = BoostReq.UNBOOST;
    h.v.timerPending = true;
    p.onVmExit!(h.ctx, h.v, 'msr');
    expect(h.v.sched.policy).toBe('rr');
    h.v.timerPending = false;
    p.onVmExit!(h.ctx, h.v, 'msr');
    expect(h.v.sched.policy).toBe('normal');
  });

  it('preempt-disabled alone does not boost (5/8), and caps a boost 3000 us after the first exit that saw it', () => {
    const h = harness();
    const p = dynamicPolicy();
    p.init!(h.ctx, [h.v]);
    h.v.shared.preemptDisabled = 1;
    p.onVmExit!(h.ctx, h.v, 'tick'); // cap clock starts at 0
    expect(h.v.sched.policy).toBe('normal');
    h.v.shared.boostReq = BoostReq.BOOST;
    h.setNow(2999 * US);
    p.onVmExit!(h.ctx, h.v, 'tick');
    expect(h.v.sched.policy).toBe('rr');
    h.setNow(3000 * US);
    p.onVmExit!(h.ctx, h.v, 'tick');
    expect(h.v.sched.policy).toBe('normal'); // capped: nothing keeps the boost
    expect(h.caps()).toBe(1);
    h.v.shared.preemptDisabled = 0;
    h.setNow(3100 * US);
    p.onVmExit!(h.ctx, h.v, 'tick'); // cap resets when an exit sees pd = 0
    expect(h.v.sched.policy).toBe('rr');
    // The 3/8 rule as an option: preempt-disabled is itself a reason.
    const o = harness();
    const p38 = dynamicPolicy({ preemptDisabledBoosts: true });
    p38.init!(o.ctx, [o.v]);
    o.v.shared.preemptDisabled = 1;
    p38.onVmExit!(o.ctx, o.v, 'tick');
    expect(o.v.sched.policy).toBe('rr');
  });
});

describe('static and dynamic-v3', () => {
  it('static chrt: all vCPUs or a subset, RR 8 by default', () => {
    const a = harness();
    const b = harness();
    (b.v as { index: number }).index = 1;
    staticPolicy({ vcpus: [1] }).init!(a.ctx, [a.v, b.v]);
    expect(a.v.sched.policy).toBe('normal');
    expect(b.v.sched).toEqual({ policy: 'rr', rtPrio: 8, nice: 0 });
    expect(() => staticPolicy({ rtPrio: 0 })).toThrow(/1\.\.99/);
  });

  it('dynamic-v3 mirrors the guest task (RT capped at 50, nice kept), puts critical sections at FIFO 60, and throttles after the 2 ms CS budget', () => {
    const h = harness();
    const p = dynamicV3Policy();
    p.init!(h.ctx, [h.v]);
    h.v.shared.task = { policy: 'fifo', rtPrio: 80, nice: 0 };
    p.onVmExit!(h.ctx, h.v, 'tick');
    expect(h.v.sched).toEqual({ policy: 'fifo', rtPrio: 50, nice: 0 });
    h.v.shared.task = { policy: 'normal', rtPrio: 0, nice: -5 };
    p.onVmExit!(h.ctx, h.v, 'tick');
    expect(h.v.sched).toEqual({ policy: 'normal', rtPrio: 0, nice: -5 });
    h.v.shared.inIrq = 1;
    h.setNow(1000 * US);
    p.onVmExit!(h.ctx, h.v, 'tick');
    expect(h.v.sched).toEqual({ policy: 'fifo', rtPrio: 60, nice: 0 });
    h.setNow(3100 * US); // 2.1 ms at CS level: budget exhausted
    p.onVmExit!(h.ctx, h.v, 'tick');
    expect(h.v.sched.policy).toBe('normal');
    expect(h.v.sched.nice).toBe(-5);
  });
});

describe('policies in the engine', () => {
  const spec: WorkloadSpec = {
    name: 'p',
    durationMs: 200,
    host: { cpus: 2, kernel: '6.5.0', hz: 250, tasks: [{ kind: 'hog', count: 2, cpus: [0, 1] }] },
    guests: [{ name: 'g', vcpus: 2, idlePollUs: 0, tasks: [{ kind: 'cyclictest', intervalUs: 1000, slackUs: 0, cpus: [0] }] }],
  };
  const prioOf = (t: import('../src/tables/index.js').TraceTables, pid: number) => {
    const s = t.sched_switch.cols;
    const out = new Set<number>();
    for (let i = 0; i < t.sched_switch.length; i++) if (s.nextPid[i] === pid) out.add(s.nextPrio[i]!);
    return [...out].sort((a, b) => a - b);
  };
  it('static shows the vCPU threads at kernel prio 91; dynamic alternates 91 and 120; vanilla stays 120', () => {
    const d = demandFromSpec(spec);
    const tid = d.guests[0]!.vcpuTids[0]!;
    expect(prioOf(replayDemand(d, staticPolicy()).trace.machines[0]!, tid)).toEqual([91]);
    expect(prioOf(replayDemand(d, dynamicPolicy()).trace.machines[0]!, tid)).toEqual([91, 120]);
    expect(prioOf(replayDemand(d, { name: 'vanilla', params: {}, paravirt: false }).trace.machines[0]!, tid)).toEqual([120]);
  });
  it('dynamic: a halting vCPU sleeps boosted, wakes boosted, and is unboosted by the guest after each activation', () => {
    const d = demandFromSpec(spec);
    const r = replayDemand(d, dynamicPolicy());
    const g = r.trace.machines[1]!;
    const acts = g.sched_switch.cols.nextPid.filter((p) => p === d.guests[0]!.tasks[0]!.tid).length;
    expect(acts).toBeGreaterThan(10);
    // One NORMAL -> BOOSTED transition per activation cycle: halt boosts, then the sync unboost.
    expect(r.boost.byReason['halt']).toBeGreaterThanOrEqual(acts - 1);
    expect(r.boost.boosts).toBeGreaterThanOrEqual(acts);
    // Boosted time is bounded: the idle vCPU 1 sleeps boosted the whole run, vCPU 0 only part of it.
    expect(r.boost.boostedNs).toBeLessThan(2 * spec.durationMs * 1e6);
    expect(r.boost.boostedNs).toBeGreaterThan(spec.durationMs * 1e6 * 0.9);
  });
});
