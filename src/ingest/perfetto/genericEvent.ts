import { IrqKind, SOFTIRQ_NAMES, routeEvent, type EventTableName } from '../../tables/index.js';
import type { MachineState } from './machineState.js';
import { WT_LEN, WT_VARINT, WireError, type WireReader } from './wire.js';
import { ftraceEventName, ftraceFieldName } from './ftraceEventIds.js';

// Events without a dedicated decoder: GenericFtraceEvent (name + typed fields) and FtraceEvent
// payloads we only know by field number. Both become a list of named fields; events whose name
// routes to a typed table fill its columns by field name, everything else goes to `generic`.

/** Reused field list: no objects per event beyond the strings themselves. */
export class FieldBag {
  names: string[] = [];
  strs: Array<string | null> = [];
  nums: number[] = [];
  n = 0;
  add(name: string, str: string | null, num: number): void {
    this.names[this.n] = name;
    this.strs[this.n] = str;
    this.nums[this.n] = num;
    this.n++;
  }
  /** `name=value ...`; an empty name renders the bare value (free text carried through a writer). */
  render(): string {
    let s = '';
    for (let i = 0; i < this.n; i++) {
      if (i) s += ' ';
      const v = this.strs[i] ?? String(this.nums[i]);
      s += this.names[i] ? `${this.names[i]}=${v}` : v;
    }
    return s;
  }
  find(name: string): number {
    for (let i = 0; i < this.n; i++) if (this.names[i] === name) return i;
    return -1;
  }
}

/** Kernel field names -> our column names, per table (column names themselves also match). */
const ALIASES: Partial<Record<EventTableName, Record<string, string>>> = {
  sched_switch: { prev_comm: 'prevComm', prev_pid: 'prevPid', prev_prio: 'prevPrio', prev_state: 'prevState', next_comm: 'nextComm', next_pid: 'nextPid', next_prio: 'nextPrio' },
  sched_wakeup: { pid: 'tid', target_cpu: 'targetCpu' },
  sched_migrate: { pid: 'tid', orig_cpu: 'origCpu', dest_cpu: 'destCpu' },
  sched_process: { pid: 'tid', parent_comm: 'comm', parent_pid: 'tid', child_comm: 'childComm', child_pid: 'childTid', filename: 'comm', oldcomm: 'comm', newcomm: 'childComm' },
  irq: { irq: 'num', vec: 'num', vector: 'num', target_cpus: 'num', reason: 'name', action: 'name' },
  hrtimer: { expires: 'expiresNs', softexpires: 'softexpiresNs', now: 'nowNs' },
  kvm: { vcpu_id: 'vcpuId', exit_reason: 'reason', vec: 'vector', irq: 'vector', apicid: 'target', dst: 'target', dest_id: 'target', gsi: 'target', ns: 'value', nr: 'value', ecx: 'value' },
  markers: { buf: 'text', str: 'text' },
};

const COMMON = new Set(['tsNs', 'seq', 'cpu', 'pid', 'flags', 'kind']);

/** Decode a GenericFtraceEvent payload (r.pos..end) into `bag`; returns the event name. */
export function decodeGenericFtrace(r: WireReader, end: number, bag: FieldBag): string {
  bag.n = 0;
  let name = '';
  while (r.pos < end) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) name = r.string();
    else if (f === 2 && wt === WT_LEN) {
      const fe = r.lenEnd();
      let fname = '';
      let str: string | null = null;
      let num = 0;
      while (r.pos < fe) {
        const t2 = r.varint();
        const f2 = t2 >>> 3;
        const w2 = t2 & 7;
        if (f2 === 1 && w2 === WT_LEN) fname = r.string();
        else if (f2 === 3 && w2 === WT_LEN) str = r.string();
        else if (f2 === 4 && w2 === WT_VARINT) num = r.svarint();
        else if (f2 === 5 && w2 === WT_VARINT) {
          const v = r.varint64();
          num = Number(v);
          if (v > 0xfffffffffffffn) str = '0x' + v.toString(16); // addresses: keep every bit, in hex
        } else r.skip(w2);
      }
      if (r.pos !== fe) throw new WireError('field overran its length', r.pos);
      bag.add(fname, str, num);
    } else r.skip(wt);
  }
  return name;
}

