import { Flags, HrtimerKind, IrqKind, KvmKind, MarkerKind, ProcessKind, SOFTIRQ_NAMES, WakeupKind } from '../../tables/index.js';
import type { MachineState } from './machineState.js';
import { WT_LEN, WT_VARINT, type WireReader } from './wire.js';
import { FtraceId as F } from './ftraceEventIds.js';
import { flagsFromCommonFlags } from './commonFlags.js';
import { decodeSelfDescribed } from './selfDescribing.js';
import { FieldBag, decodeGenericFtrace, decodeUnknownPayload, emitNamedEvent } from './genericEvent.js';

// One verbose FtraceEvent (bundle field 2) -> one table row. The payload is a oneof: its field
// number says which event it is. Absent numeric fields take the proto default (0) except where
// our schema has an explicit "absent" value (-1), absent strings are null (-1).

const bag = new FieldBag();

/** Decode the FtraceEvent in r.pos..end; returns its (boot-clock) timestamp. */
export function decodeFtraceEvent(r: WireReader, end: number, ms: MachineState, cpu: number, tsOffsetNs: number): number {
  let ts = 0;
  let pid = 0;
  let flags: number = Flags.UNKNOWN;
  let id = -1;
  let pStart = 0;
  let pEnd = 0;
  while (r.pos < end) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (wt === WT_VARINT && f === 1) ts = r.varint();
    else if (wt === WT_VARINT && f === 2) pid = r.svarint() | 0;
    else if (wt === WT_VARINT && f === 5) flags = flagsFromCommonFlags(r.varint());
    else if (wt === WT_LEN && f >= 3) {
      pEnd = r.lenEnd();
      pStart = r.pos;
      id = f;
      r.pos = pEnd;
    } else r.skip(wt);
  }
  ts += tsOffsetNs;
  if (id < 0) return ts; // an event with no payload carries nothing we can route
  const saveEnd = r.end;
  r.end = pEnd;
  r.pos = pStart;
  decodePayload(r, pEnd, id, ms, ts, cpu, pid, flags);
  r.end = saveEnd;
  r.pos = end;
  return ts;
}

