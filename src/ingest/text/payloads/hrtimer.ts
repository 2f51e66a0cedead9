import { HrtimerKind } from '../../../tables/index.js';
import { intAt, keyAt, tokenEnd, trimEnd } from '../scan.js';
import { commonRow, type PayloadParser } from './common.js';

// timer:hrtimer_* (include/trace/events/timer.h). Numbers stay -1 when the event has no such field.

function numKey(s: string, key: string, a: number, e: number): number {
  const p = keyAt(s, key, a, e);
  if (p < 0) return -1;
  const v = intAt(s, p, e);
  return Number.isNaN(v) ? -1 : v;
}

function strKey(m: Parameters<PayloadParser>[0], s: string, key: string, a: number, e: number): number {
  const p = keyAt(s, key, a, e);
  return p < 0 ? -1 : m.intern(s, p, tokenEnd(s, p, e));
}

export const parseHrtimer: PayloadParser = (m, ev, s, a, e, kind) => {
  const t = m.b.hrtimer;
  const i = commonRow(t, m, ev);
  const c = t.c;
  e = trimEnd(s, a, e);
  c.kind[i] = kind;
  const ha = keyAt(s, 'hrtimer=', a, e);
  if (ha < 0) return false;
  c.hrtimer[i] = m.intern(s, ha, tokenEnd(s, ha, e));
  c.function[i] = kind === HrtimerKind.START || kind === HrtimerKind.EXPIRE_ENTRY ? strKey(m, s, 'function=', ha, e) : -1;
  c.expiresNs[i] = kind === HrtimerKind.START ? numKey(s, 'expires=', ha, e) : -1;
  c.softexpiresNs[i] = kind === HrtimerKind.START ? numKey(s, 'softexpires=', ha, e) : -1;
  c.nowNs[i] = kind === HrtimerKind.EXPIRE_ENTRY ? numKey(s, 'now=', ha, e) : -1;
  c.mode[i] = kind === HrtimerKind.START || kind === HrtimerKind.INIT ? strKey(m, s, 'mode=', ha, e) : -1;
  return true;
};