/** Render an FtraceEvent payload we have no decoder for, using known field names where we have them. */
export function decodeUnknownPayload(r: WireReader, end: number, id: number, bag: FieldBag): string {
  bag.n = 0;
  while (r.pos < end) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    let fname = ftraceFieldName(id, f);
    const hex = fname.endsWith(':x');
    if (hex) fname = fname.slice(0, -2);
    if (wt === WT_VARINT) {
      if (hex) bag.add(fname, '0x' + r.varint64().toString(16), 0);
      else bag.add(fname, null, r.svarint());
    } else if (wt === WT_LEN) {
      bag.add(fname, r.string(), 0);
    } else if (wt === 1) {
      bag.add(fname, null, r.fixed64());
    } else if (wt === 5) {
      bag.add(fname, null, r.fixed32());
    } else r.skip(wt);
  }
  return ftraceEventName(id);
}

/**
 * Append a row for a named event from its field bag: into the typed table its name routes to
 * (columns matched by name or kernel alias), else into `generic`.
 */
export function emitNamedEvent(ms: MachineState, name: string, bag: FieldBag, tsNs: number, cpu: number, pid: number, flags: number): void {
  const b = ms.b;
  const route = routeEvent(name);
  if (route.table === 'generic') {
    const g = b.generic;
    const i = b.eventRow(g, tsNs, cpu, pid, flags);
    g.c.event[i] = b.str(name);
    g.c.fields[i] = bag.render();
    return;
  }
  const tb = b[route.table];
  const cols = tb.c as unknown as Record<string, { [k: number]: unknown }>;
  const spec = tb.spec.columns as Record<string, string>;
  const i = b.eventRow(tb, tsNs, cpu, pid, flags);
  if ('kind' in spec) cols['kind']![i] = route.kind;
  const alias = ALIASES[route.table] ?? {};
  for (const [col, type] of Object.entries(spec)) {
    if (COMMON.has(col)) continue;
    cols[col]![i] = type === 'text' ? '' : -1;
  }
  let sawDetail = false;
  for (let k = 0; k < bag.n; k++) {
    const fname = bag.names[k]!;
    const col = fname in spec && !COMMON.has(fname) ? fname : alias[fname];
    if (!col) continue;
    const type = spec[col]!;
    const s = bag.strs[k];
    if (type === 'str') cols[col]![i] = b.str(s ?? String(bag.nums[k]));
    else if (type === 'text') {
      cols[col]![i] = s ?? String(bag.nums[k]);
      if (col === 'detail') sawDetail = true;
    } else cols[col]![i] = s === null ? bag.nums[k]! : s.startsWith('0x') ? Number(BigInt(s)) : Number(s);
  }
  if (route.table === 'kvm' && !sawDetail) cols['detail']![i] = bag.render();
  if (route.table === 'irq') {
    if ((cols['event']![i] as number) < 0) cols['event']![i] = b.str(name);
    if (route.vectorName && (cols['name']![i] as number) < 0) cols['name']![i] = b.str(route.vectorName);
    const kind = route.kind;
    if ((kind === IrqKind.SOFTIRQ_ENTRY || kind === IrqKind.SOFTIRQ_EXIT || kind === IrqKind.SOFTIRQ_RAISE) && (cols['name']![i] as number) < 0) {
      const vec = cols['num']![i] as number;
      if (vec >= 0 && vec < SOFTIRQ_NAMES.length) cols['name']![i] = b.str(SOFTIRQ_NAMES[vec]!);
    }
  }
}
