import type { EmulatorRuns } from './emulatorRuns.js';
// The Demand model: what each thread wants from the CPU, independent of how it was scheduled.
// Pure data. Built from a synthetic spec (synthetic.ts) or extracted from traces (fromTrace.ts),
// consumed by the engine. Big per-task programs are typed arrays.

export type SchedPolicyName = 'normal' | 'batch' | 'idle' | 'fifo' | 'rr';

export interface TaskSched {
  policy: SchedPolicyName;
  /** RT priority 1..99 (FIFO/RR), 0 otherwise. */
  rtPrio: number;
  nice: number;
}

/** Program op codes (Program.kind). */
export const Op = {
  /** Consume arg ns of CPU. */
  RUN: 0,
  /** Arm a timer (softexpires = arg, absolute host ns) and sleep until it fires. */
  SLEEP_TIMER: 1,
  /** Sleep until absolute time arg (interrupt / unknown cause: the time survives a changed schedule). */
  SLEEP_UNTIL: 2,
  /** Sleep until another task wakes this one (arg: fallback absolute time, -1 = none). */
  SLEEP_WAIT: 3,
  /** Wake task arg (index in the same machine's task list). */
  WAKE: 4,
  /** Enter (arg=1) / leave (arg=0) a preempt-disabled section (guest tasks). */
  PREEMPT_DISABLE: 5,
  END: 6,
} as const;

export interface Program {
  kind: Uint8Array;
  arg: Float64Array;
  length: number;
}

export type Behaviour =
  /** Always runnable (stress-ng --cpu). */
  | { kind: 'hog' }
  /**
   * Timer-driven periodic task (cyclictest, audio callback): arm an absolute timer every periodNs
   * from startNs, run burstNs (+ up to jitter x burstNs, seeded), sleep again. slackNs is the
   * hrtimer slack (50 us for SCHED_OTHER by default in Linux; 0 for RT).
   */
  | {
      kind: 'periodic';
      periodNs: number;
      startNs: number;
      burstNs: number;
      slackNs: number;
      jitter?: number;
      preemptDisabledNs?: number;
      /** No expiry after this (trace-derived: the last one armed in the capture, when the task stopped before the window's end). */
      endNs?: number;
    }
  /** Bursts of burstNs every periodNs with a random phase: background daemons, kworkers. */
  | { kind: 'background'; periodNs: number; burstNs: number; startNs: number }
  /** Trace-derived op sequence. */
  | { kind: 'program'; program: Program };

export interface DemandTask {
  name: string;
  tid: number;
  sched: TaskSched;
  /** Allowed CPUs (observed affinity); undefined = any. */
  cpus?: number[];
  /** CPU it starts on. */
  startCpu?: number;
  behaviour: Behaviour;
  /** Latency probe: its timer expiries are measured. */
  probe?: boolean;
  /** hrtimer slack observed for program tasks (expires - softexpires), ns. */
  slackNs?: number;
}

export interface GuestDemand {
  name: string;
  /** guest CPU -> host tid of its vCPU thread */
  vcpuTids: number[];
  /** Host thread names of the vCPU threads (`CPU n/KVM`, `CPU n/TCG`). */
  vcpuNames: string[];
  /** Host scheduling of the vCPU threads before any policy acts. */
  vcpuSched: TaskSched;
  /** Host CPUs the vCPU threads may use; undefined = any. */
  vcpuCpus?: number[][];
  kernel: string | null;
  /** Guest fair scheduler; null = from the kernel version (CFS if unknown). */
  fair: 'cfs' | 'eevdf' | null;
  hz: number;
  /** Guest idle loop: poll this long in guest mode (cpuidle-haltpoll / idle=poll) before HLT. Infinity = never halt. */
  idlePollNs: number;
  /** Accelerator: KVM or QEMU TCG (no halt polling, timer via the QEMU main loop; sched-model.md §7). */
  accel: 'kvm' | 'tcg';
  /** Measured guest-side delays (trace-derived demand only): timer expiry -> waking, waking -> switch-in. */
  platform?: PlatformCosts;
  /**
   * TCG: per guest CPU, the vCPU thread's captured host runs with no guest activity (emulator work
   * while the guest CPU idles), replayed at their times when the vCPU is halted then.
   */
  emulatorRuns?: EmulatorRuns[];
  tasks: DemandTask[];
}

/** Platform costs measured on a captured host (sched-model.md §9.1 "empirical" rows). */
export interface PlatformCosts {
  /** Median delay from a timer's hard expiry to the sched_waking it causes (hrtimer interrupt path). */
  timerWakeNs: number;
  /** Low (10th percentile) delay from sched_waking to the switch-in: wakeup/idle-exit/switch floor. */
  wakeSwitchNs: number;
  /**
   * Empirical distributions (sorted ns) that the engine samples with its seeded PRNG instead of the
   * constants above (`platformDelays: 'empirical'`). They are properties of the platform (interrupt
   * delivery, idle exit, emulation), not of the schedule, so a replay under another policy keeps them.
   */
  samples?: PlatformSamples;
}

export interface PlatformSamples {
  /** Timer hard expiry -> sched_waking (host: hrtimer interrupt delivery). */
  timerWakeNs?: Float64Array;
  /** sched_waking -> switch-in of a task woken onto an idle CPU (idle exit + wakeup path); guest: net of steal. */
  idleWakeNs?: Float64Array;
  /** sched_waking -> switch-in of a task that preempted the running one (resched IPI + switch; waits for a later preemption included). */
  preemptWakeNs?: Float64Array;
  /** TCG: guest timer hard expiry (host clock) -> the QEMU main loop's interrupt wakeup on the host. */
  tcgTimerLagNs?: Float64Array;
  /** TCG: main-loop switch-in -> its wakeup of the halted vCPU thread (timer work before the kick). */
  tcgKickNs?: Float64Array;
  /** TCG: kicked vCPU thread switch-in -> the guest's timer wakeup (emulated interrupt entry), vCPU running throughout. */
  tcgIrqEntryNs?: Float64Array;
}

export interface HostDemand {
  /** Measured platform costs (trace-derived demand only). */
  platform?: PlatformCosts;
  cpus: number;
  kernel: string | null;
  hz: number;
  tasks: DemandTask[];
}

export interface Demand {
  name: string;
  startNs: number;
  durationNs: number;
  host: HostDemand;
  guests: GuestDemand[];
  warnings: string[];
}
