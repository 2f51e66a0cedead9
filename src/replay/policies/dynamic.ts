// dynamic: the Dec 2023 RFC "Dynamic vcpu priority management in kvm" (v1, patches 1-8 with the
// 5/8 decision), exactly as rfc-mechanism.md §2-§6 specifies:
// - host boosts synchronously when it queues a timer, NMI, or non-posted interrupt (§4), and when
//   the vCPU blocks on HLT (before schedule());
// - guest requests are lazy (boost_req in shared memory), read at the next VM exit of any kind;
// - at every exit: want = (req == BOOST || timer pending || irq pending) && !capped (§6.2);
// - guest unboost sites write the notify MSR (a synchronous exit) when the published status is
//   BOOSTED and preempt count is 0 (§5.1);
// - preempt-disabled alone does not boost (5/8); it starts the cap clock at the first exit that
//   sees it; at >= capUs nothing keeps the boost.
import { BoostReq, type GuestTaskInfo, type PolicyCtx, type VcpuPolicy, type VcpuView } from './types.js';

export interface DynamicParams {
  boostPolicy: 'fifo' | 'rr';
  boostPrio: number;
  /** pvsched_max_preempt_disabled_us; 0 disables the cap. */
  capUs: number;
  /** Fixed interrupts are posted (APICv/AVIC): the host does not boost on them. */
  postedInterrupts: boolean;
  /** The 3/8 rule: preempt-disabled is itself a boost reason. */
  preemptDisabledBoosts: boolean;
  /** Boost when the vCPU blocks on HLT. */
  boostOnHalt: boolean;
}

export const DYNAMIC_DEFAULTS: DynamicParams = {
  boostPolicy: 'rr',
  boostPrio: 8,
  capUs: 3000,
  postedInterrupts: true,
  preemptDisabledBoosts: false,
  boostOnHalt: true,
};

const S_PD = 'pd';
const S_PD_TS = 'pdTs';

export function dynamicPolicy(opts: Partial<DynamicParams> = {}): VcpuPolicy {
  const p: DynamicParams = { ...DYNAMIC_DEFAULTS, ...opts };
  if (p.boostPrio < 1 || p.boostPrio > 99) throw new RangeError(`dynamic policy: boostPrio must be 1..99 (got ${p.boostPrio})`);
  const boostSched = (v: VcpuView): GuestTaskInfo => ({ policy: p.boostPolicy, rtPrio: p.boostPrio, nice: v.baseline.nice });
  const normal = (v: VcpuView): GuestTaskInfo => ({ policy: 'normal', rtPrio: 0, nice: v.baseline.nice });
  const isBoosted = (v: VcpuView) => v.sched.policy === p.boostPolicy && v.sched.rtPrio === p.boostPrio;
  const set = (ctx: PolicyCtx, v: VcpuView, boost: boolean, reason: string) => {
    if (boost === isBoosted(v)) return;
    ctx.setSched(v, boost ? boostSched(v) : normal(v), reason);
  };
  /** pv_sched_unboost_vcpu(): lazy UNBOOST, synchronous when status is BOOSTED and preempt count is 0. */
  const guestUnboost = (ctx: PolicyCtx, v: VcpuView) => {
    v.shared.boostReq = BoostReq.UNBOOST;
    if (v.shared.boostStatus === 2 && !v.shared.preemptDisabled) ctx.forceExit(v);
  };

  return {
    name: 'dynamic',
    params: { ...p },
    paravirt: true,
    init(_ctx, vcpus) {
      for (const v of vcpus) {
        v.state[S_PD] = 0;
        v.state[S_PD_TS] = 0;
      }
    },
    onVmExit(ctx, v, reason) {
      const now = ctx.nowNs();
      const si = v.shared;
      if (si.preemptDisabled !== v.state[S_PD]) {
        v.state[S_PD] = si.preemptDisabled;
        v.state[S_PD_TS] = si.preemptDisabled ? now : 0;
      }
      const capped = p.capUs > 0 && v.state[S_PD] === 1 && now - v.state[S_PD_TS]! >= p.capUs * 1000;
      const reasonBoost = si.boostReq === BoostReq.BOOST || v.timerPending || v.irqPending || (p.preemptDisabledBoosts && si.preemptDisabled === 1);
      if (capped && reasonBoost && isBoosted(v)) ctx.capHit();
      const want = reasonBoost && !capped;
      const why = v.timerPending ? 'timer' : v.irqPending ? 'irq-pending' : `guest-request`;
      void reason;
      set(ctx, v, want, why);
    },
    onHalt(ctx, v) {
      if (p.boostOnHalt) set(ctx, v, true, 'halt');
    },
    onInject(ctx, v, kind, posted) {
      if (kind === 'timer' || kind === 'nmi' || !(posted && p.postedInterrupts)) set(ctx, v, true, kind === 'irq' || kind === 'ipi' ? 'irq-inject' : kind);
    },
    onGuestIrqEnter(_ctx, v) {
      v.shared.boostReq = BoostReq.BOOST;
    },
    onGuestIrqExit(ctx, v, info) {
      if (!info.needResched && !info.currRt) guestUnboost(ctx, v);
    },
    onGuestSwitch(_ctx, v, next) {
      if (!next) return;
      if (next.policy === 'fifo' || next.policy === 'rr') v.shared.boostReq = BoostReq.BOOST;
      // Preempt count is > 0 inside __schedule(): the unboost is always lazy here.
      else v.shared.boostReq = BoostReq.UNBOOST;
    },
    onGuestReturnToUser(ctx, v, currRt) {
      if (!currRt) guestUnboost(ctx, v);
    },
    onGuestEnqueueRt(_ctx, v) {
      v.shared.boostReq = BoostReq.BOOST;
    },
  };
}
