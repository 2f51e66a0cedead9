// The data model every stage shares. One declarative list drives the in-memory builders,
// the Arrow schemas, Parquet output and the docs, so readers cannot drift apart.
//
// In memory, columns are typed arrays. Time columns ('ts' / 'i64') are Float64Array holding
// integer nanoseconds: exact up to 2^53 ns (104 days of uptime), and an order of magnitude
// faster than BigInt in hot loops. They become Arrow Int64 on export.

export type ColType =
  | 'ts' // int64 ns timestamp (Float64Array in memory)
  | 'i64' // other int64 values, e.g. hrtimer expiry ns (Float64Array in memory)
  | 'f64'
  | 'i32'
  | 'u32'
  | 'i16'
  | 'u16'
  | 'u8'
  | 'str' // dictionary-encoded: Int32Array of ids into TraceTables.strings (-1 = null)
  | 'text'; // free text (marker payloads, raw fields): string[]

export type ColumnsSpec = Readonly<Record<string, ColType>>;

export interface TableSpec<C extends ColumnsSpec = ColumnsSpec, N extends string = string> {
  readonly name: N;
  readonly columns: C;
  /** Event names this table's `kind` column maps to (index = kind value), when it has one. */
  readonly kinds?: readonly string[];
  readonly doc: string;
}

function defineTable<C extends ColumnsSpec, const N extends string>(spec: TableSpec<C, N>): TableSpec<C, N> {
  return spec;
}

/** Columns every event table starts with. `seq` is the reader's arrival order: it breaks ts ties. */
const EVENT_COMMON = {
  tsNs: 'ts',
  seq: 'u32',
  cpu: 'i32',
  pid: 'i32',
  flags: 'u16',
} as const;

export const SCHED_SWITCH = defineTable({
  name: 'sched_switch',
  doc: 'sched:sched_switch. prevState is the canonical task-state mask (see taskState.ts).',
  columns: {
    ...EVENT_COMMON,
    prevComm: 'str',
    prevPid: 'i32',
    prevPrio: 'i32',
    prevState: 'i32',
    nextComm: 'str',
    nextPid: 'i32',
    nextPrio: 'i32',
  },
});

export const WAKEUP_KINDS = ['sched_waking', 'sched_wakeup', 'sched_wakeup_new'] as const;
export const WakeupKind = { WAKING: 0, WAKEUP: 1, WAKEUP_NEW: 2 } as const;

export const SCHED_WAKEUP = defineTable({
  name: 'sched_wakeup',
  doc: 'sched_waking / sched_wakeup / sched_wakeup_new. success is -1 when the event has no such field.',
  kinds: WAKEUP_KINDS,
  columns: {
    ...EVENT_COMMON,
    kind: 'u8',
    comm: 'str',
    tid: 'i32',
    prio: 'i32',
    targetCpu: 'i32',
    success: 'i16',
  },
});

export const SCHED_MIGRATE = defineTable({
  name: 'sched_migrate',
  doc: 'sched:sched_migrate_task.',
  columns: {
    ...EVENT_COMMON,
    comm: 'str',
    tid: 'i32',
    prio: 'i32',
    origCpu: 'i32',
    destCpu: 'i32',
  },
});

export const PROCESS_KINDS = [
  'sched_process_fork',
  'sched_process_exit',
  'sched_process_free',
  'sched_process_exec',
  'sched_process_wait',
  'task_newtask',
  'task_rename',
] as const;
export const ProcessKind = { FORK: 0, EXIT: 1, FREE: 2, EXEC: 3, WAIT: 4, NEWTASK: 5, RENAME: 6 } as const;

export const SCHED_PROCESS = defineTable({
  name: 'sched_process',
  doc:
    'Process lifecycle. fork: comm/tid = parent, childComm/childTid = child. exit/free/wait: comm/tid. ' +
    'exec: comm = filename, tid = pid. newtask: comm/tid = new task. rename: comm = old, childComm = new.',
  kinds: PROCESS_KINDS,
  columns: {
    ...EVENT_COMMON,
    kind: 'u8',
    comm: 'str',
    tid: 'i32',
    prio: 'i32',
    childComm: 'str',
    childTid: 'i32',
  },
});

export const IRQ_KINDS = [
  'irq_handler_entry',
  'irq_handler_exit',
  'softirq_raise',
  'softirq_entry',
  'softirq_exit',
  'ipi_raise',
  'ipi_entry',
  'ipi_exit',
  'vector_entry', // irq_vectors:*_entry (local_timer_entry, reschedule_entry, call_function_entry, ...)
  'vector_exit',
  'nmi_handler',
] as const;
export const IrqKind = {
  IRQ_ENTRY: 0,
  IRQ_EXIT: 1,
  SOFTIRQ_RAISE: 2,
  SOFTIRQ_ENTRY: 3,
  SOFTIRQ_EXIT: 4,
  IPI_RAISE: 5,
  IPI_ENTRY: 6,
  IPI_EXIT: 7,
  VECTOR_ENTRY: 8,
  VECTOR_EXIT: 9,
  NMI: 10,
} as const;

export const IRQ = defineTable({
  name: 'irq',
  doc:
    'Hard and soft interrupts, IPIs and x86 irq_vectors. num: irq number, softirq vec, or vector. ' +
    'name: irq name, softirq action (TIMER, NET_RX, ...), IPI reason, or the vector event stem ' +
    '(local_timer, reschedule, call_function, ...). event keeps the original event name. ret: 1 handled, 0 unhandled, -1 n/a.',
  kinds: IRQ_KINDS,
  columns: {
    ...EVENT_COMMON,
    kind: 'u8',
    event: 'str',
    num: 'i32',
    name: 'str',
    ret: 'i16',
  },
});