function decodePayload(r: WireReader, end: number, id: number, ms: MachineState, ts: number, cpu: number, pid: number, flags: number): void {
  const b = ms.b;
  switch (id) {
    case F.SCHED_SWITCH: {
      let prevComm = -1, prevPid = 0, prevPrio = 0, prevState = 0, nextComm = -1, nextPid = 0, nextPrio = 0;
      while (r.pos < end) {
        const tag = r.varint();
        switch (tag) {
          case 0x0a: prevComm = b.str(r.string()); break;
          case 0x10: prevPid = r.svarint() | 0; break;
          case 0x18: prevPrio = r.svarint() | 0; break;
          case 0x20: prevState = r.svarint(); break;
          case 0x2a: nextComm = b.str(r.string()); break;
          case 0x30: nextPid = r.svarint() | 0; break;
          case 0x38: nextPrio = r.svarint() | 0; break;
          default: r.skip(tag & 7);
        }
      }
      const t = b.sched_switch;
      const i = b.eventRow(t, ts, cpu, pid, flags);
      t.c.prevComm[i] = prevComm; t.c.prevPid[i] = prevPid; t.c.prevPrio[i] = prevPrio;
      t.c.prevState[i] = prevState; // raw: decoded by kernel version once SystemInfo is known
      t.c.nextComm[i] = nextComm; t.c.nextPid[i] = nextPid; t.c.nextPrio[i] = nextPrio;
      return;
    }
    case F.SCHED_WAKEUP:
    case F.SCHED_WAKING:
    case F.SCHED_WAKEUP_NEW: {
      let comm = -1, tid = 0, prio = 0, success = -1, target = 0;
      while (r.pos < end) {
        const tag = r.varint();
        switch (tag) {
          case 0x0a: comm = b.str(r.string()); break;
          case 0x10: tid = r.svarint() | 0; break;
          case 0x18: prio = r.svarint() | 0; break;
          case 0x20: success = r.svarint() | 0; break;
          case 0x28: target = r.svarint() | 0; break;
          default: r.skip(tag & 7);
        }
      }
      const t = b.sched_wakeup;
      const i = b.eventRow(t, ts, cpu, pid, flags);
      t.c.kind[i] = id === F.SCHED_WAKING ? WakeupKind.WAKING : id === F.SCHED_WAKEUP ? WakeupKind.WAKEUP : WakeupKind.WAKEUP_NEW;
      t.c.comm[i] = comm; t.c.tid[i] = tid; t.c.prio[i] = prio; t.c.targetCpu[i] = target; t.c.success[i] = success;
      return;
    }
    case F.SCHED_MIGRATE_TASK: {
      let comm = -1, tid = 0, prio = 0, orig = 0, dest = 0;
      while (r.pos < end) {
        const tag = r.varint();
        switch (tag) {
          case 0x0a: comm = b.str(r.string()); break;
          case 0x10: tid = r.svarint() | 0; break;
          case 0x18: prio = r.svarint() | 0; break;
          case 0x20: orig = r.svarint() | 0; break;
          case 0x28: dest = r.svarint() | 0; break;
          default: r.skip(tag & 7);
        }
      }
      const t = b.sched_migrate;
      const i = b.eventRow(t, ts, cpu, pid, flags);
      t.c.comm[i] = comm; t.c.tid[i] = tid; t.c.prio[i] = prio; t.c.origCpu[i] = orig; t.c.destCpu[i] = dest;
      return;
    }
    case F.SCHED_PROCESS_FORK:
    case F.SCHED_PROCESS_EXIT:
    case F.SCHED_PROCESS_FREE:
    case F.SCHED_PROCESS_EXEC:
    case F.SCHED_PROCESS_WAIT:
    case F.TASK_NEWTASK:
    case F.TASK_RENAME:
      return decodeProcess(r, end, id, ms, ts, cpu, pid, flags);
    case F.IRQ_HANDLER_ENTRY:
    case F.IRQ_HANDLER_EXIT:
    case F.SOFTIRQ_ENTRY:
    case F.SOFTIRQ_EXIT:
    case F.SOFTIRQ_RAISE:
    case F.IPI_ENTRY:
    case F.IPI_EXIT:
    case F.IPI_RAISE:
    case F.LOCAL_TIMER_ENTRY:
    case F.LOCAL_TIMER_EXIT:
      return decodeIrq(r, end, id, ms, ts, cpu, pid, flags);
    case F.PRINT: {
      let ip = -1;
      let text = '';
      while (r.pos < end) {
        const tag = r.varint();
        if (tag === 0x08) {
          const v = r.varint64();
          ip = v === 0n ? -1 : b.str('0x' + v.toString(16));
        } else if (tag === 0x12) text = r.string();
        else r.skip(tag & 7);
      }
      if (text.endsWith('\n')) text = text.slice(0, -1);
      const t = b.markers;
      const i = b.eventRow(t, ts, cpu, pid, flags);
      t.c.kind[i] = MarkerKind.PRINT; t.c.ip[i] = ip; t.c.text[i] = text;
      return;
    }
    case F.TRACING_MARK_WRITE: {
      // Android's tracing_mark_write: {1 pid, 2 trace_name, 3 trace_begin} -> B|pid|name / E|pid.
      let tpid = 0, name = '', begin = 0;
      while (r.pos < end) {
        const tag = r.varint();
        if (tag === 0x08) tpid = r.svarint() | 0;
        else if (tag === 0x12) name = r.string();
        else if (tag === 0x18) begin = r.varint();
        else r.skip(tag & 7);
      }
      const t = b.markers;
      const i = b.eventRow(t, ts, cpu, pid, flags);
      t.c.kind[i] = MarkerKind.TRACING_MARK_WRITE; t.c.ip[i] = -1;
      t.c.text[i] = begin ? `B|${tpid}|${name}` : `E|${tpid}`;
      return;
    }
    case F.HRTIMER_START:
    case F.HRTIMER_CANCEL:
    case F.HRTIMER_EXPIRE_ENTRY:
    case F.HRTIMER_EXPIRE_EXIT:
      return decodeHrtimer(r, end, id, ms, ts, cpu, pid, flags);
    case F.KVM_ENTRY:
    case F.KVM_EXIT:
    case F.KVM_SET_IRQ:
    case F.KVM_USERSPACE_EXIT:
    case F.KVM_VCPU_WAKEUP:
      return decodeKvm(r, end, id, ms, ts, cpu, pid, flags);
    case F.GENERIC: {
      const name = decodeGenericFtrace(r, end, bag);
      emitNamedEvent(ms, name || 'generic', bag, ts, cpu, pid, flags);
      return;
    }
    default: {
      const d = id >= 65536 ? ms.selfDescribed.get(id) : undefined;
      if (d) {
        decodeSelfDescribed(r, end, d, bag);
        emitNamedEvent(ms, d.name, bag, ts, cpu, pid, flags);
        return;
      }
      const name = decodeUnknownPayload(r, end, id, bag);
      emitNamedEvent(ms, name, bag, ts, cpu, pid, flags);
    }
  }
}

