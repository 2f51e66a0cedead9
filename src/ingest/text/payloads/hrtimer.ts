import { HrtimerKind } from '../../../tables/index.js';
import { intAt, keyAt, scan, tokenEnd, trimEnd } from '../scan.js';
import { commonRow, type PayloadParser } from './common.js';

// timer:hrtimer_* (include/trace/events/timer.h). Numbers stay -1 when the event has no such field.

// Fields are usually printed in the order below, so each search starts where the previous value
// ended (`at`); kernels that reorder them (6.x expire_entry: `hrtimer= now= function=`) fall back
// to a search from the payload start (`from`).
let at = 0;
let from = 0;

function valueAt(s: string, key: string, e: number): number {
  const p = keyAt(s, key, at, e);
  return p >= 0 ? p : keyAt(s, key, from, e);
}

function numKey(s: string, key: string, e: number): number {
  const p = valueAt(s, key, e);
  if (p < 0) return -1;
  const v = intAt(s, p, e);
  if (Number.isNaN(v)) return -1;
  at = scan.pos;
  return v;
}

function strKey(m: Parameters<PayloadParser>[0], s: string, key: string, e: number): number {
  const p = valueAt(s, key, e);
  if (p < 0) return -1;
  const end = tokenEnd(s, p, e);
  at = end;
  return m.intern(s, p, end);
}

export const parseHrtimer: PayloadParser = (m, ev, s, a, e, kind) => {
  const t = m.b.hrtimer;
  const i = commonRow(t, m, ev);
  const c = t.c;
  e = trimEnd(s, a, e);
  c.kind[i] = kind;
  const ha = keyAt(s, 'hrtimer=', a, e);
  if (ha < 0) return false;
  from = a;
  at = tokenEnd(s, ha, e);
  c.hrtimer[i] = m.intern(s, ha, at);
  const start = kind === HrtimerKind.START;
  c.function[i] = start || kind === HrtimerKind.EXPIRE_ENTRY ? strKey(m, s, 'function=', e) : -1;
  c.expiresNs[i] = start ? numKey(s, 'expires=', e) : -1;
  c.softexpiresNs[i] = start ? numKey(s, 'softexpires=', e) : -1;
  c.nowNs[i] = kind === HrtimerKind.EXPIRE_ENTRY ? numKey(s, 'now=', e) : -1;
  c.mode[i] = start || kind === HrtimerKind.INIT ? strKey(m, s, 'mode=', e) : -1;
  return true;
};
