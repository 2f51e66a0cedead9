import type { TableSpec } from '../tables/index.js';

// Derived (timeline) tables: intervals rather than events. Every table has `tsNs` (interval start,
// so TableBuilder.finish() sorts rows by it) and `endNs`, both on the machine's trace clock (the
// host clock after alignment). 'str' columns index the machine's string pool.

export const ThreadState = { RUNNING: 0, RUNNABLE: 1, PREEMPTED: 2, SLEEPING: 3, BLOCKED: 4, OTHER: 5 } as const;
export const THREAD_STATE_NAMES = ['running', 'runnable', 'preempted', 'sleeping', 'blocked', 'other'] as const;

export const THREAD_STATES = {
  name: 'thread_states',
  doc:
    'Per-thread state intervals from sched_switch/sched_waking. running: on cpu; runnable: woken (by wakerTid) ' +
    'and waiting for a CPU (cpu = target CPU); preempted: switched out still runnable (R/R+); sleeping: S or I; ' +
    'blocked: D; other: stopped/traced/parked. Before a thread\'s first event its state is unknown and has no row.',
  kinds: THREAD_STATE_NAMES,
  columns: {
    tsNs: 'ts',
    endNs: 'ts',
    tid: 'i32',
    state: 'u8',
    cpu: 'i32',
    prio: 'i32',
    wakerTid: 'i32',
  },
} as const satisfies TableSpec;

export const VcpuState = { RUNNING: 0, RUNNABLE: 1, SLEEPING: 2, IN_GUEST: 3 } as const;
export const VCPU_STATE_NAMES = ['running', 'runnable', 'sleeping', 'in_guest'] as const;

export const VCPU_STATES = {
  name: 'vcpu_states',
  doc:
    'Host-side state of each vCPU thread. running / runnable (= steal: the guest wants the CPU, the host runs ' +
    'something else) / sleeping (halted); in_guest rows (kvm_entry -> kvm_exit) nest inside running rows. ' +
    'cpu is the host CPU.',
  kinds: VCPU_STATE_NAMES,
  columns: {
    tsNs: 'ts',
    endNs: 'ts',
    vcpu: 'i32',
    tid: 'i32',
    state: 'u8',
    cpu: 'i32',
  },
} as const satisfies TableSpec;

export const CpuState = { IDLE: 0, BUSY: 1 } as const;

export const CPU_STATES = {
  name: 'cpu_states',
  doc: 'Per-CPU busy (a task other than the idle task runs; tid = that task) and idle intervals.',
  kinds: ['idle', 'busy'],
  columns: {
    tsNs: 'ts',
    endNs: 'ts',
    cpu: 'i32',
    state: 'u8',
    tid: 'i32',
  },
} as const satisfies TableSpec;

export const SectionKind = { HARDIRQ: 0, SOFTIRQ: 1, NMI: 2, RT_TASK: 3 } as const;
export const SECTION_KIND_NAMES = ['hardirq', 'softirq', 'nmi', 'rt_task'] as const;

export const SECTIONS = {
  name: 'sections',
  doc:
    'Latency-sensitive sections: hardirq (irq handlers, IPIs, x86 vectors; outermost of nested ones), softirq, ' +
    'NMI (instant when the trace has no duration) and RT tasks (prio < 100) running. name: irq/softirq/vector ' +
    'name or task comm.',
  kinds: SECTION_KIND_NAMES,
  columns: {
    tsNs: 'ts',
    endNs: 'ts',
    cpu: 'i32',
    kind: 'u8',
    tid: 'i32',
    name: 'str',
  },
} as const satisfies TableSpec;

export const TIMELINE_TABLES = [THREAD_STATES, VCPU_STATES, CPU_STATES, SECTIONS] as const;
