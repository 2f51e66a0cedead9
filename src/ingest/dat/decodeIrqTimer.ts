import { IrqKind, SOFTIRQ_NAMES } from '../../tables/index.js';
import { HL, hex64, hiLoReader, numReader, type NumReader } from './fieldAccess.js';
import { NONE_NUM, NONE_STR, type Decoder, type EventKit } from './eventKit.js';

// irq / softirq / IPI / x86 vector rows, and hrtimer rows (addresses and symbols cached).

export function irq(kit: EventKit, kind: number, vectorName: string | undefined): Decoder {
  const { b } = kit.ctx;
  const t = b.irq;
  const evId = kit.nameId;
  let numR: NumReader = NONE_NUM;
  let nameOf: (data: Uint8Array, view: DataView, rec: number, len: number, n: number) => number = () => -1;
  let ret: NumReader | null = null;
  switch (kind) {
    case IrqKind.IRQ_ENTRY: {
      numR = kit.num('irq') ?? NONE_NUM;
      const name = kit.str('name') ?? NONE_STR;
      nameOf = (d, v, r, l) => b.str(name(d, v, r, l));
      break;
    }
    case IrqKind.IRQ_EXIT:
      numR = kit.num('irq') ?? NONE_NUM;
      ret = kit.num('ret');
      break;
    case IrqKind.SOFTIRQ_RAISE:
    case IrqKind.SOFTIRQ_ENTRY:
    case IrqKind.SOFTIRQ_EXIT: {
      numR = kit.num('vec') ?? NONE_NUM;
      // Vector names come from the file's own __print_symbolic table when it has one.
      const arg = kit.argAfter('action=');
      const memo = new Map<number, number>();
      nameOf = (d, v, r, l, n) => {
        let id = memo.get(n);
        if (id === undefined) {
          const s = kit.evalArg(arg, d, v, r, l);
          id = b.str(typeof s === 'string' ? s : (SOFTIRQ_NAMES[n] ?? String(n)));
          memo.set(n, id);
        }
        return id;
      };
      break;
    }
    case IrqKind.IPI_RAISE:
    case IrqKind.IPI_ENTRY:
    case IrqKind.IPI_EXIT: {
      const reason = kit.str('reason');
      nameOf = reason ? (d, v, r, l) => b.str(reason(d, v, r, l)) : () => -1;
      break;
    }
    case IrqKind.VECTOR_ENTRY:
    case IrqKind.VECTOR_EXIT: {
      numR = kit.num('vector') ?? NONE_NUM;
      const id = b.str(vectorName ?? kit.ev.name);
      nameOf = () => id;
      break;
    }
    case IrqKind.NMI: {
      const id = b.str('nmi');
      nameOf = () => id;
      break;
    }
  }
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = b.eventRow(t, ts, cpu, pid, flags);
    const c = t.c;
    c.kind[i] = kind;
    c.event[i] = evId;
    const n = numR(view, rec);
    c.num[i] = n;
    c.name[i] = nameOf(data, view, rec, len, n);
    c.ret[i] = ret ? (ret(view, rec) ? 1 : 0) : -1;
  };
}

export function hrtimer(kit: EventKit, kind: number): Decoder {
  const { b, little, syms } = kit.ctx;
  const t = b.hrtimer;
  const addr = hiLoReader(kit.field('hrtimer'), little);
  const fn = hiLoReader(kit.field('function'), little);
  const expires = kit.num('expires') ?? NONE_NUM;
  const soft = kit.num('softexpires') ?? NONE_NUM;
  const now = kit.num('now') ?? NONE_NUM;
  const modeF = kit.field('mode');
  const modeR = numReader(modeF, little);
  const modeArg = kit.argAfter('mode=');
  // Addresses repeat: cache their text / symbol per (hi, lo).
  const addrIds = new Map<number, Map<number, number>>();
  // The last (hi, lo) map is kept: timer addresses share their high word.
  let lastHi = -1;
  let lastMap = new Map<number, number>();
  const addrId = (hi: number, lo: number): number => {
    if (hi !== lastHi) {
      let m = addrIds.get(hi);
      if (!m) addrIds.set(hi, (m = new Map()));
      lastHi = hi;
      lastMap = m;
    }
    let id = lastMap.get(lo);
    if (id === undefined) lastMap.set(lo, (id = b.str(hex64(hi, lo))));
    return id;
  };
  const fnIds = new Map<number, Map<number, number>>();
  const fnName = (hi: number, lo: number): number => {
    let m = fnIds.get(hi);
    if (!m) fnIds.set(hi, (m = new Map()));
    let id = m.get(lo);
    if (id === undefined) {
      const a = (BigInt(hi) << 32n) | BigInt(lo);
      const s = syms?.lookup(a);
      id = b.str(s ? s.name : '0x' + a.toString(16));
      m.set(lo, id);
    }
    return id;
  };
  const modeMemo = new Map<number, number>();
  const mode = (d: Uint8Array, v: DataView, r: number, l: number): number => {
    if (!modeR) return -1;
    const raw = modeR(v, r);
    let id = modeMemo.get(raw);
    if (id === undefined) {
      const s = kit.evalArg(modeArg, d, v, r, l);
      id = b.str(typeof s === 'string' ? s : String(raw));
      modeMemo.set(raw, id);
    }
    return id;
  };
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = b.eventRow(t, ts, cpu, pid, flags);
    const c = t.c;
    c.kind[i] = kind;
    if (addr) {
      addr(view, rec);
      const hi = HL[0]!;
      const lo = HL[1]!;
      c.hrtimer[i] = addrId(hi, lo);
    } else c.hrtimer[i] = -1;
    if (fn) {
      fn(view, rec);
      const hi = HL[0]!;
      const lo = HL[1]!;
      c.function[i] = fnName(hi, lo);
    } else c.function[i] = -1;
    c.expiresNs[i] = expires(view, rec);
    c.softexpiresNs[i] = soft(view, rec);
    c.nowNs[i] = now(view, rec);
    c.mode[i] = mode(data, view, rec, len);
  };
}
