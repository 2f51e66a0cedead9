// Options of one engine run. Defaults are the kernel's (sched-model.md §9.1) and, for costs the
// sources do not quantify, small documented guesses (rfc-mechanism.md §14.9).
import type { FairMode } from './params.js';

export interface KvmParams {
  /** halt_poll_ns module parameter (max poll window); 0 disables host halt polling. */
  haltPollNs: number;
  haltPollGrow: number;
  haltPollGrowStart: number;
  haltPollShrink: number;
}

export interface CostParams {
  /** VM exit + re-entry round trip, charged to the vCPU thread per exit. */
  exitNs: number;
  /** Extra cost of the notify-MSR exit (synchronous unboost). */
  msrExitNs: number;
  /** Guest interrupt handling (hrtimer interrupt + wakeup). */
  guestIrqNs: number;
  /** Guest context switch. */
  guestSwitchNs: number;
  /** TCG: QEMU main-loop work per guest timer before it kicks the vCPU thread. */
  tcgMainLoopNs: number;
  /** TCG: timer slack of the QEMU main loop's ppoll (SCHED_OTHER: 50 us). */
  tcgSlackNs: number;
}

export interface EngineOptions {
  seed: number;
  /** Host fair class; null = from the host kernel version (CFS when unknown). */
  hostFair: FairMode | null;
  hostHz: number | null;
  /** Host RT throttling (kernels <= 6.11); null = from the kernel version. */
  rtThrottle: boolean | null;
  /** Wake fair tasks on an idle CPU when the previous one is busy. */
  wakeIdle: boolean;
  /** Reschedule IPI latency, ns. */
  reschedIpiNs: number;
  /** APICv/AVIC posted interrupts: guest IPIs reach a running vCPU without a VM exit. */
  postedInterrupts: boolean;
  /** Periodic load balancing between host CPUs (at ticks). */
  loadBalance: boolean;
  /** Host EEVDF RUN_TO_PARITY feature. */
  runToParity: boolean;
  /** Host EEVDF DELAY_DEQUEUE/DELAY_ZERO; null = from the host kernel version (>= 6.12 has it). */
  delayDequeue: boolean | null;
  /** Timer hard expiry -> wakeup delay on the host; null = measured from the trace (0 for synthetic demand). */
  timerWakeNs: number | null;
  /** Wakeup -> switch-in floor on an idle host CPU; null = measured from the trace (0 for synthetic demand). */
  wakeSwitchNs: number | null;
  /**
   * Guest interrupt / context-switch costs from the guest trace's measured delays, when larger than
   * costs.*. Off by default: on the lab's TCG captures it moved the guest median closer but the mean further.
   */
  guestCostsFromTrace: boolean;
  /**
   * TCG guests: charge the guest trace's sched_waking -> sched_switch floor (emulated interrupt
   * exit + __schedule) between a timer interrupt's wakeup and the switch it causes.
   */
  tcgReschedFromTrace: boolean;
  /**
   * Platform delays measured on the capture (host timer interrupt delivery, idle exit; TCG timer
   * path and emulated interrupt entry): 'empirical' samples their distributions with a PRNG stream
   * of the seed, 'median' uses the fixed floors/medians (and the cost options) as before.
   */
  platformDelays: 'empirical' | 'median';
  /** TCG: replay the vCPU threads' captured emulator-only runs (no guest activity) when the vCPU is halted then. */
  emulatorRuns: boolean;
  kvm: KvmParams;
  costs: CostParams;
}

export const DEFAULT_KVM: KvmParams = { haltPollNs: 200_000, haltPollGrow: 2, haltPollGrowStart: 10_000, haltPollShrink: 2 };

export const DEFAULT_COSTS: CostParams = {
  exitNs: 1_500,
  msrExitNs: 1_500,
  guestIrqNs: 2_000,
  guestSwitchNs: 1_500,
  tcgMainLoopNs: 10_000,
  tcgSlackNs: 50_000,
};

export function defaultEngineOptions(): EngineOptions {
  return {
    seed: 1,
    hostFair: null,
    hostHz: null,
    rtThrottle: null,
    wakeIdle: true,
    reschedIpiNs: 1_000,
    postedInterrupts: true,
    loadBalance: true,
    runToParity: true,
    delayDequeue: null,
    timerWakeNs: null,
    wakeSwitchNs: null,
    guestCostsFromTrace: false,
    tcgReschedFromTrace: true,
    platformDelays: 'empirical',
    emulatorRuns: true,
    kvm: { ...DEFAULT_KVM },
    costs: { ...DEFAULT_COSTS },
  };
}