function decodeProcess(r: WireReader, end: number, id: number, ms: MachineState, ts: number, cpu: number, pid: number, flags: number): void {
  const b = ms.b;
  let comm = -1, tid = 0, prio = -1, childComm = -1, childTid = -1;
  let kind: number;
  switch (id) {
    case F.SCHED_PROCESS_FORK: kind = ProcessKind.FORK; break;
    case F.SCHED_PROCESS_EXIT: kind = ProcessKind.EXIT; break;
    case F.SCHED_PROCESS_FREE: kind = ProcessKind.FREE; break;
    case F.SCHED_PROCESS_EXEC: kind = ProcessKind.EXEC; break;
    case F.SCHED_PROCESS_WAIT: kind = ProcessKind.WAIT; break;
    case F.TASK_NEWTASK: kind = ProcessKind.NEWTASK; break;
    default: kind = ProcessKind.RENAME;
  }
  let tgid = -1;
  while (r.pos < end) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (wt === WT_LEN) {
      const s = b.str(r.string());
      // Which string field is which depends on the event (see formats.md §4.5).
      if (kind === ProcessKind.FORK) f === 1 ? (comm = s) : f === 3 ? (childComm = s) : 0;
      else if (kind === ProcessKind.NEWTASK) { if (f === 2) comm = s; }
      else if (kind === ProcessKind.RENAME) f === 2 ? (comm = s) : f === 3 ? (childComm = s) : 0;
      else if (f === 1) comm = s;
    } else if (wt === WT_VARINT) {
      const v = r.svarint() | 0;
      if (kind === ProcessKind.FORK) f === 2 ? (tid = v) : f === 4 ? (childTid = v) : 0;
      else if (kind === ProcessKind.NEWTASK || kind === ProcessKind.RENAME) { if (f === 1) tid = v; }
      else if (kind === ProcessKind.EXIT) f === 2 ? (tid = v) : f === 3 ? (tgid = v) : f === 4 ? (prio = v) : 0;
      else if (kind === ProcessKind.EXEC) { if (f === 2) tid = v; }
      else f === 2 ? (tid = v) : f === 3 ? (prio = v) : 0;
    } else r.skip(wt);
  }
  const t = b.sched_process;
  const i = b.eventRow(t, ts, cpu, pid, flags);
  t.c.kind[i] = kind; t.c.comm[i] = comm; t.c.tid[i] = tid; t.c.prio[i] = prio;
  t.c.childComm[i] = childComm; t.c.childTid[i] = childTid;
  if (tgid >= 0) ms.tgids.set(tid, tgid);
}

function decodeIrq(r: WireReader, end: number, id: number, ms: MachineState, ts: number, cpu: number, pid: number, flags: number): void {
  const b = ms.b;
  let num = -1, name = -1, ret = -1;
  let kind: number;
  let event: string;
  switch (id) {
    case F.IRQ_HANDLER_ENTRY: kind = IrqKind.IRQ_ENTRY; event = 'irq_handler_entry'; num = 0; break;
    case F.IRQ_HANDLER_EXIT: kind = IrqKind.IRQ_EXIT; event = 'irq_handler_exit'; num = 0; break;
    case F.SOFTIRQ_ENTRY: kind = IrqKind.SOFTIRQ_ENTRY; event = 'softirq_entry'; num = 0; break;
    case F.SOFTIRQ_EXIT: kind = IrqKind.SOFTIRQ_EXIT; event = 'softirq_exit'; num = 0; break;
    case F.SOFTIRQ_RAISE: kind = IrqKind.SOFTIRQ_RAISE; event = 'softirq_raise'; num = 0; break;
    case F.IPI_ENTRY: kind = IrqKind.IPI_ENTRY; event = 'ipi_entry'; break;
    case F.IPI_EXIT: kind = IrqKind.IPI_EXIT; event = 'ipi_exit'; break;
    case F.IPI_RAISE: kind = IrqKind.IPI_RAISE; event = 'ipi_raise'; break;
    case F.LOCAL_TIMER_ENTRY: kind = IrqKind.VECTOR_ENTRY; event = 'local_timer_entry'; name = b.str('local_timer'); break;
    default: kind = IrqKind.VECTOR_EXIT; event = 'local_timer_exit'; name = b.str('local_timer');
  }
  const isIpi = kind === IrqKind.IPI_ENTRY || kind === IrqKind.IPI_EXIT || kind === IrqKind.IPI_RAISE;
  while (r.pos < end) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (wt === WT_LEN) {
      const s = b.str(r.string());
      if ((isIpi && (f === 1 || f === 2)) || (kind === IrqKind.IRQ_ENTRY && f === 2)) name = s;
    } else if (wt === WT_VARINT) {
      const v = r.svarint() | 0;
      if (f === 1) num = v;
      else if (f === 2 && kind === IrqKind.IRQ_EXIT) ret = v;
    } else r.skip(wt);
  }
  if ((kind === IrqKind.SOFTIRQ_ENTRY || kind === IrqKind.SOFTIRQ_EXIT || kind === IrqKind.SOFTIRQ_RAISE) && num >= 0 && num < SOFTIRQ_NAMES.length) {
    name = b.str(SOFTIRQ_NAMES[num]!);
  }
  const t = b.irq;
  const i = b.eventRow(t, ts, cpu, pid, flags);
  t.c.kind[i] = kind; t.c.event[i] = b.str(event); t.c.num[i] = num; t.c.name[i] = name; t.c.ret[i] = ret;
}

