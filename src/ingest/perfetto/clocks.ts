import { WT_LEN, WT_VARINT, type WireReader } from './wire.js';

// ClockSnapshot decoding and RemoteClockSync estimation (formats.md §4.9, §4.11).

const BOOTTIME = 6;

/**
 * Read a ClockSnapshot in r.pos..end. `offsets` (when given) receives clock id -> ns to add to
 * convert that clock to BOOTTIME; `raw` receives clock id -> timestamp.
 */
export function readClockSnapshot(r: WireReader, end: number, offsets: Map<number, number> | null, raw: Map<number, number> = new Map()): void {
  const mult = new Map<number, number>();
  while (r.pos < end) {
    const tag = r.varint();
    if (tag >>> 3 !== 1 || (tag & 7) !== WT_LEN) { r.skip(tag & 7); continue; }
    const ee = r.lenEnd();
    let id = -1;
    let ts = -1;
    let unit = 1;
    while (r.pos < ee) {
      const t2 = r.varint();
      const f2 = t2 >>> 3;
      if ((t2 & 7) !== WT_VARINT) { r.skip(t2 & 7); continue; }
      const v = r.varint();
      if (f2 === 1) id = v;
      else if (f2 === 2) ts = v;
      else if (f2 === 4 && v > 0) unit = v;
    }
    if (id >= 0 && ts >= 0) {
      raw.set(id, ts);
      mult.set(id, unit);
    }
  }
  const boot = raw.get(BOOTTIME);
  if (offsets && boot !== undefined) {
    for (const [id, ts] of raw) if ((mult.get(id) ?? 1) === 1) offsets.set(id, boot - ts);
  }
}

export interface RemoteClockSync {
  /** guest (client) BOOTTIME minus host BOOTTIME: hostNs = guestNs - offsetNs. */
  offsetNs: number;
  /** Mean half round-trip of the sync exchanges, ns: the offset is no better than this. */
  uncertaintyNs: number;
  rounds: number;
}

/**
 * Rounds are (c1, h1, c2, h2): client, host, client, host snapshots in that order. Each round
 * gives two estimates, (c1 + c2)/2 - h1 and c2 - (h1 + h2)/2 (as trace processor does); we
 * average both over all rounds.
 */
export function clockSyncEstimate(rounds: ReadonlyArray<readonly [number, number, number, number]>): RemoteClockSync {
  let off = 0;
  let unc = 0;
  for (const [c1, h1, c2, h2] of rounds) {
    off += ((c1 + c2) / 2 - h1 + (c2 - (h1 + h2) / 2)) / 2;
    unc += ((c2 - c1) / 2 + (h2 - h1) / 2) / 2;
  }
  return { offsetNs: Math.round(off / rounds.length), uncertaintyNs: Math.round(unc / rounds.length), rounds: rounds.length };
}
