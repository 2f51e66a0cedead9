import { IrqKind, SOFTIRQ_NAMES } from '../../../tables/index.js';
import { find, intAt, keyAt, orNeg, rfind, trimEnd } from '../scan.js';
import { commonRow, type PayloadParser } from './common.js';

// irq:*, ipi:* and x86 irq_vectors:* events.

export const parseIrq: PayloadParser = (m, ev, s, a, e, kind) => {
  const t = m.b.irq;
  const i = commonRow(t, m, ev);
  const c = t.c;
  c.kind[i] = kind;
  c.event[i] = ev.nameId;
  c.num[i] = -1;
  c.name[i] = -1;
  c.ret[i] = -1;
  e = trimEnd(s, a, e);
  switch (kind) {
    case IrqKind.IRQ_ENTRY: {
      // irq=%d name=%s (the name may contain spaces)
      const ia = keyAt(s, 'irq=', a, e);
      if (ia < 0) return false;
      c.num[i] = intAt(s, ia, e);
      const na = keyAt(s, 'name=', ia, e);
      if (na >= 0) c.name[i] = m.intern(s, na, e);
      return !Number.isNaN(c.num[i]) && ia >= 0;
    }
    case IrqKind.IRQ_EXIT: {
      const ia = keyAt(s, 'irq=', a, e);
      if (ia < 0) return false;
      c.num[i] = orNeg(intAt(s, ia, e));
      const ra = keyAt(s, 'ret=', ia, e);
      if (ra >= 0) c.ret[i] = s.startsWith('handled', ra) ? 1 : s.startsWith('unhandled', ra) ? 0 : -1;
      return true;
    }
    case IrqKind.SOFTIRQ_RAISE:
    case IrqKind.SOFTIRQ_ENTRY:
    case IrqKind.SOFTIRQ_EXIT: {
      // vec=%u [action=%s]
      const va = keyAt(s, 'vec=', a, e);
      if (va < 0) return false;
      const vec = intAt(s, va, e);
      if (Number.isNaN(vec)) return false;
      c.num[i] = vec;
      const aa = keyAt(s, '[action=', va, e);
      if (aa >= 0) {
        const rb = find(s, ']', aa, e);
        c.name[i] = m.intern(s, aa, rb < 0 ? e : rb);
      } else if (vec < SOFTIRQ_NAMES.length) {
        c.name[i] = m.b.str(SOFTIRQ_NAMES[vec]!);
      }
      return true;
    }
    case IrqKind.IPI_RAISE:
    case IrqKind.IPI_ENTRY:
    case IrqKind.IPI_EXIT: {
      // ipi_raise: target_mask=%s (%s); ipi_entry/exit: (%s)
      const lp = rfind(s, '(', e - 1, a);
      if (lp >= 0) {
        const rp = find(s, ')', lp, e);
        c.name[i] = m.intern(s, lp + 1, rp < 0 ? e : rp);
      }
      return true;
    }
    case IrqKind.VECTOR_ENTRY:
    case IrqKind.VECTOR_EXIT: {
      const va = keyAt(s, 'vector=', a, e);
      c.num[i] = va < 0 ? -1 : orNeg(intAt(s, va, e));
      c.name[i] = ev.vectorNameId;
      return va >= 0;
    }
    default: {
      // nmi_handler: %ps() delta_ns: %lld handled: %d
      const paren = find(s, '()', a, e);
      c.name[i] = m.intern(s, a, paren < 0 ? e : paren);
      const h = keyAt(s, 'handled: ', a, e);
      if (h >= 0) c.ret[i] = orNeg(intAt(s, h, e));
      return true;
    }
  }
};