function hex(v: bigint): string {
  return '0x' + v.toString(16);
}

function decodeHrtimer(r: WireReader, end: number, id: number, ms: MachineState, ts: number, cpu: number, pid: number, flags: number): void {
  const b = ms.b;
  let timer = -1, fn = -1, expires = -1, soft = -1, now = -1, mode = -1;
  const kind =
    id === F.HRTIMER_START ? HrtimerKind.START : id === F.HRTIMER_CANCEL ? HrtimerKind.CANCEL : id === F.HRTIMER_EXPIRE_ENTRY ? HrtimerKind.EXPIRE_ENTRY : HrtimerKind.EXPIRE_EXIT;
  while (r.pos < end) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (wt !== WT_VARINT) { r.skip(wt); continue; }
    if (f === 1) timer = b.str(hex(r.varint64()));
    else if (kind === HrtimerKind.START) {
      if (f === 2) fn = b.str(hex(r.varint64()));
      else if (f === 3) expires = r.svarint();
      else if (f === 4) soft = r.svarint();
      else if (f === 5) mode = b.str(String(r.varint()));
      else r.skip(wt);
    } else if (kind === HrtimerKind.EXPIRE_ENTRY) {
      if (f === 2) now = r.svarint();
      else if (f === 3) fn = b.str(hex(r.varint64()));
      else r.skip(wt);
    } else r.skip(wt);
  }
  const t = b.hrtimer;
  const i = b.eventRow(t, ts, cpu, pid, flags);
  t.c.kind[i] = kind; t.c.hrtimer[i] = timer; t.c.function[i] = fn;
  t.c.expiresNs[i] = expires; t.c.softexpiresNs[i] = soft; t.c.nowNs[i] = now; t.c.mode[i] = mode;
}

/** The arm64-shaped kvm protos (formats.md §4.6); x86 fields never reach them. */
function decodeKvm(r: WireReader, end: number, id: number, ms: MachineState, ts: number, cpu: number, pid: number, flags: number): void {
  const b = ms.b;
  let reason = -1, target = -1, value = -1, value2 = -1;
  let kind: number;
  let detail = '';
  const parts: string[] = [];
  const names =
    id === F.KVM_ENTRY ? ['vcpu_pc'] : id === F.KVM_EXIT ? ['esr_ec', 'ret', 'vcpu_pc'] : id === F.KVM_SET_IRQ ? ['gsi', 'irq_source_id', 'level'] : id === F.KVM_USERSPACE_EXIT ? ['reason', 'errno'] : ['ns', 'valid', 'waited'];
  kind = id === F.KVM_ENTRY ? KvmKind.ENTRY : id === F.KVM_EXIT ? KvmKind.EXIT : id === F.KVM_SET_IRQ ? KvmKind.SET_IRQ : id === F.KVM_USERSPACE_EXIT ? KvmKind.USERSPACE_EXIT : KvmKind.VCPU_WAKEUP;
  let valid = 0, waited = 0;
  while (r.pos < end) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (wt !== WT_VARINT) { r.skip(wt); continue; }
    const fname = names[f - 1] ?? `f${f}`;
    if (fname === 'vcpu_pc') { parts.push(`vcpu_pc=${hex(r.varint64())}`); continue; }
    const v = r.svarint();
    parts.push(`${fname}=${fname === 'esr_ec' ? '0x' + v.toString(16) : v}`);
    if (fname === 'esr_ec') reason = b.str('0x' + v.toString(16));
    else if (fname === 'reason') reason = b.str(String(v));
    else if (fname === 'gsi') target = v;
    else if (fname === 'level') value = v;
    else if (fname === 'ns') value = v;
    else if (fname === 'valid') valid = v;
    else if (fname === 'waited') waited = v;
  }
  if (kind === KvmKind.VCPU_WAKEUP) value2 = (valid ? 1 : 0) | (waited ? 2 : 0);
  detail = parts.join(' ');
  const t = b.kvm;
  const i = b.eventRow(t, ts, cpu, pid, flags);
  t.c.kind[i] = kind; t.c.vcpuId[i] = -1; t.c.reason[i] = reason; t.c.vector[i] = -1; t.c.target[i] = target;
  t.c.value[i] = value; t.c.value2[i] = value2; t.c.detail[i] = detail;
}
