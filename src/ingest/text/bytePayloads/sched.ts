import { bscan, findB, intAtB, intKeyB, k, keyAtB, rfindB, skipSpacesB, tokenEndB, trimEndB } from '../byteScan.js';
import { decodeRange } from '../byteIntern.js';
import { pluginStateBits, stateText } from '../payloads/sched.js';
import type { MachineState } from '../machineState.js';
import type { BytePayloadParser } from './common.js';

// ../payloads/sched.ts on bytes (same steps, same order of string ids).

const PREV_PID = k('prev_pid=');
const PREV_COMM = k('prev_comm=');
const PREV_PRIO = k('prev_prio=');
const PREV_STATE = k('prev_state=');
const NEXT_COMM = k('next_comm=');
const NEXT_PID = k('next_pid=');
const NEXT_PRIO = k('next_prio=');
const ARROW = k(' ==> ');
const SP_LB = k(' [');
const COLON = k(':');
const RB = k(']');
const PID = k('pid=');
const COMM = k('comm=');
const PRIO = k('prio=');
const SUCCESS = k('success=');
const TARGET_CPU = k('target_cpu=');
const CPU_KEY = k('CPU:');
const ORIG_CPU = k('orig_cpu=');
const DEST_CPU = k('dest_cpu=');

/** One-character states (S, R, D ...) by char code, for the kernel-version era of each lookup. */
const oneCharState = new Float64Array(512).fill(NaN);

function stateAt(m: MachineState, b: Uint8Array, st: number, stEnd: number): number {
  if (stEnd === st + 1 && b[st]! < 128 && m.b.meta.kernelVersion == null) {
    const slot = b[st]!;
    let v = oneCharState[slot]!;
    if (Number.isNaN(v)) v = oneCharState[slot] = stateText(m, String.fromCharCode(b[st]!));
    return v;
  }
  return stateText(m, decodeRange(b, st, stEnd));
}

export const parseSchedSwitchB: BytePayloadParser = (m, ev, s, a, e) => {
  const sw = m.b.sched_switch;
  const pp = keyAtB(s, PREV_PID, a, e);
  const i = sw.row();
  const c = sw.c;
  c.tsNs[i] = ev.tsNs;
  c.seq[i] = m.b.seq();
  c.cpu[i] = ev.cpu;
  c.pid[i] = ev.pid;
  c.flags[i] = ev.flags;
  const bi = m.bi;
  if (pp >= 0) {
    const pc = keyAtB(s, PREV_COMM, a, e);
    if (pc < 0 || pc > pp) return false;
    const prevPid = intAtB(s, pp, e);
    if (Number.isNaN(prevPid)) return false;
    c.prevPid[i] = prevPid;
    c.prevComm[i] = bi.id(s, pc, pp - 10);
    c.prevPrio[i] = intKeyB(s, PREV_PRIO, bscan.pos, e);
    const st = keyAtB(s, PREV_STATE, bscan.pos, e);
    if (st < 0) return false;
    const stEnd = tokenEndB(s, st, e);
    const c0 = s[st]!;
    let raw = false;
    if (c0 >= 48 && c0 <= 57) {
      c.prevState[i] = intAtB(s, st, stEnd);
      raw = true;
    } else {
      c.prevState[i] = stateAt(m, s, st, stEnd);
    }
    const nc = keyAtB(s, NEXT_COMM, stEnd, e);
    if (nc < 0) return false;
    const np = keyAtB(s, NEXT_PID, nc, e);
    if (np < 0) return false;
    const nextPid = intAtB(s, np, e);
    if (Number.isNaN(nextPid)) return false;
    c.nextPid[i] = nextPid;
    c.nextComm[i] = bi.id(s, nc, np - 10);
    c.nextPrio[i] = intKeyB(s, NEXT_PRIO, bscan.pos, e);
    if (raw) m.rawStateRows.push(i);
  } else {
    // pretty: prev_comm:prev_pid [prev_prio] STATE ==> next_comm:next_pid [next_prio]
    const arrow = findB(s, ARROW, a, e);
    if (arrow < 0) return false;
    const lb = rfindB(s, SP_LB, arrow, a);
    if (lb < 0) return false;
    const colon = rfindB(s, COLON, lb, a);
    if (colon < 0) return false;
    const prevPid = intAtB(s, colon + 1, lb);
    if (Number.isNaN(prevPid)) return false;
    c.prevPid[i] = prevPid;
    c.prevComm[i] = bi.id(s, a, colon);
    c.prevPrio[i] = orNeg(intAtB(s, lb + 2, arrow));
    const rb = findB(s, RB, lb, arrow);
    if (rb < 0) return false;
    const stA = skipSpacesB(s, rb + 1, arrow);
    const bits = pluginStateBits(decodeRange(s, stA, arrow));
    if (bits < 0) return false;
    c.prevState[i] = bits;
    const na = arrow + 5;
    const nlb = rfindB(s, SP_LB, e - 2, na);
    if (nlb < 0) return false;
    const ncolon = rfindB(s, COLON, nlb, na);
    if (ncolon < 0) return false;
    const nextPid = intAtB(s, ncolon + 1, nlb);
    if (Number.isNaN(nextPid)) return false;
    c.nextPid[i] = nextPid;
    c.nextComm[i] = bi.id(s, na, ncolon);
    c.nextPrio[i] = orNeg(intAtB(s, nlb + 2, e));
    m.rawStateRows.push(i);
  }
  m.threadNow(c.prevPid[i]!, c.prevComm[i]!);
  m.threadNow(c.nextPid[i]!, c.nextComm[i]!);
  return true;
};

