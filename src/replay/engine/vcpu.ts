// One vCPU: the host thread that runs it, the guest run queue nested inside it, and the state a
// KVM-style run loop keeps (in guest mode, halt-polling, halted, pending interrupts).
import type { RunQueue } from './runQueue.js';
import type { SimTask } from './task.js';
import { policyName } from './task.js';
import type { GuestTaskInfo, SharedArea, VcpuView } from '../policies/types.js';

/** What the vCPU is doing in its current segment of host CPU time. */
export const Seg = { NONE: 0, KWORK: 1, TASK: 2, IDLEPOLL: 3, HOSTPOLL: 4 } as const;
/** What to do when the current guest-kernel work ends. */
export const Cont = { NONE: 0, IRQ_DONE: 1, SWITCH_DONE: 2, RESCHED: 3 } as const;

export class Vcpu implements VcpuView {
  readonly shared: SharedArea = { boostReq: 0, preemptDisabled: 0, boostStatus: 1, task: null, inIrq: 0 };
  readonly state: Record<string, number> = {};
  inGuest = false;
  halted = false;
  polling = false;
  /** Guest-mode time so far: the guest run queue's clock (steal never counts). */
  gclock = 0;
  seg: number = Seg.NONE;
  segStartNs = 0;
  kworkNs = 0;
  kcont: number = Cont.NONE;
  token = 0;
  timerPending = false;
  irqPending = false;
  tickPending = false;
  readonly expired: SimTask[] = [];
  /** Guest idle loop poll left in the current idle period. */
  idlePollLeftNs = 0;
  /** KVM adaptive halt-poll window. */
  haltPollNs = 0;
  haltStartNs = 0;
  /** The guest task on this vCPU as last emitted (null = idle). */
  gRunning: SimTask | null = null;
  /** Next guest tick armed (host ns), or -1. */
  gtickAtNs = -1;
  gtickToken = 0;
  /** TCG: a kick is in flight through the QEMU main loop. */
  tcgKickPending = false;
  boostStartNs = -1;
  /** The queued VCPU_STEP event (valid while stepToken === token). */
  stepToken = -1;
  stepAtNs = -1;
  readonly irqExitInfo = { needResched: false, currRt: false };
  private schedCache: GuestTaskInfo = { policy: 'normal', rtPrio: -1, nice: 0 };

  constructor(
    readonly id: number,
    readonly gi: number,
    readonly guest: string,
    readonly index: number,
    readonly thread: SimTask,
    readonly rq: RunQueue,
    readonly baseline: GuestTaskInfo,
  ) {}

  get tid(): number {
    return this.thread.tid;
  }
  get sched(): GuestTaskInfo {
    const t = this.thread;
    const c = this.schedCache;
    const p = policyName(t.policy);
    if (c.policy !== p || c.rtPrio !== t.rtPrio || c.nice !== t.nice) this.schedCache = { policy: p, rtPrio: t.rtPrio, nice: t.nice };
    return this.schedCache;
  }
  get guestTimeNs(): number {
    return this.gclock;
  }
  /** Guest current task (what guest code is executing when not in kernel work). */
  get gcurr(): SimTask | null {
    return this.rq.curr as SimTask | null;
  }
}
