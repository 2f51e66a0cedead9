import type { MachineState, EventCtx } from '../machineState.js';
import type { EventRowBuilder } from '../../../tables/traceTables.js';

/** A payload parser: writes one row for the event and returns false when the payload is malformed. */
export type PayloadParser = (m: MachineState, ev: EventCtx, s: string, a: number, e: number, kind: number) => boolean;

/** Reserve a row and write the columns every event table shares. */
export function commonRow(t: EventRowBuilder, m: MachineState, ev: EventCtx): number {
  return m.b.eventRow(t, ev.tsNs, ev.cpu, ev.pid, ev.flags);
}
