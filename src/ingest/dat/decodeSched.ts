import { ProcessKind, TaskState, decodeTaskStateMask, parseTaskStateText } from '../../tables/index.js';
import type { NumReader, StrReader } from './fieldAccess.js';
import { NONE_ID, NONE_NUM, NONE_STR, type Decoder, type EventKit } from './eventKit.js';

// sched_switch / sched_waking / sched_wakeup[_new] / sched_migrate_task / sched_process_* rows.

export function schedSwitch(kit: EventKit): Decoder {
  const { b } = kit.ctx;
  const th = kit.ctx.threads;
  const t = b.sched_switch;
  const prevComm = kit.strId('prev_comm') ?? NONE_ID;
  const prevPid = kit.num('prev_pid') ?? NONE_NUM;
  const prevPrio = kit.num('prev_prio') ?? NONE_NUM;
  const prevState = kit.num('prev_state') ?? NONE_NUM;
  const nextComm = kit.strId('next_comm') ?? NONE_ID;
  const nextPid = kit.num('next_pid') ?? NONE_NUM;
  const nextPrio = kit.num('next_prio') ?? NONE_NUM;
  // prev_state is decoded with the file's own print-fmt bit table (it changed across kernels),
  // memoized per raw value: a trace has a handful of distinct states.
  const stateArg = kit.argAfter('prev_state=');
  const hasIdleLetter = !!kit.ev.printFmt && /\{\s*0x0*80\s*,\s*"I"\s*\}/.test(kit.ev.printFmt);
  const pre414 = kit.ctx.kernel ? kit.ctx.kernel[0] * 1000 + kit.ctx.kernel[1] < 4014 : !hasIdleLetter;
  // Raw states are small bit masks: a typed-array memo, with a Map for anything larger.
  const SMALL = 1 << 13;
  const memoSmall = new Int32Array(SMALL).fill(-2);
  const memo = new Map<number, number>();
  const decodeState = (data: Uint8Array, view: DataView, rec: number, len: number, raw: number): number => {
    let m: number = TaskState.UNKNOWN;
    const a = kit.evalArg(stateArg, data, view, rec, len);
    const plus = kit.evalArg(stateArg + 1, data, view, rec, len);
    if (typeof a === 'string' && (plus === null || typeof plus === 'string')) m = parseTaskStateText(a + (plus ?? ''), pre414);
    if (m === TaskState.UNKNOWN) m = decodeTaskStateMask(raw, kit.ctx.kernel ?? (pre414 ? [4, 9] : null));
    return m;
  };
  const state = (data: Uint8Array, view: DataView, rec: number, len: number, raw: number): number => {
    if (raw >= 0 && raw < SMALL) {
      let m = memoSmall[raw]!;
      if (m === -2) memoSmall[raw] = m = decodeState(data, view, rec, len, raw);
      return m;
    }
    let m = memo.get(raw);
    if (m === undefined) memo.set(raw, (m = decodeState(data, view, rec, len, raw)));
    return m;
  };
  // Fast path for the universal layout (4-byte pid/prio, 4- or 8-byte state): constant offsets,
  // no reader closures.
  const little = kit.ctx.little;
  const o32 = (name: string) => {
    const f = kit.ev.byName.get(name);
    return f && f.size === 4 && f.loc === 'none' && f.arrayLen < 0 ? f.offset : -1;
  };
  const sf = kit.ev.byName.get('prev_state');
  const oState = sf && sf.loc === 'none' && sf.arrayLen < 0 && (sf.size === 4 || sf.size === 8) ? sf.offset + (!little && sf.size === 8 ? 4 : 0) : -1;
  const oPP = o32('prev_pid');
  const oPr = o32('prev_prio');
  const oNP = o32('next_pid');
  const oNr = o32('next_prio');
  if (oState >= 0 && oPP >= 0 && oPr >= 0 && oNP >= 0 && oNr >= 0) {
    return (data, view, rec, len, ts, cpu, pid, flags) => {
      const i = b.eventRow(t, ts, cpu, pid, flags);
      const c = t.c;
      const pc = prevComm(data, view, rec, len);
      const pp = view.getInt32(rec + oPP, little);
      const nc = nextComm(data, view, rec, len);
      const np = view.getInt32(rec + oNP, little);
      c.prevComm[i] = pc;
      c.prevPid[i] = pp;
      c.prevPrio[i] = view.getInt32(rec + oPr, little);
      c.prevState[i] = state(data, view, rec, len, view.getInt32(rec + oState, little));
      c.nextComm[i] = nc;
      c.nextPid[i] = np;
      c.nextPrio[i] = view.getInt32(rec + oNr, little);
      th.see(pp, pc, ts);
      th.see(np, nc, ts);
    };
  }
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = b.eventRow(t, ts, cpu, pid, flags);
    const c = t.c;
    const pc = prevComm(data, view, rec, len);
    const pp = prevPid(view, rec);
    const nc = nextComm(data, view, rec, len);
    const np = nextPid(view, rec);
    c.prevComm[i] = pc;
    c.prevPid[i] = pp;
    c.prevPrio[i] = prevPrio(view, rec);
    c.prevState[i] = state(data, view, rec, len, prevState(view, rec));
    c.nextComm[i] = nc;
    c.nextPid[i] = np;
    c.nextPrio[i] = nextPrio(view, rec);
    th.see(pp, pc, ts);
    th.see(np, nc, ts);
  };
}