function orNeg(v: number): number {
  return Number.isNaN(v) ? -1 : v;
}

export const parseWakeupB: BytePayloadParser = (m, ev, s, a, e, kind) => {
  const w = m.b.sched_wakeup;
  const i = w.row();
  const c = w.c;
  c.tsNs[i] = ev.tsNs;
  c.seq[i] = m.b.seq();
  c.cpu[i] = ev.cpu;
  c.pid[i] = ev.pid;
  c.flags[i] = ev.flags;
  c.kind[i] = kind;
  const pidAt = keyAtB(s, PID, a, e);
  if (pidAt >= 0) {
    const ca = keyAtB(s, COMM, a, e);
    if (ca < 0 || ca > pidAt) return false;
    const tid = intAtB(s, pidAt, e);
    if (Number.isNaN(tid)) return false;
    c.tid[i] = tid;
    c.comm[i] = m.bi.id(s, ca, pidAt - 5);
    c.prio[i] = intKeyB(s, PRIO, bscan.pos, e);
    c.success[i] = intKeyB(s, SUCCESS, bscan.pos, e);
    c.targetCpu[i] = intKeyB(s, TARGET_CPU, bscan.pos, e);
  } else {
    const te = trimEndB(s, a, e);
    const lb = rfindB(s, SP_LB, te - 2, a);
    if (lb < 0) return false;
    const colon = rfindB(s, COLON, lb, a);
    if (colon < 0) return false;
    const tid = intAtB(s, colon + 1, lb);
    if (Number.isNaN(tid)) return false;
    c.tid[i] = tid;
    c.comm[i] = m.bi.id(s, a, colon);
    c.prio[i] = orNeg(intAtB(s, lb + 2, te));
    const rb = findB(s, RB, lb, te);
    if (rb < 0) return false;
    c.success[i] = intKeyB(s, SUCCESS, rb + 1, te);
    c.targetCpu[i] = intKeyB(s, CPU_KEY, rb + 1, te);
  }
  m.threadNow(c.tid[i]!, c.comm[i]!);
  return true;
};

export const parseMigrateB: BytePayloadParser = (m, ev, s, a, e) => {
  const t = m.b.sched_migrate;
  const i = t.row();
  const c = t.c;
  c.tsNs[i] = ev.tsNs;
  c.seq[i] = m.b.seq();
  c.cpu[i] = ev.cpu;
  c.pid[i] = ev.pid;
  c.flags[i] = ev.flags;
  const pidAt = keyAtB(s, PID, a, e);
  const ca = keyAtB(s, COMM, a, e);
  if (pidAt < 0 || ca < 0 || ca > pidAt) return false;
  const tid = intAtB(s, pidAt, e);
  if (Number.isNaN(tid)) return false;
  c.tid[i] = tid;
  c.comm[i] = m.bi.id(s, ca, pidAt - 5);
  c.prio[i] = intKeyB(s, PRIO, bscan.pos, e);
  c.origCpu[i] = intKeyB(s, ORIG_CPU, bscan.pos, e);
  c.destCpu[i] = intKeyB(s, DEST_CPU, bscan.pos, e);
  if (c.destCpu[i]! < 0) return false;
  m.threadNow(tid, c.comm[i]!);
  return true;
};
