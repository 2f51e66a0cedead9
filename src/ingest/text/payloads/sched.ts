import { parseTaskStateText, kernelMajorMinor } from '../../../tables/index.js';
import { find, rfind, intAt, orNeg, intKey, keyAt, scan, skipSpaces, tokenEnd, trimEnd } from '../scan.js';
import { commonRow, type PayloadParser } from './common.js';
import type { MachineState } from '../machineState.js';

// sched_switch / sched_wakeup* / sched_migrate_task in the three text styles: kernel print-fmt,
// trace-cmd raw (-R, numeric prev_state) and the libtraceevent pretty plugin.

const stateCache = new Map<string, number>();

function pre414(m: MachineState): boolean {
  const k = kernelMajorMinor(m.b.meta.kernelVersion);
  return k !== null && k[0] * 1000 + k[1] < 4014;
}

export function stateText(m: MachineState, t: string): number {
  const key = pre414(m) ? '<' + t : t;
  let v = stateCache.get(key);
  if (v === undefined) {
    v = parseTaskStateText(t, key !== t);
    if (key.length <= 12) stateCache.set(key, v); // bounded: real states are short
  }
  return v;
}

/** libtraceevent plugin_sched_switch prints bits 0..7 as the fixed string "SDTtZXxW", '|'-joined. */
const PLUGIN_BITS: Record<string, number> = { S: 1, D: 2, T: 4, t: 8, Z: 0x10, X: 0x20, x: 0x40, W: 0x80 };

export function pluginStateBits(t: string): number {
  if (t === 'R') return 0;
  let bits = 0;
  for (const part of t.split('|')) {
    const b = PLUGIN_BITS[part];
    if (b === undefined) return -1;
    bits |= b;
  }
  return bits;
}

export const parseSchedSwitch: PayloadParser = (m, ev, s, a, e) => {
  const sw = m.b.sched_switch;
  const pp = keyAt(s, 'prev_pid=', a, e);
  const i = commonRow(sw, m, ev);
  const c = sw.c;
  if (pp >= 0) {
    const pc = keyAt(s, 'prev_comm=', a, e);
    if (pc < 0 || pc > pp) return false;
    const prevPid = intAt(s, pp, e);
    if (Number.isNaN(prevPid)) return false;
    c.prevPid[i] = prevPid;
    c.prevComm[i] = m.intern(s, pc, pp - 10);
    c.prevPrio[i] = intKey(s, 'prev_prio=', scan.pos, e);
    const st = keyAt(s, 'prev_state=', scan.pos, e);
    if (st < 0) return false;
    const stEnd = tokenEnd(s, st, e);
    const c0 = s.charCodeAt(st);
    let raw = false;
    if (c0 >= 48 && c0 <= 57) {
      c.prevState[i] = intAt(s, st, stEnd);
      raw = true;
    } else {
      c.prevState[i] = stateText(m, s.slice(st, stEnd));
    }
    const nc = keyAt(s, 'next_comm=', stEnd, e);
    if (nc < 0) return false;
    const np = keyAt(s, 'next_pid=', nc, e);
    if (np < 0) return false;
    const nextPid = intAt(s, np, e);
    if (Number.isNaN(nextPid)) return false;
    c.nextPid[i] = nextPid;
    c.nextComm[i] = m.intern(s, nc, np - 10);
    c.nextPrio[i] = intKey(s, 'next_prio=', scan.pos, e);
    if (raw) m.rawStateRows.push(i);
  } else {
    // pretty: prev_comm:prev_pid [prev_prio] STATE ==> next_comm:next_pid [next_prio]
    const arrow = find(s, ' ==> ', a, e);
    if (arrow < 0) return false;
    const lb = rfind(s, ' [', arrow, a);
    if (lb < 0) return false;
    const colon = rfind(s, ':', lb, a);
    if (colon < 0) return false;
    const prevPid = intAt(s, colon + 1, lb);
    if (Number.isNaN(prevPid)) return false;
    c.prevPid[i] = prevPid;
    c.prevComm[i] = m.intern(s, a, colon);
    c.prevPrio[i] = orNeg(intAt(s, lb + 2, arrow));
    const rb = find(s, ']', lb, arrow);
    if (rb < 0) return false;
    const stA = skipSpaces(s, rb + 1, arrow);
    const bits = pluginStateBits(s.slice(stA, arrow));
    if (bits < 0) return false;
    c.prevState[i] = bits;
    const na = arrow + 5;
    const nlb = rfind(s, ' [', e - 2, na);
    if (nlb < 0) return false;
    const ncolon = rfind(s, ':', nlb, na);
    if (ncolon < 0) return false;
    const nextPid = intAt(s, ncolon + 1, nlb);
    if (Number.isNaN(nextPid)) return false;
    c.nextPid[i] = nextPid;
    c.nextComm[i] = m.intern(s, na, ncolon);
    c.nextPrio[i] = orNeg(intAt(s, nlb + 2, e));
    m.rawStateRows.push(i);
  }
  m.thread(c.prevPid[i]!, c.prevComm[i]!, ev.tsNs);
  m.thread(c.nextPid[i]!, c.nextComm[i]!, ev.tsNs);
  return true;
};

