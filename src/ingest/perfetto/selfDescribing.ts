import { WT_LEN, WT_VARINT, type WireReader } from './wire.js';
import type { FieldBag } from './genericEvent.js';

// Perfetto v50+ self-describing ftrace events: a bundle carries GenericEventDescriptor
// {1 field_id, 2 event_descriptor = serialized google.protobuf.DescriptorProto}, and later
// FtraceEvents use that field_id (>= 65536) with a payload laid out by the descriptor. This is
// how events unknown when the recorder was built arrive (e.g. x86-only kvm events on new builds).

export interface EventDescriptor {
  name: string;
  /** field number -> [name, FieldDescriptorProto.Type] */
  fields: Map<number, [string, number]>;
}

// FieldDescriptorProto.Type values we treat specially.
const T_BOOL = 8;
const T_STRING = 9;
const T_BYTES = 12;
const T_UINT64 = 4;
const T_UINT32 = 13;
const T_SINT32 = 17;
const T_SINT64 = 18;

/** Read a GenericEventDescriptor in r.pos..end into `out` (keyed by field_id). */
export function readGenericEventDescriptor(r: WireReader, end: number, out: Map<number, EventDescriptor>): void {
  let fieldId = -1;
  let dStart = -1;
  let dEnd = -1;
  while (r.pos < end) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_VARINT) fieldId = r.varint();
    else if (f === 2 && wt === WT_LEN) {
      dEnd = r.lenEnd();
      dStart = r.pos;
      r.pos = dEnd;
    } else r.skip(wt);
  }
  if (fieldId < 0 || dStart < 0) return;
  const d: EventDescriptor = { name: `ftrace_event_${fieldId}`, fields: new Map() };
  r.pos = dStart;
  while (r.pos < dEnd) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) d.name = r.string();
    else if (f === 2 && wt === WT_LEN) {
      const fe = r.lenEnd();
      let name = '';
      let num = -1;
      let type = 0;
      while (r.pos < fe) {
        const t2 = r.varint();
        const f2 = t2 >>> 3;
        const w2 = t2 & 7;
        if (f2 === 1 && w2 === WT_LEN) name = r.string();
        else if (f2 === 3 && w2 === WT_VARINT) num = r.varint();
        else if (f2 === 5 && w2 === WT_VARINT) type = r.varint();
        else r.skip(w2);
      }
      if (num >= 0) d.fields.set(num, [name || `f${num}`, type]);
    } else r.skip(wt);
  }
  r.pos = end;
  out.set(fieldId, d);
}

/** Decode a self-described payload (r.pos..end) into `bag`, names and types from `d`. */
export function decodeSelfDescribed(r: WireReader, end: number, d: EventDescriptor, bag: FieldBag): void {
  bag.n = 0;
  while (r.pos < end) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    const [name, type] = d.fields.get(f) ?? [`f${f}`, 0];
    if (wt === WT_VARINT) {
      if (type === T_SINT32 || type === T_SINT64) {
        const v = r.varint64();
        bag.add(name, null, Number((v >> 1n) ^ -(v & 1n)));
      } else if (type === T_UINT64 || type === T_UINT32) {
        const v = r.varint64();
        bag.add(name, v > 0xfffffffffffffn ? '0x' + v.toString(16) : null, Number(v));
      } else if (type === T_BOOL) bag.add(name, null, r.varint() ? 1 : 0);
      else bag.add(name, null, r.svarint());
    } else if (wt === WT_LEN) {
      if (type === T_STRING || type === T_BYTES || type === 0) bag.add(name, r.string(), 0);
      else r.skip(wt);
    } else if (wt === 1) bag.add(name, null, r.fixed64());
    else if (wt === 5) bag.add(name, null, r.fixed32());
    else r.skip(wt);
  }
}
