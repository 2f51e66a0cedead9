import { Flags } from '../../tables/index.js';

// FtraceEvent.common_flags carries the kernel's trace_entry flags byte (TRACE_FLAG_* in
// kernel/trace/trace.h). Preempt depth is a separate kernel field Perfetto does not record.

const K_IRQS_OFF = 0x01;
const K_NEED_RESCHED = 0x04;
const K_HARDIRQ = 0x08;
const K_SOFTIRQ = 0x10;
const K_PREEMPT_RESCHED = 0x20;
const K_NMI = 0x40;
const K_BH_OFF = 0x80;

export function flagsFromCommonFlags(k: number): number {
  let f = 0;
  if (k & K_IRQS_OFF) f |= Flags.IRQS_OFF;
  if (k & (K_NEED_RESCHED | K_PREEMPT_RESCHED)) f |= Flags.NEED_RESCHED;
  if (k & K_HARDIRQ) f |= Flags.HARDIRQ;
  if (k & K_SOFTIRQ) f |= Flags.SOFTIRQ;
  if (k & K_NMI) f |= Flags.NMI;
  if (k & K_BH_OFF) f |= Flags.BH_OFF;
  return f;
}

/** Inverse of flagsFromCommonFlags; null when the flags are unknown. Preempt/migrate depth is dropped. */
export function commonFlagsFromFlags(f: number): number | null {
  if (f === Flags.UNKNOWN) return null;
  let k = 0;
  if (f & Flags.IRQS_OFF) k |= K_IRQS_OFF;
  if (f & Flags.NEED_RESCHED) k |= K_NEED_RESCHED;
  if (f & Flags.HARDIRQ) k |= K_HARDIRQ;
  if (f & Flags.SOFTIRQ) k |= K_SOFTIRQ;
  if (f & Flags.NMI) k |= K_NMI;
  if (f & Flags.BH_OFF) k |= K_BH_OFF;
  return k;
}