/** `comm=%s pid=%d prio=%d [success=%d] [target_cpu=%03d] [state=W]` or pretty `comm:pid [prio] [success=1] CPU:000`. */
export const parseWakeup: PayloadParser = (m, ev, s, a, e, kind) => {
  const w = m.b.sched_wakeup;
  const i = commonRow(w, m, ev);
  const c = w.c;
  c.kind[i] = kind;
  const pidAt = keyAt(s, 'pid=', a, e);
  if (pidAt >= 0) {
    const ca = keyAt(s, 'comm=', a, e);
    if (ca < 0 || ca > pidAt) return false;
    const tid = intAt(s, pidAt, e);
    if (Number.isNaN(tid)) return false;
    c.tid[i] = tid;
    c.comm[i] = m.intern(s, ca, pidAt - 5);
    c.prio[i] = intKey(s, 'prio=', scan.pos, e);
    c.success[i] = intKey(s, 'success=', scan.pos, e);
    c.targetCpu[i] = intKey(s, 'target_cpu=', scan.pos, e);
  } else {
    const te = trimEnd(s, a, e);
    const lb = rfind(s, ' [', te - 2, a);
    if (lb < 0) return false;
    const colon = rfind(s, ':', lb, a);
    if (colon < 0) return false;
    const tid = intAt(s, colon + 1, lb);
    if (Number.isNaN(tid)) return false;
    c.tid[i] = tid;
    c.comm[i] = m.intern(s, a, colon);
    c.prio[i] = orNeg(intAt(s, lb + 2, te));
    const rb = find(s, ']', lb, te);
    if (rb < 0) return false;
    c.success[i] = intKey(s, 'success=', rb + 1, te);
    c.targetCpu[i] = intKey(s, 'CPU:', rb + 1, te);
  }
  m.thread(c.tid[i]!, c.comm[i]!, ev.tsNs);
  return true;
};

/** `comm=%s pid=%d prio=%d orig_cpu=%d dest_cpu=%d` */
export const parseMigrate: PayloadParser = (m, ev, s, a, e) => {
  const t = m.b.sched_migrate;
  const i = commonRow(t, m, ev);
  const c = t.c;
  const pidAt = keyAt(s, 'pid=', a, e);
  const ca = keyAt(s, 'comm=', a, e);
  if (pidAt < 0 || ca < 0 || ca > pidAt) return false;
  const tid = intAt(s, pidAt, e);
  if (Number.isNaN(tid)) return false;
  c.tid[i] = tid;
  c.comm[i] = m.intern(s, ca, pidAt - 5);
  c.prio[i] = intKey(s, 'prio=', scan.pos, e);
  c.origCpu[i] = intKey(s, 'orig_cpu=', scan.pos, e);
  c.destCpu[i] = intKey(s, 'dest_cpu=', scan.pos, e);
  if (c.destCpu[i]! < 0) return false;
  m.thread(tid, c.comm[i]!, ev.tsNs);
  return true;
};
