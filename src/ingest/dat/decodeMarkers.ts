import { MarkerKind } from '../../tables/index.js';
import { HL, hex64, hiLoReader } from './fieldAccess.js';
import { recordRef, type Decoder, type EventKit } from './eventKit.js';
import { bprintf } from './bprint.js';

// Marker rows (print, bprint, bputs) and generic rows (`name=value ...`).

export function markers(kit: EventKit, kind: number): Decoder {
  const { b, little, syms, printk, kernelLong } = kit.ctx;
  const t = b.markers;
  const ip = hiLoReader(kit.field('ip'), little);
  const buf = kit.str('buf');
  const fmtAddr = hiLoReader(kit.field('fmt'), little);
  const strAddr = hiLoReader(kit.field('str'), little);
  const bufField = kit.field('buf');
  const env = kit.env;
  const ipIds = new Map<string, number>();
  const ipName = (hi: number, lo: number): number => {
    const k = hi + ':' + lo;
    let id = ipIds.get(k);
    if (id === undefined) {
      const a = (BigInt(hi) << 32n) | BigInt(lo);
      const s = syms?.lookup(a);
      id = b.str(s ? s.name : '0x' + a.toString(16));
      ipIds.set(k, id);
    }
    return id;
  };
  const printkText = (hi: number, lo: number): string | null => printk.get((BigInt(hi) << 32n) | BigInt(lo)) ?? null;
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = b.eventRow(t, ts, cpu, pid, flags);
    const c = t.c;
    c.kind[i] = kind;
    if (ip) {
      ip(view, rec);
      const hi = HL[0]!;
      const lo = HL[1]!;
      c.ip[i] = ipName(hi, lo);
    } else c.ip[i] = -1;
    let text: string;
    if (kind === MarkerKind.BPRINT && fmtAddr && bufField) {
      fmtAddr(view, rec);
      const hi = HL[0]!;
      const lo = HL[1]!;
      const fmt = printkText(hi, lo);
      const start = rec + bufField.offset;
      text = fmt === null ? `[unknown printk format ${hex64(hi, lo)}]` : bprintf(fmt, data, view, start, rec + len, little, kernelLong, env);
    } else if (kind === MarkerKind.BPUTS && strAddr) {
      strAddr(view, rec);
      const hi = HL[0]!;
      const lo = HL[1]!;
      text = printkText(hi, lo) ?? `[unknown string ${hex64(hi, lo)}]`;
    } else if (buf) {
      text = buf(data, view, rec, len);
    } else {
      text = kit.render(data, view, rec, len);
    }
    c.text[i] = text.endsWith('\n') ? text.slice(0, -1) : text;
  };
}

export function generic(kit: EventKit): Decoder {
  const { b, little } = kit.ctx;
  const t = b.generic;
  const evId = kit.nameId;
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = b.eventRow(t, ts, cpu, pid, flags);
    const c = t.c;
    c.event[i] = evId;
    c.fields[i] = kit.raw(recordRef(data, view, rec, len, little));
  };
}
