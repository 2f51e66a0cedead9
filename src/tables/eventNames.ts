import {
  HRTIMER_KINDS,
  IRQ_KINDS,
  IrqKind,
  KVM_KINDS,
  MARKER_KINDS,
  PROCESS_KINDS,
  WAKEUP_KINDS,
  type EventTableName,
} from './schema.js';

// Which table an event name goes to, shared by every reader so that text, .dat and Perfetto
// input land in the same rows.

export interface EventRoute {
  table: EventTableName;
  /** Value of the table's `kind` column, or -1 for tables without one. */
  kind: number;
  /** For irq_vectors events: the vector stem, e.g. 'local_timer' for local_timer_entry. */
  vectorName?: string;
}

const ROUTES = new Map<string, EventRoute>();
const add = (table: EventTableName, kinds: readonly string[]) => kinds.forEach((k, i) => ROUTES.set(k, { table, kind: i }));
ROUTES.set('sched_switch', { table: 'sched_switch', kind: -1 });
ROUTES.set('sched_migrate_task', { table: 'sched_migrate', kind: -1 });
add('sched_wakeup', WAKEUP_KINDS);
add('sched_process', PROCESS_KINDS);
add('irq', IRQ_KINDS);
add('hrtimer', HRTIMER_KINDS);
add('kvm', KVM_KINDS);
add('markers', MARKER_KINDS);
// x86 irq_vectors that take the generic vector_entry/exit rows (other *_entry/_exit names are not vectors).
const X86_VECTORS = [
  'local_timer',
  'reschedule',
  'call_function',
  'call_function_single',
  'spurious_apic',
  'error_apic',
  'x86_platform_ipi',
  'irq_work',
  'thermal_apic',
  'threshold_apic',
  'deferred_error_apic',
  'posted_interrupt', // not upstream tracepoint names, but harmless
];

const GENERIC_ROUTE: EventRoute = { table: 'generic', kind: -1 };

/** Route an event by its name (without system prefix). Unknown events go to `generic`. */
export function routeEvent(name: string): EventRoute {
  const r = ROUTES.get(name);
  if (r) return r;
  if (name.endsWith('_entry') || name.endsWith('_exit')) {
    const entry = name.endsWith('_entry');
    const stem = name.slice(0, entry ? -6 : -5);
    if (X86_VECTORS.includes(stem)) {
      const route: EventRoute = { table: 'irq', kind: entry ? IrqKind.VECTOR_ENTRY : IrqKind.VECTOR_EXIT, vectorName: stem };
      ROUTES.set(name, route);
      return route;
    }
  }
  return GENERIC_ROUTE;
}

/** Softirq vector numbers to the names the kernel prints (include/linux/interrupt.h). */
export const SOFTIRQ_NAMES = ['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'IRQ_POLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU'] as const;
