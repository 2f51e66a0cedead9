// A user vCPU policy for `vcpu-replay replay SCENARIO --policy ./examples/my-policy.ts`.
//
// A policy module exports (default, or as `policy`) a VcpuPolicy object, or a factory
// `(params) => VcpuPolicy`. Hooks mirror what a host paravirt-scheduling driver sees
// (rfc-mechanism.md §11.1); all are optional and must be own properties of a plain object:
//   init(ctx, vcpus)                       once, before time starts
//   onVmEntry(ctx, v) / onVmExit(ctx, v, reason)   reason: tick | resched | timer | hlt | msr | irq | other
//   onHalt(ctx, v)                         the vCPU blocks on HLT (after halt polling)
//   onInject(ctx, v, kind, posted)         the host queues a timer / irq / ipi / nmi for the vCPU
//   onGuestIrqEnter/onGuestIrqExit/onGuestSwitch/onGuestReturnToUser/onGuestEnqueueRt/
//   onGuestPreemptDisabled                 guest-side events (only called when paravirt is true)
// A policy acts only through ctx.setSched(v, {policy, rtPrio, nice}, reason) (sched_setscheduler
// on the vCPU thread) and ctx.forceExit(v) (a synchronous VM exit). `v.state` is free per-vCPU
// storage; `v.timerPending`, `v.irqPending`, `v.sched`, `v.baseline`, `v.shared` are read-only views.
//
// This example: "timer-only boost". Boost to FIFO 10 when a guest timer is queued for the vCPU,
// and drop back to the vCPU's baseline at the first VM exit with nothing pending. No guest
// cooperation (paravirt: false), so it needs no guest kernel changes.
import type { VcpuPolicy } from '../src/replay/policies/types.js';

export default function timerBoost(params: { rtPrio?: number } = {}): VcpuPolicy {
  const rtPrio = params.rtPrio ?? 10;
  return {
    name: 'timer-boost',
    params: { rtPrio },
    paravirt: false,
    onInject(ctx, v, kind) {
      if (kind === 'timer' && v.sched.policy !== 'fifo') ctx.setSched(v, { policy: 'fifo', rtPrio, nice: v.baseline.nice }, 'timer');
    },
    onVmExit(ctx, v) {
      if (v.sched.policy === 'fifo' && !v.timerPending && !v.irqPending) ctx.setSched(v, v.baseline, 'unboost');
    },
  };
}
