import type { MachineState, EventCtx } from '../machineState.js';

/**
 * A payload parser over the bytes of a line: the same row, string ids and result as the string
 * parser of that table in ../payloads on the decoded line (it is a line-for-line port).
 */
export type BytePayloadParser = (m: MachineState, ev: EventCtx, b: Uint8Array, a: number, e: number, kind: number) => boolean;

// Each parser writes the columns every event table shares itself (tsNs, seq, cpu, pid, flags)
// instead of calling eventRow(): a helper shared by every table sees nine column-object shapes,
// and its property loads go megamorphic.
