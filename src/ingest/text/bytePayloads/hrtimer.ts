import { HrtimerKind } from '../../../tables/index.js';
import { bscan, intAtB, k, keyAtB, trimEndB } from '../byteScan.js';
import type { MachineState } from '../machineState.js';
import type { BytePayloadParser } from './common.js';

// ../payloads/hrtimer.ts on bytes (same steps, same order of string ids): each field is searched
// from where the previous value ended (`at`), then from the payload start (`from`).

const HRTIMER = k('hrtimer=');
const FUNCTION = k('function=');
const EXPIRES = k('expires=');
const SOFTEXPIRES = k('softexpires=');
const NOW = k('now=');
const MODE = k('mode=');

/** `at` and `from` above; an object because module `let`s carry a TDZ check on every read. */
const pos = { at: 0, from: 0 };

function valueAt(s: Uint8Array, key: Uint8Array, e: number): number {
  const p = keyAtB(s, key, pos.at, e);
  return p >= 0 ? p : keyAtB(s, key, pos.from, e);
}

function numKey(s: Uint8Array, key: Uint8Array, e: number): number {
  const p = valueAt(s, key, e);
  if (p < 0) return -1;
  const v = intAtB(s, p, e);
  if (Number.isNaN(v)) return -1;
  pos.at = bscan.pos;
  return v;
}

function strKey(m: MachineState, s: Uint8Array, key: Uint8Array, e: number): number {
  const p = valueAt(s, key, e);
  if (p < 0) return -1;
  const id = m.bi.until(s, p, e, 32);
  pos.at = m.bi.tokenEnd;
  return id;
}

export const parseHrtimerB: BytePayloadParser = (m, ev, s, a, e, kind) => {
  const t = m.b.hrtimer;
  const i = t.row();
  const c = t.c;
  c.tsNs[i] = ev.tsNs;
  c.seq[i] = m.b.seq();
  c.cpu[i] = ev.cpu;
  c.pid[i] = ev.pid;
  c.flags[i] = ev.flags;
  e = trimEndB(s, a, e);
  c.kind[i] = kind;
  const ha = keyAtB(s, HRTIMER, a, e);
  if (ha < 0) return false;
  pos.from = a;
  c.hrtimer[i] = m.bi.until(s, ha, e, 32);
  pos.at = m.bi.tokenEnd;
  const start = kind === HrtimerKind.START;
  c.function[i] = start || kind === HrtimerKind.EXPIRE_ENTRY ? strKey(m, s, FUNCTION, e) : -1;
  c.expiresNs[i] = start ? numKey(s, EXPIRES, e) : -1;
  c.softexpiresNs[i] = start ? numKey(s, SOFTEXPIRES, e) : -1;
  c.nowNs[i] = kind === HrtimerKind.EXPIRE_ENTRY ? numKey(s, NOW, e) : -1;
  c.mode[i] = start || kind === HrtimerKind.INIT ? strKey(m, s, MODE, e) : -1;
  return true;
};
