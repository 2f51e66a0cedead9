// A simulated thread: scheduler entity + where it is in its demand (behaviour state).
import { Entity, Policy } from './entity.js';
import { Op, type Behaviour, type DemandTask, type TaskSched } from '../demand/types.js';
import type { Prng } from './prng.js';

export function policyId(s: TaskSched['policy']): number {
  switch (s) {
    case 'fifo':
      return Policy.FIFO;
    case 'rr':
      return Policy.RR;
    case 'batch':
      return Policy.BATCH;
    case 'idle':
      return Policy.IDLE;
    default:
      return Policy.NORMAL;
  }
}

export function policyName(p: number): TaskSched['policy'] {
  return p === Policy.FIFO ? 'fifo' : p === Policy.RR ? 'rr' : p === Policy.BATCH ? 'batch' : p === Policy.IDLE ? 'idle' : 'normal';
}

export class SimTask extends Entity {
  /** Current RUN op: ns of CPU still to consume. */
  remainingNs = 0;
  /** Host time the current run segment started. */
  segStartNs = 0;
  /** Invalidates scheduled step events when the task is switched out. */
  token = 0;
  timerToken = 0;
  /** Set once the task fetched its first op; wakeups before that are kept for its first wait. */
  started = false;
  /** Wakeups that arrived while the task was not waiting (semaphore semantics). */
  pendingWakes = 0;
  /** Softexpires of the timer it sleeps on (latency probes). */
  softExpiryNs = -1;
  // behaviour state
  private pc = 0;
  private k = 0;
  private phase = 0;
  private nextNs = 0;
  opArg = 0;
  comm = -1;
  timerId = -1;
  /** vCPU this thread runs (host vCPU threads only). */
  vcpu: unknown = null;
  /** TCG main-loop thread: vCPUs waiting for its kick (null for every other thread). */
  kicks: unknown[] | null = null;
  kickWakePending = false;
  /** Running timer work for the kicks (not its own program). */
  inKick = false;
  /** Its own program is in a wait (until sleepUntilNs, -1 = a wakeup) while it does kick work. */
  progSleeping = false;
  sleepUntilNs = -1;
  lastSleepUntilNs = -1;
  /** For guest tasks: guest index; -1 = host. */
  machine = -1;

  constructor(
    id: number,
    readonly name: string,
    readonly tid: number,
    readonly beh: Behaviour | null,
    readonly probe: boolean,
  ) {
    super(id);
  }

  static from(id: number, d: DemandTask, machine: number): SimTask {
    const t = new SimTask(id, d.name, d.tid, d.behaviour, !!d.probe);
    t.setSched(policyId(d.sched.policy), d.sched.rtPrio, d.sched.nice);
    t.machine = machine;
    if (d.cpus && d.cpus.length) t.allowed = d.cpus.reduce((m, c) => m | (1 << c), 0);
    t.cpu = d.startCpu ?? (d.cpus && d.cpus.length ? d.cpus[0]! : -1);
    if (d.slackNs !== undefined) t.slackOverrideNs = d.slackNs;
    return t;
  }

  /** Next op of the behaviour; its argument is left in opArg. */
  nextOp(nowNs: number, rng: Prng): number {
    const b = this.beh;
    if (!b) return Op.END;
    switch (b.kind) {
      case 'hog':
        this.opArg = Infinity;
        return Op.RUN;
      case 'periodic': {
        if (this.phase === 0) {
          // Arm the next absolute expiry (cyclictest: next += interval; skip ahead when behind).
          if (this.k === 0) this.nextNs = b.startNs;
          else {
            this.nextNs += b.periodNs;
            while (this.nextNs < nowNs) this.nextNs += b.periodNs;
          }
          // The captured task stopped (cyclictest -D): no activations the capture could not have had.
          if (b.endNs !== undefined && this.nextNs > b.endNs) return Op.END;
          this.k++;
          this.phase = 1;
          this.opArg = this.nextNs;
          return Op.SLEEP_TIMER;
        }
        this.phase = 0;
        this.opArg = b.burstNs * (1 + (b.jitter ? b.jitter * rng.next() : 0));
        return Op.RUN;
      }
      case 'background': {
        if (this.phase === 0) {
          if (this.k === 0) this.nextNs = b.startNs + Math.floor(rng.next() * b.periodNs);
          else this.nextNs += b.periodNs;
          while (this.nextNs < nowNs) this.nextNs += b.periodNs;
          this.k++;
          this.phase = 1;
          this.opArg = this.nextNs;
          return Op.SLEEP_UNTIL;
        }
        this.phase = 0;
        this.opArg = b.burstNs;
        return Op.RUN;
      }
      case 'program': {
        const p = b.program;
        if (this.pc >= p.length) return Op.END;
        this.opArg = p.arg[this.pc]!;
        return p.kind[this.pc++]!;
      }
    }
  }

  slackOverrideNs = -1;
  private infoCache: { policy: TaskSched['policy']; rtPrio: number; nice: number } | null = null;

  /** This task's class as the guest publishes it (cached: no allocation per switch). */
  info(policy: TaskSched['policy']): { policy: TaskSched['policy']; rtPrio: number; nice: number } {
    const c = this.infoCache;
    if (c && c.policy === policy && c.rtPrio === this.rtPrio && c.nice === this.nice) return c;
    return (this.infoCache = { policy, rtPrio: this.rtPrio, nice: this.nice });
  }

  get slackNs(): number {
    if (this.slackOverrideNs >= 0) return this.slackOverrideNs;
    return this.beh && this.beh.kind === 'periodic' ? (this.isRt ? 0 : this.beh.slackNs) : 0;
  }
}