export const HRTIMER_KINDS = [
  'hrtimer_init',
  'hrtimer_start',
  'hrtimer_cancel',
  'hrtimer_expire_entry',
  'hrtimer_expire_exit',
] as const;
export const HrtimerKind = { INIT: 0, START: 1, CANCEL: 2, EXPIRE_ENTRY: 3, EXPIRE_EXIT: 4 } as const;

export const HRTIMER = defineTable({
  name: 'hrtimer',
  doc:
    'timer:hrtimer_*. hrtimer is the timer address as printed. expiresNs/softexpiresNs (start) and nowNs ' +
    '(expire_entry) are in the timer clock base (usually CLOCK_MONOTONIC), -1 when absent.',
  kinds: HRTIMER_KINDS,
  columns: {
    ...EVENT_COMMON,
    kind: 'u8',
    hrtimer: 'str',
    function: 'str',
    expiresNs: 'i64',
    softexpiresNs: 'i64',
    nowNs: 'i64',
    mode: 'str',
  },
});

export const KVM_KINDS = [
  'kvm_entry',
  'kvm_exit',
  'kvm_inj_virq',
  'kvm_apic_accept_irq',
  'kvm_set_irq',
  'kvm_msi_set_irq',
  'kvm_vcpu_wakeup',
  'kvm_hypercall',
  'kvm_msr',
  'kvm_userspace_exit',
  'kvm_apic_ipi',
  'kvm_pic_set_irq',
  'kvm_halt_poll_ns',
  'kvm_hv_timer_state',
  'kvm_wait_lapic_expire',
  'kvm_apicv_accept_irq',
] as const;
export const KvmKind = {
  ENTRY: 0,
  EXIT: 1,
  INJ_VIRQ: 2,
  APIC_ACCEPT_IRQ: 3,
  SET_IRQ: 4,
  MSI_SET_IRQ: 5,
  VCPU_WAKEUP: 6,
  HYPERCALL: 7,
  MSR: 8,
  USERSPACE_EXIT: 9,
  APIC_IPI: 10,
  PIC_SET_IRQ: 11,
  HALT_POLL_NS: 12,
  HV_TIMER_STATE: 13,
  WAIT_LAPIC_EXPIRE: 14,
  APICV_ACCEPT_IRQ: 15,
} as const;

export const KVM = defineTable({
  name: 'kvm',
  doc:
    'KVM events. vcpuId: -1 when the event has none. reason: exit reason (kvm_exit), injection type, or ' +
    'msr direction. vector: interrupt vector / irq. target: apicid, dst or gsi of injection-side events. ' +
    'value: event-specific number (wakeup ns, halt-poll ns, msr index, hypercall nr), -1 when absent. ' +
    'value2: second number (msr data when < 2^53, wakeup valid/waited bits), -1 when absent. detail: the remaining payload text.',
  kinds: KVM_KINDS,
  columns: {
    ...EVENT_COMMON,
    kind: 'u8',
    vcpuId: 'i32',
    reason: 'str',
    vector: 'i32',
    target: 'i32',
    value: 'i64',
    value2: 'i64',
    detail: 'text',
  },
});

export const MARKER_KINDS = ['print', 'tracing_mark_write', 'bprint', 'bputs'] as const;
export const MarkerKind = { PRINT: 0, TRACING_MARK_WRITE: 1, BPRINT: 2, BPUTS: 3 } as const;

export const MARKERS = defineTable({
  name: 'markers',
  doc: 'trace_marker writes (ftrace:print, tracing_mark_write) and trace_printk (bprint/bputs). ip: caller, if printed.',
  kinds: MARKER_KINDS,
  columns: {
    ...EVENT_COMMON,
    kind: 'u8',
    ip: 'str',
    text: 'text',
  },
});

export const GENERIC = defineTable({
  name: 'generic',
  doc: 'Every event no typed table covers, so that nothing is dropped: event name and raw payload text.',
  columns: {
    ...EVENT_COMMON,
    event: 'str',
    fields: 'text',
  },
});

export const THREADS = defineTable({
  name: 'threads',
  doc: 'One row per (tid, comm) span: comm over time. tgid -1 when unknown.',
  columns: {
    tid: 'i32',
    tgid: 'i32',
    comm: 'str',
    firstTsNs: 'ts',
    lastTsNs: 'ts',
  },
});

export const CPUS = defineTable({
  name: 'cpus',
  doc: 'One row per CPU that appears in the trace or its metadata.',
  columns: {
    cpu: 'i32',
    events: 'u32',
    firstTsNs: 'ts',
    lastTsNs: 'ts',
  },
});

export const EVENT_TABLES = [
  SCHED_SWITCH,
  SCHED_WAKEUP,
  SCHED_MIGRATE,
  SCHED_PROCESS,
  IRQ,
  HRTIMER,
  KVM,
  MARKERS,
  GENERIC,
] as const;

export const ALL_TABLES = [...EVENT_TABLES, THREADS, CPUS] as const;

export type TableName = (typeof ALL_TABLES)[number]['name'];
export type EventTableName = (typeof EVENT_TABLES)[number]['name'];
