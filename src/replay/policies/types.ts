// The vCPU policy interface. Its hooks mirror what a host paravirt-scheduling driver gets
// (rfc-mechanism.md §11.1: VMENTER, VMEXIT, HALT, INTR_INJ) plus the guest side of the shared
// page (boost requests, preempt-disabled, current task intent). A policy answers only by
// setting the vCPU thread's class and priority (ctx.setSched) or forcing an exit (ctx.forceExit).

import type { SchedPolicyName } from '../demand/types.js';

export type ExitReason = 'tick' | 'resched' | 'timer' | 'hlt' | 'msr' | 'irq' | 'other';
export type InjectKind = 'timer' | 'irq' | 'ipi' | 'nmi';

export interface GuestTaskInfo {
  policy: SchedPolicyName;
  rtPrio: number;
  nice: number;
}

/** Guest -> host shared memory (rfc-mechanism.md §2.2, plus the v3 task intent). */
export interface SharedArea {
  /** 0 none, 1 UNBOOST, 2 BOOST */
  boostReq: number;
  /** 1 while the guest's preempt count is non-zero */
  preemptDisabled: number;
  /** Host -> guest: 1 NORMAL, 2 BOOSTED, published at VM entry. */
  boostStatus: number;
  /** Guest's current task (null = idle). */
  task: GuestTaskInfo | null;
  /** Guest is in hardirq / softirq / NMI (v3 cs_state). */
  inIrq: number;
}

export const BoostReq = { NONE: 0, UNBOOST: 1, BOOST: 2 } as const;

/** What a policy sees of one vCPU. */
export interface VcpuView {
  readonly guest: string;
  readonly index: number;
  readonly tid: number;
  readonly shared: SharedArea;
  /** A guest timer interrupt is pending (fired, not yet taken by the guest). */
  readonly timerPending: boolean;
  /** Another interrupt is pending. */
  readonly irqPending: boolean;
  readonly inGuest: boolean;
  readonly halted: boolean;
  /** The thread's current host class. */
  readonly sched: GuestTaskInfo;
  /** Its class before any policy acted. */
  readonly baseline: GuestTaskInfo;
  /** Host time the vCPU spent in guest mode so far, ns. */
  readonly guestTimeNs: number;
  /** Free slots for the policy's own per-vCPU state. */
  readonly state: Record<string, number>;
}

export interface PolicyCtx {
  nowNs(): number;
  /** sched_setscheduler on the vCPU thread. `reason` feeds BoostStats.byReason on NORMAL->boosted. */
  setSched(v: VcpuView, sched: GuestTaskInfo, reason: string): void;
  /** Synchronous notification: an MSR write that forces a VM exit now (onVmExit 'msr' follows). */
  forceExit(v: VcpuView): void;
  /** Count a preempt-disabled cap hit. */
  capHit(): void;
}

export interface VcpuPolicy {
  readonly name: string;
  readonly params: Record<string, unknown>;
  /** Whether the guest side (shared area, notify MSR) is active. */
  readonly paravirt: boolean;
  init?(ctx: PolicyCtx, vcpus: readonly VcpuView[]): void;
  onVmEntry?(ctx: PolicyCtx, v: VcpuView): void;
  onVmExit?(ctx: PolicyCtx, v: VcpuView, reason: ExitReason): void;
  onHalt?(ctx: PolicyCtx, v: VcpuView): void;
  /** The host queues an event for the vCPU (kvm_vcpu_kick sites). posted: delivered without KVM seeing it. */
  onInject?(ctx: PolicyCtx, v: VcpuView, kind: InjectKind, posted: boolean): void;
  onGuestIrqEnter?(ctx: PolicyCtx, v: VcpuView, kind: 'irq' | 'nmi' | 'softirq'): void;
  onGuestIrqExit?(ctx: PolicyCtx, v: VcpuView, info: { needResched: boolean; currRt: boolean }): void;
  /** Guest __schedule() picked next (null = idle). */
  onGuestSwitch?(ctx: PolicyCtx, v: VcpuView, next: GuestTaskInfo | null): void;
  onGuestReturnToUser?(ctx: PolicyCtx, v: VcpuView, currRt: boolean): void;
  /** A task of a class above fair was enqueued on this vCPU's guest runqueue. */
  onGuestEnqueueRt?(ctx: PolicyCtx, v: VcpuView): void;
  onGuestPreemptDisabled?(ctx: PolicyCtx, v: VcpuView, disabled: boolean): void;
}

export const isRtName = (p: SchedPolicyName): boolean => p === 'fifo' || p === 'rr';

export function sameSched(a: GuestTaskInfo, b: GuestTaskInfo): boolean {
  return a.policy === b.policy && a.rtPrio === b.rtPrio && a.nice === b.nice;
}
