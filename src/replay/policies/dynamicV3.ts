// dynamic-v3: the pvsched v3 design (rfc-mechanism.md §11.3). The guest publishes its current
// task's class/nice/rt_prio and a critical-section state (hardirq/softirq/NMI/preempt-disabled);
// the host mirrors the task onto the vCPU thread (NORMAL keeps the guest nice, FIFO/RR capped at
// guestRtCap) and puts critical sections above that (FIFO csRtPrio). Two budgets bound misuse:
// time at CS level (2 ms) and time above baseline (500 ms); debt is repaid 1:1 by time at
// baseline, and a throttled budget clamps requests to baseline until its debt is 0.
// The design document has no runtime hook yet; like v1, requests are applied at VM exits and
// when the host injects an interrupt or the vCPU halts.
import type { GuestTaskInfo, PolicyCtx, VcpuPolicy, VcpuView } from './types.js';

export interface DynamicV3Params {
  guestRtCap: number;
  csRtPrio: number;
  csBudgetUs: number;
  genericBudgetUs: number;
}

export const DYNAMIC_V3_DEFAULTS: DynamicV3Params = { guestRtCap: 50, csRtPrio: 60, csBudgetUs: 2000, genericBudgetUs: 500_000 };

const LEVEL_BASE = 0;
const LEVEL_TASK = 1;
const LEVEL_CS = 2;

export function dynamicV3Policy(opts: Partial<DynamicV3Params> = {}): VcpuPolicy {
  const p: DynamicV3Params = { ...DYNAMIC_V3_DEFAULTS, ...opts };
  const above = (s: GuestTaskInfo, base: GuestTaskInfo): boolean => {
    const rank = (x: GuestTaskInfo) => (x.policy === 'fifo' || x.policy === 'rr' ? 1000 + x.rtPrio : x.policy === 'idle' ? -100 : -x.nice);
    return rank(s) > rank(base);
  };
  /** Charge the time since the last evaluation to the budgets, by the level that was applied. */
  const account = (ctx: PolicyCtx, v: VcpuView) => {
    const now = ctx.nowNs();
    const dt = now - (v.state['lastTs'] ?? now);
    v.state['lastTs'] = now;
    const lvl = v.state['level'] ?? LEVEL_BASE;
    let cs = v.state['csDebt'] ?? 0;
    let gen = v.state['genDebt'] ?? 0;
    if (lvl === LEVEL_CS) {
      cs += dt;
      gen += dt;
    } else if (lvl === LEVEL_TASK) gen += dt;
    else {
      cs = Math.max(0, cs - dt);
      gen = Math.max(0, gen - dt);
    }
    v.state['csDebt'] = cs;
    v.state['genDebt'] = gen;
    if (cs >= p.csBudgetUs * 1000) v.state['csThrottled'] = 1;
    else if (cs === 0) v.state['csThrottled'] = 0;
    if (gen >= p.genericBudgetUs * 1000) v.state['genThrottled'] = 1;
    else if (gen === 0) v.state['genThrottled'] = 0;
  };
  const apply = (ctx: PolicyCtx, v: VcpuView, forceCs: boolean, reason: string) => {
    account(ctx, v);
    const base = v.baseline;
    const sh = v.shared;
    let want: GuestTaskInfo = base;
    let level = LEVEL_BASE;
    const inCs = forceCs || sh.inIrq === 1 || sh.preemptDisabled === 1 || v.timerPending || v.irqPending;
    if (inCs && !v.state['csThrottled'] && !v.state['genThrottled']) {
      want = { policy: 'fifo', rtPrio: p.csRtPrio, nice: base.nice };
      level = LEVEL_CS;
    } else if (sh.task && !v.state['genThrottled']) {
      const t = sh.task;
      const m: GuestTaskInfo =
        t.policy === 'fifo' || t.policy === 'rr'
          ? { policy: 'fifo', rtPrio: Math.min(t.rtPrio, p.guestRtCap), nice: base.nice }
          : { policy: t.policy === 'idle' ? 'idle' : 'normal', rtPrio: 0, nice: t.nice };
      if (above(m, base)) {
        want = m;
        level = LEVEL_TASK;
      } else if (m.policy === 'idle') want = m;
    }
    v.state['level'] = level;
    const cur = v.sched;
    if (cur.policy !== want.policy || cur.rtPrio !== want.rtPrio || cur.nice !== want.nice) ctx.setSched(v, want, reason);
  };
  return {
    name: 'dynamic-v3',
    params: { ...p },
    paravirt: true,
    init(ctx, vcpus) {
      for (const v of vcpus) {
        v.state['lastTs'] = ctx.nowNs();
        v.state['level'] = LEVEL_BASE;
      }
    },
    onVmExit(ctx, v, reason) {
      apply(ctx, v, false, reason === 'timer' ? 'timer' : 'guest-request');
    },
    onInject(ctx, v, kind) {
      apply(ctx, v, true, kind === 'timer' ? 'timer' : kind === 'nmi' ? 'nmi' : 'irq-inject');
    },
    onHalt(ctx, v) {
      // An idle guest publishes no task: baseline.
      apply(ctx, v, false, 'halt');
    },
  };
}
