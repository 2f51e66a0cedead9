// The per-event irq-info flags column (`flags`, u16). Text traces print them as `d..2.`,
// binary ones carry common_flags/common_preempt_count. 0xffff = not recorded.

export const Flags = {
  UNKNOWN: 0xffff,
  IRQS_OFF: 0x1,
  NEED_RESCHED: 0x2,
  HARDIRQ: 0x4,
  SOFTIRQ: 0x8,
  NMI: 0x10,
  BH_OFF: 0x20,
  NEED_RESCHED_LAZY: 0x40,
  /** preempt depth in bits 8..11 */
  PREEMPT_SHIFT: 8,
  /** migrate-disable depth in bits 12..15 */
  MIGRATE_SHIFT: 12,
} as const;

export function preemptDepth(flags: number): number {
  return flags === Flags.UNKNOWN ? -1 : (flags >> Flags.PREEMPT_SHIFT) & 0xf;
}

/**
 * Parse the irq-info flag characters (4 to 8 of them, formats.md §1.2).
 * Returns Flags.UNKNOWN for an empty string.
 */
export function parseFlagsText(s: string): number {
  if (s.length === 0) return Flags.UNKNOWN;
  let f = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 100 /* d */) f |= Flags.IRQS_OFF;
  else if (c0 === 68 /* D */) f |= Flags.IRQS_OFF | Flags.BH_OFF;
  else if (c0 === 98 /* b */) f |= Flags.BH_OFF;
  const c1 = s[1];
  if (c1 === 'N' || c1 === 'n' || c1 === 'p') f |= Flags.NEED_RESCHED;
  else if (c1 === 'L' || c1 === 'l' || c1 === 'B' || c1 === 'b') f |= Flags.NEED_RESCHED_LAZY;
  switch (s[2]) {
    case 'Z':
      f |= Flags.NMI | Flags.HARDIRQ;
      break;
    case 'z':
      f |= Flags.NMI;
      break;
    case 'H':
      f |= Flags.HARDIRQ | Flags.SOFTIRQ;
      break;
    case 'h':
      f |= Flags.HARDIRQ;
      break;
    case 's':
      f |= Flags.SOFTIRQ;
      break;
  }
  const pd = s.length > 3 ? parseInt(s[3]!, 16) : NaN;
  if (!Number.isNaN(pd)) f |= (pd & 0xf) << Flags.PREEMPT_SHIFT;
  const md = s.length > 4 ? parseInt(s[4]!, 16) : NaN;
  if (!Number.isNaN(md)) f |= (md & 0xf) << Flags.MIGRATE_SHIFT;
  return f;
}