export function schedWakeup(kit: EventKit, kind: number): Decoder {
  const { b } = kit.ctx;
  const th = kit.ctx.threads;
  const t = b.sched_wakeup;
  const comm = kit.strId('comm') ?? NONE_ID;
  const tid = kit.num('pid') ?? NONE_NUM;
  const prio = kit.num('prio') ?? NONE_NUM;
  const target = kit.num('target_cpu') ?? NONE_NUM;
  const success = kit.num('success');
  const little = kit.ctx.little;
  const o32 = (name: string) => {
    const f = kit.ev.byName.get(name);
    return f && f.size === 4 && f.loc === 'none' && f.arrayLen < 0 ? f.offset : -1;
  };
  const oPid = o32('pid');
  const oPrio = o32('prio');
  const oTarget = o32('target_cpu');
  if (oPid >= 0 && oPrio >= 0 && oTarget >= 0 && !success) {
    return (data, view, rec, len, ts, cpu, pid, flags) => {
      const i = b.eventRow(t, ts, cpu, pid, flags);
      const c = t.c;
      c.kind[i] = kind;
      const cm = comm(data, view, rec, len);
      const p = view.getInt32(rec + oPid, little);
      c.comm[i] = cm;
      c.tid[i] = p;
      c.prio[i] = view.getInt32(rec + oPrio, little);
      c.targetCpu[i] = view.getInt32(rec + oTarget, little);
      c.success[i] = -1;
      th.see(p, cm, ts);
    };
  }
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = b.eventRow(t, ts, cpu, pid, flags);
    const c = t.c;
    c.kind[i] = kind;
    const cm = comm(data, view, rec, len);
    const p = tid(view, rec);
    c.comm[i] = cm;
    c.tid[i] = p;
    c.prio[i] = prio(view, rec);
    c.targetCpu[i] = target(view, rec);
    c.success[i] = success ? success(view, rec) : -1;
    th.see(p, cm, ts);
  };
}

export function schedMigrate(kit: EventKit): Decoder {
  const { b } = kit.ctx;
  const th = kit.ctx.threads;
  const t = b.sched_migrate;
  const comm = kit.strId('comm') ?? NONE_ID;
  const tid = kit.num('pid') ?? NONE_NUM;
  const prio = kit.num('prio') ?? NONE_NUM;
  const orig = kit.num('orig_cpu') ?? NONE_NUM;
  const dest = kit.num('dest_cpu') ?? NONE_NUM;
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = b.eventRow(t, ts, cpu, pid, flags);
    const c = t.c;
    const cm = comm(data, view, rec, len);
    const p = tid(view, rec);
    c.comm[i] = cm;
    c.tid[i] = p;
    c.prio[i] = prio(view, rec);
    c.origCpu[i] = orig(view, rec);
    c.destCpu[i] = dest(view, rec);
    th.see(p, cm, ts);
  };
}

export function schedProcess(kit: EventKit, kind: number): Decoder {
  const { b } = kit.ctx;
  const th = kit.ctx.threads;
  const t = b.sched_process;
  let comm: StrReader;
  let tid: NumReader;
  let childComm: StrReader = NONE_STR;
  let childTid: NumReader = NONE_NUM;
  switch (kind) {
    case ProcessKind.FORK:
      comm = kit.str('parent_comm') ?? NONE_STR;
      tid = kit.num('parent_pid') ?? NONE_NUM;
      childComm = kit.str('child_comm') ?? NONE_STR;
      childTid = kit.num('child_pid') ?? NONE_NUM;
      break;
    case ProcessKind.EXEC:
      comm = kit.str('filename') ?? NONE_STR;
      tid = kit.num('pid') ?? NONE_NUM;
      break;
    case ProcessKind.RENAME:
      comm = kit.str('oldcomm') ?? NONE_STR;
      tid = kit.num('pid') ?? NONE_NUM;
      childComm = kit.str('newcomm') ?? NONE_STR;
      break;
    default:
      comm = kit.str('comm') ?? NONE_STR;
      tid = kit.num('pid') ?? NONE_NUM;
  }
  const prio = kit.num('prio') ?? NONE_NUM;
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = b.eventRow(t, ts, cpu, pid, flags);
    const c = t.c;
    c.kind[i] = kind;
    const cm = b.str(comm(data, view, rec, len));
    const p = tid(view, rec);
    c.comm[i] = cm;
    c.tid[i] = p;
    c.prio[i] = prio(view, rec);
    const cc = childComm === NONE_STR ? -1 : b.str(childComm(data, view, rec, len));
    const ct = childTid(view, rec);
    c.childComm[i] = cc;
    c.childTid[i] = kind === ProcessKind.RENAME ? p : ct;
    if (kind === ProcessKind.FORK) {
      th.see(p, cm, ts);
      th.see(ct, cc, ts);
    } else if (kind === ProcessKind.RENAME) {
      th.see(p, cc, ts);
    } else if (kind !== ProcessKind.EXEC) {
      th.see(p, cm, ts);
    }
  };
}
