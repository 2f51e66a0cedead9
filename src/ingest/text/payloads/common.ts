import type { MachineState, EventCtx } from '../machineState.js';

/** A payload parser: writes one row for the event and returns false when the payload is malformed. */
export type PayloadParser = (m: MachineState, ev: EventCtx, s: string, a: number, e: number, kind: number) => boolean;

interface CommonCols {
  row(): number;
  c: { tsNs: Float64Array; seq: Uint32Array; cpu: Int32Array; pid: Int32Array; flags: Uint16Array };
}

/** Reserve a row and write the columns every event table shares. */
export function commonRow(t: CommonCols, m: MachineState, ev: EventCtx): number {
  const i = t.row();
  const c = t.c;
  c.tsNs[i] = ev.tsNs;
  c.seq[i] = m.b.seq();
  c.cpu[i] = ev.cpu;
  c.pid[i] = ev.pid;
  c.flags[i] = ev.flags;
  return i;
}
