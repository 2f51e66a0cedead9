import { IrqKind, SOFTIRQ_NAMES } from '../../../tables/index.js';
import { findB, intAtB, k, keyAtB, rfindB, sameAtB, trimEndB } from '../byteScan.js';
import type { BytePayloadParser } from './common.js';

// ../payloads/irq.ts on bytes (same steps, same order of string ids).

const IRQ = k('irq=');
const NAME = k('name=');
const RET = k('ret=');
const HANDLED = k('handled');
const UNHANDLED = k('unhandled');
const VEC = k('vec=');
const ACTION = k('[action=');
const LP = k('(');
const RP = k(')');
const VECTOR = k('vector=');
const PARENS = k('()');
const HANDLED_COLON = k('handled: ');

function orNeg(v: number): number {
  return Number.isNaN(v) ? -1 : v;
}

export const parseIrqB: BytePayloadParser = (m, ev, s, a, e, kind) => {
  const t = m.b.irq;
  const i = t.row();
  const c = t.c;
  c.tsNs[i] = ev.tsNs;
  c.seq[i] = m.b.seq();
  c.cpu[i] = ev.cpu;
  c.pid[i] = ev.pid;
  c.flags[i] = ev.flags;
  c.kind[i] = kind;
  c.event[i] = ev.nameId;
  c.num[i] = -1;
  c.name[i] = -1;
  c.ret[i] = -1;
  e = trimEndB(s, a, e);
  switch (kind) {
    case IrqKind.IRQ_ENTRY: {
      const ia = keyAtB(s, IRQ, a, e);
      if (ia < 0) return false;
      c.num[i] = intAtB(s, ia, e);
      const na = keyAtB(s, NAME, ia, e);
      if (na >= 0) c.name[i] = m.bi.id(s, na, e);
      return !Number.isNaN(c.num[i]) && ia >= 0;
    }
    case IrqKind.IRQ_EXIT: {
      const ia = keyAtB(s, IRQ, a, e);
      if (ia < 0) return false;
      c.num[i] = orNeg(intAtB(s, ia, e));
      const ra = keyAtB(s, RET, ia, e);
      if (ra >= 0) c.ret[i] = sameAtB(s, ra, HANDLED) ? 1 : sameAtB(s, ra, UNHANDLED) ? 0 : -1;
      return true;
    }
    case IrqKind.SOFTIRQ_RAISE:
    case IrqKind.SOFTIRQ_ENTRY:
    case IrqKind.SOFTIRQ_EXIT: {
      const va = keyAtB(s, VEC, a, e);
      if (va < 0) return false;
      const vec = intAtB(s, va, e);
      if (Number.isNaN(vec)) return false;
      c.num[i] = vec;
      const aa = keyAtB(s, ACTION, va, e);
      if (aa >= 0) {
        c.name[i] = m.bi.until(s, aa, e, 93 /* ] */);
      } else if (vec < SOFTIRQ_NAMES.length) {
        c.name[i] = m.b.str(SOFTIRQ_NAMES[vec]!);
      }
      return true;
    }
    case IrqKind.IPI_RAISE:
    case IrqKind.IPI_ENTRY:
    case IrqKind.IPI_EXIT: {
      const lp = rfindB(s, LP, e - 1, a);
      if (lp >= 0) {
        const rp = findB(s, RP, lp, e);
        c.name[i] = m.bi.id(s, lp + 1, rp < 0 ? e : rp);
      }
      return true;
    }
    case IrqKind.VECTOR_ENTRY:
    case IrqKind.VECTOR_EXIT: {
      const va = keyAtB(s, VECTOR, a, e);
      c.num[i] = va < 0 ? -1 : orNeg(intAtB(s, va, e));
      c.name[i] = ev.vectorNameId;
      return va >= 0;
    }
    default: {
      const paren = findB(s, PARENS, a, e);
      c.name[i] = m.bi.id(s, a, paren < 0 ? e : paren);
      const h = keyAtB(s, HANDLED_COLON, a, e);
      if (h >= 0) c.ret[i] = orNeg(intAtB(s, h, e));
      return true;
    }
  }
};
