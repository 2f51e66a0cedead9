// Canonical task-state mask used in sched_switch.prevState, independent of kernel version.
// Bits follow the >= 4.14 TASK_REPORT layout; states that only older kernels report get
// bits above it. Readers translate letters, and version-specific numeric masks, into this.

export const TaskState = {
  RUNNING: 0, // R
  S: 0x1, // interruptible sleep
  D: 0x2, // uninterruptible
  T: 0x4, // stopped
  t: 0x8, // traced
  X: 0x10, // dead
  Z: 0x20, // zombie
  P: 0x40, // parked
  I: 0x80, // idle kthread
  PREEMPTED: 0x100, // R+
  x: 0x200, // TASK_DEAD (pre-4.14)
  K: 0x400, // wakekill (pre-4.14)
  W: 0x800, // waking (pre-4.14)
  N: 0x1000, // noload (pre-4.14)
  UNKNOWN: -1,
} as const;

const LETTERS: Array<[string, number]> = [
  ['S', TaskState.S],
  ['D', TaskState.D],
  ['T', TaskState.T],
  ['t', TaskState.t],
  ['X', TaskState.X],
  ['Z', TaskState.Z],
  ['P', TaskState.P],
  ['I', TaskState.I],
  ['x', TaskState.x],
  ['K', TaskState.K],
  ['W', TaskState.W],
  ['N', TaskState.N],
];

/** Render a canonical mask as the modern kernel prints it: `R`, `R+`, `S`, `D|K`, ... */
export function taskStateToString(mask: number): string {
  if (mask < 0) return '?';
  if (mask === 0) return 'R';
  if (mask === TaskState.PREEMPTED) return 'R+';
  const parts: string[] = [];
  for (const [l, b] of LETTERS) if (mask & b) parts.push(l);
  let s = parts.join('|');
  if (mask & TaskState.PREEMPTED) s = s ? s + '+' : 'R+';
  return s || 'R';
}

/** True when the task left the CPU still runnable (preempted or yielded): R or R+. */
export function isRunnableState(mask: number): boolean {
  return mask === 0 || mask === TaskState.PREEMPTED;
}

/**
 * Parse kernel-printed prev_state text (`S`, `R+`, `D|K`, `I`, `x`, ...). The letters for 0x10/0x20
 * swapped meaning in 4.14 (Z/X before, X/Z after); pass `pre414` when the trace's kernel is older.
 */
export function parseTaskStateText(text: string, pre414 = false): number {
  if (text === 'R') return 0;
  if (text === 'R+') return TaskState.PREEMPTED;
  let mask = 0;
  let s = text;
  if (s.endsWith('+')) {
    mask |= TaskState.PREEMPTED;
    s = s.slice(0, -1);
  }
  for (const part of s.split('|')) {
    for (const ch of part) {
      if (ch === 'R') continue;
      let bit: number | undefined;
      if (pre414 && ch === 'Z') bit = TaskState.Z;
      else if (pre414 && ch === 'X') bit = TaskState.X;
      else bit = LETTERS.find(([l]) => l === ch)?.[1];
      if (bit === undefined) return TaskState.UNKNOWN;
      mask |= bit;
    }
  }
  return mask;
}

/**
 * Decode a raw numeric prev_state by kernel version (formats.md §2.1 / §4.7).
 * `kernel` is [major, minor] or null (unknown: assume the >= 4.14 layout).
 */
export function decodeTaskStateMask(raw: number, kernel: readonly [number, number] | null): number {
  const v = kernel ? kernel[0] * 1000 + kernel[1] : 4014;
  if (v >= 4014) {
    if (raw & 0xfe00) return TaskState.UNKNOWN;
    return raw & 0x1ff; // identical to the canonical layout
  }
  // 4.8-4.13: preempted 0x1000; < 4.8: 0x800. Bits 0x10 Z / 0x20 X in the text of that era, but
  // the bits themselves are EXIT_DEAD=0x10, EXIT_ZOMBIE=0x20 (text printed them swapped).
  const preemptBit = v >= 4008 ? 0x1000 : 0x800;
  let out = 0;
  if (raw & preemptBit) out |= TaskState.PREEMPTED;
  const r = raw & (preemptBit - 1);
  if (r & 0x1) out |= TaskState.S;
  if (r & 0x2) out |= TaskState.D;
  if (r & 0x4) out |= TaskState.T;
  if (r & 0x8) out |= TaskState.t;
  if (r & 0x10) out |= TaskState.X;
  if (r & 0x20) out |= TaskState.Z;
  if (r & 0x40) out |= TaskState.x;
  if (r & 0x80) out |= TaskState.K;
  if (r & 0x100) out |= TaskState.W;
  if (r & 0x200) out |= TaskState.P;
  if (r & 0x400) out |= TaskState.N;
  return out;
}
