import { TaskState } from '../../tables/index.js';

// Canonical prev_state mask -> the raw kernel bits Perfetto stores, for the kernel version we
// declare in SystemInfo. Inverse of decodeTaskStateMask (tables/taskState.ts).

/** Raw value that decodes back to UNKNOWN on >= 4.14 (any bit in 0xfe00 is invalid there). */
const RAW_UNKNOWN_414 = 0x8000;

export function encodeTaskStateRaw(mask: number, kernel: readonly [number, number] | null): number {
  const v = kernel ? kernel[0] * 1000 + kernel[1] : 4014;
  if (v >= 4014) return mask < 0 || mask & ~0x1ff ? RAW_UNKNOWN_414 : mask;
  if (mask < 0) return 0; // pre-4.14 layouts have no "invalid" pattern: callers warn
  const preemptBit = v >= 4008 ? 0x1000 : 0x800;
  let raw = 0;
  if (mask & TaskState.PREEMPTED) raw |= preemptBit;
  if (mask & TaskState.S) raw |= 0x1;
  if (mask & TaskState.D) raw |= 0x2;
  if (mask & TaskState.T) raw |= 0x4;
  if (mask & TaskState.t) raw |= 0x8;
  if (mask & TaskState.X) raw |= 0x10;
  if (mask & TaskState.Z) raw |= 0x20;
  if (mask & TaskState.x) raw |= 0x40;
  if (mask & TaskState.K) raw |= 0x80;
  if (mask & TaskState.W) raw |= 0x100;
  if (mask & TaskState.P) raw |= 0x200;
  if (mask & TaskState.N) raw |= 0x400;
  return raw;
}
