import { Flags, WakeupKind } from '../../tables/index.js';
import type { MachineState } from './machineState.js';
import { NumList } from './machineState.js';
import { WT_LEN, WT_VARINT, WireError, type WireReader } from './wire.js';
import { flagsFromCommonFlags } from './commonFlags.js';

// CompactSched (bundle field 4, formats.md §4.4): parallel packed arrays with delta timestamps
// and a bundle-local comm table. prev_* of a switch and the waker of a waking are not stored:
// they are filled at the end (fixup.ts) from the previous switch on the same CPU, in time order.

const swTs = new NumList();
const swState = new NumList();
const swPid = new NumList();
const swPrio = new NumList();
const swComm = new NumList();
const wkTs = new NumList();
const wkPid = new NumList();
const wkCpu = new NumList();
const wkPrio = new NumList();
const wkComm = new NumList();
const wkFlags = new NumList();
let intern = new Int32Array(64);

function readRepeated(r: WireReader, wt: number, out: NumList, signed: boolean): void {
  if (wt === WT_LEN) {
    const e = r.lenEnd();
    readPacked(r, e, out, signed);
  } else if (wt === WT_VARINT) out.push(signed ? r.svarint() : r.varint());
  else r.skip(wt);
}

/**
 * The hot loop: packed varints with values below 2^28 (every delta, pid, prio and index in
 * practice) decoded inline; longer ones (negative int64s) through WireReader.
 */
function readPacked(r: WireReader, e: number, out: NumList, signed: boolean): void {
  const b = r.buf;
  let p = r.pos;
  let a = out.a;
  let n = out.n;
  while (p < e) {
    const start = p;
    let x = b[p++]!;
    if (x & 0x80) {
      let y = b[p++]!;
      x = (x & 0x7f) | ((y & 0x7f) << 7);
      if (y & 0x80) {
        y = b[p++]!;
        x |= (y & 0x7f) << 14;
        if (y & 0x80) {
          y = b[p++]!;
          x |= (y & 0x7f) << 21;
          if (y & 0x80) {
            r.pos = start;
            x = signed ? r.svarint() : r.varint();
            p = r.pos;
          }
        }
      }
    }
    if (p > e) throw new WireError('packed varint runs past its field', start);
    if (n === a.length) {
      out.n = n;
      out.push(x);
      a = out.a;
      n = out.n;
    } else a[n++] = x;
  }
  out.n = n;
  r.pos = e;
}

export interface CompactResult {
  minTs: number;
  maxTs: number;
  /** Entries dropped: array length mismatch or comm index outside the intern table. */
  errors: number;
}

/** Decode r.pos..end (a CompactSched message) into rows of `ms` for `cpu`. */
export function decodeCompactSched(r: WireReader, end: number, ms: MachineState, cpu: number, tsOffsetNs: number, out: CompactResult): void {
  swTs.n = swState.n = swPid.n = swPrio.n = swComm.n = 0;
  wkTs.n = wkPid.n = wkCpu.n = wkPrio.n = wkComm.n = wkFlags.n = 0;
  const b = ms.b;
  let nIntern = 0;
  while (r.pos < end) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    switch (f) {
      case 1: readRepeated(r, wt, swTs, false); break;
      case 2: readRepeated(r, wt, swState, true); break;
      case 3: readRepeated(r, wt, swPid, true); break;
      case 4: readRepeated(r, wt, swPrio, true); break;
      case 5:
        if (wt !== WT_LEN) { r.skip(wt); break; }
        if (nIntern === intern.length) { const a = new Int32Array(nIntern * 2); a.set(intern); intern = a; }
        intern[nIntern++] = b.str(r.string());
        break;
      case 6: readRepeated(r, wt, swComm, false); break;
      case 7: readRepeated(r, wt, wkTs, false); break;
      case 8: readRepeated(r, wt, wkPid, true); break;
      case 9: readRepeated(r, wt, wkCpu, true); break;
      case 10: readRepeated(r, wt, wkPrio, true); break;
      case 11: readRepeated(r, wt, wkComm, false); break;
      case 12: readRepeated(r, wt, wkFlags, false); break;
      default: r.skip(wt);
    }
  }
  let minTs = out.minTs;
  let maxTs = out.maxTs;

  const nSw = Math.min(swTs.n, swState.n, swPid.n, swPrio.n, swComm.n);
  const maxSw = Math.max(swTs.n, swState.n, swPid.n, swPrio.n, swComm.n);
  out.errors += maxSw - nSw;
  const t = b.sched_switch;
  let ts = 0;
  for (let k = 0; k < nSw; k++) {
    ts += swTs.a[k]!;
    const ci = swComm.a[k]!;
    if (ci >= nIntern) { out.errors++; continue; }
    const tsNs = ts + tsOffsetNs;
    const i = b.eventRow(t, tsNs, cpu, -1, Flags.UNKNOWN);
    const c = t.c;
    c.prevComm[i] = -1; c.prevPid[i] = -1; c.prevPrio[i] = -1; c.prevState[i] = swState.a[k]!;
    const comm = intern[ci]!;
    const pid = swPid.a[k]! | 0;
    c.nextComm[i] = comm; c.nextPid[i] = pid; c.nextPrio[i] = swPrio.a[k]! | 0;
    ms.compactSwitch.push(i);
    if (tsNs < minTs) minTs = tsNs;
    if (tsNs > maxTs) maxTs = tsNs;
  }

  const nWk = Math.min(wkTs.n, wkPid.n, wkCpu.n, wkPrio.n, wkComm.n);
  const maxWk = Math.max(wkTs.n, wkPid.n, wkCpu.n, wkPrio.n, wkComm.n);
  out.errors += maxWk - nWk;
  const w = b.sched_wakeup;
  ts = 0;
  for (let k = 0; k < nWk; k++) {
    ts += wkTs.a[k]!;
    const ci = wkComm.a[k]!;
    if (ci >= nIntern) { out.errors++; continue; }
    const tsNs = ts + tsOffsetNs;
    const i = b.eventRow(w, tsNs, cpu, -1, k < wkFlags.n ? flagsFromCommonFlags(wkFlags.a[k]!) : Flags.UNKNOWN);
    const c = w.c;
    c.kind[i] = WakeupKind.WAKING;
    const comm = intern[ci]!;
    const tid = wkPid.a[k]! | 0;
    c.comm[i] = comm; c.tid[i] = tid; c.prio[i] = wkPrio.a[k]! | 0; c.targetCpu[i] = wkCpu.a[k]! | 0; c.success[i] = -1;
    ms.compactWaking.push(i);
    if (tsNs < minTs) minTs = tsNs;
    if (tsNs > maxTs) maxTs = tsNs;
  }
  out.minTs = minTs;
  out.maxTs = maxTs;
}
