// A schedulable entity (host thread or guest task) as the scheduler classes see it. Tasks are
// few (tens to thousands); events are many and never allocate.

export const Policy = { NORMAL: 0, FIFO: 1, RR: 2, BATCH: 3, IDLE: 5 } as const;
export type PolicyId = (typeof Policy)[keyof typeof Policy];

const WEIGHTS = [
  88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991,
  1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
];

export function niceToWeight(nice: number): number {
  return WEIGHTS[Math.max(-20, Math.min(19, nice)) + 20]!;
}

export const isRtPolicy = (p: number): boolean => p === Policy.FIFO || p === Policy.RR;

export const RunState = { SLEEPING: 0, RUNNABLE: 1, RUNNING: 2, DONE: 3 } as const;

export class Entity {
  /** Index in the simulator's task list. */
  readonly id: number;
  policy: number = Policy.NORMAL;
  rtPrio = 0;
  nice = 0;
  weight = 1024;
  // fair class
  vruntime = 0;
  deadline = 0;
  vlag = 0;
  /** EEVDF DELAY_DEQUEUE: the run queue it blocked on in debt (still 'delayed' there), else null. */
  delayedRq: object | null = null;
  /** EEVDF RUN_TO_PARITY: deadline stashed at pick time. */
  protectDeadline = NaN;
  sliceNs = 0;
  sumExecNs = 0;
  prevSumExecNs = 0;
  execStartNs = 0;
  /** CFS: vruntime relative to min_vruntime while outside the fair class. */
  relVruntime = 0;
  // rt class
  rrTicksLeft = 0;
  // placement
  cpu = -1;
  onRq = false;
  state: number = RunState.SLEEPING;
  /** Allowed CPUs as a bitmask (up to 31 CPUs); 0 = any. */
  allowed = 0;
  /** The class the fair/rt code last queued it in. */
  queuedRt = false;

  constructor(id: number) {
    this.id = id;
  }

  get isRt(): boolean {
    return isRtPolicy(this.policy);
  }

  /** The kernel prio printed by sched_switch: 99 - rt_priority for RT, 120 + nice for fair. */
  get kernelPrio(): number {
    return this.isRt ? 99 - this.rtPrio : 120 + this.nice;
  }

  allowedOn(cpu: number): boolean {
    return this.allowed === 0 || (this.allowed & (1 << cpu)) !== 0;
  }

  setSched(policy: number, rtPrio: number, nice: number): void {
    this.policy = policy;
    this.rtPrio = isRtPolicy(policy) ? rtPrio : 0;
    this.nice = nice;
    this.weight = policy === Policy.IDLE ? 3 : niceToWeight(nice);
  }
}
