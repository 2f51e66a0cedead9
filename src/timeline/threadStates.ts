import { TableBuilder, TaskState, type Table, type TraceTables } from '../tables/index.js';
import { THREAD_STATES, ThreadState } from './schema.js';

export type ThreadStatesTable = Table<(typeof THREAD_STATES)['columns']>;

const NONE = -1;

/** Map a canonical prev_state mask to the state the thread is in after switching out. */
function stateAfterSwitchOut(prevState: number): number {
  if (prevState === 0 || prevState === TaskState.PREEMPTED) return ThreadState.PREEMPTED;
  if (prevState < 0) return ThreadState.OTHER;
  if (prevState & TaskState.D) return ThreadState.BLOCKED;
  if (prevState & (TaskState.S | TaskState.I)) return ThreadState.SLEEPING;
  if (prevState & (TaskState.X | TaskState.Z | TaskState.x)) return -2; // dead: no further interval
  return ThreadState.OTHER;
}

/**
 * Per-thread state intervals from sched_switch and sched_waking/wakeup, merged in (tsNs, seq) order.
 * A thread's state is unknown until its first event; a thread switched out of a CPU that had no
 * earlier switch is taken to have run since the trace start. Open intervals end at the trace end.
 * The idle task (tid 0) has no rows: CPU idleness is in cpu_states.
 */
export function threadStates(t: TraceTables): ThreadStatesTable {
  const sw = t.sched_switch;
  const wk = t.sched_wakeup;
  const b = new TableBuilder(THREAD_STATES, Math.max(1024, sw.length * 2));
  // tid -> slot: a dense table when tids are small (they are bounded by pid_max), else a Map.
  let maxTid = 0;
  for (let i = 0; i < sw.length; i++) maxTid = Math.max(maxTid, sw.cols.prevPid[i]!, sw.cols.nextPid[i]!);
  for (let i = 0; i < wk.length; i++) maxTid = Math.max(maxTid, wk.cols.tid[i]!);
  const dense = maxTid <= 1 << 22 ? new Int32Array(maxTid + 1).fill(-1) : null;
  const slot = new Map<number, number>();
  let cap = 1024;
  let state = new Int8Array(cap).fill(NONE);
  let start = new Float64Array(cap);
  let cpuOf = new Int32Array(cap);
  let prioOf = new Int32Array(cap);
  let waker = new Int32Array(cap);
  const tids: number[] = [];
  const slotOf = (tid: number): number => {
    let s = dense ? dense[tid]! : (slot.get(tid) ?? -1);
    if (s < 0) {
      s = tids.length;
      if (dense) dense[tid] = s;
      else slot.set(tid, s);
      tids.push(tid);
      if (s === cap) {
        cap *= 2;
        const grow = <A extends Int8Array | Float64Array | Int32Array>(a: A, fill: number): A => {
          const n = new (a.constructor as { new (n: number): A })(cap);
          n.fill(fill);
          n.set(a);
          return n;
        };
        state = grow(state, NONE);
        start = grow(start, 0);
        cpuOf = grow(cpuOf, -1);
        prioOf = grow(prioOf, -1);
        waker = grow(waker, -1);
      }
    }
    return s;
  };
  const close = (s: number, endNs: number) => {
    if (state[s] === NONE) return;
    const i = b.row();
    b.c.tsNs[i] = start[s]!;
    b.c.endNs[i] = endNs;
    b.c.tid[i] = tids[s]!;
    b.c.state[i] = state[s]!;
    b.c.cpu[i] = cpuOf[s]!;
    b.c.prio[i] = prioOf[s]!;
    b.c.wakerTid[i] = waker[s]!;
  };
  const open = (s: number, st: number, ts: number, cpu: number, prio: number, wakerTid: number) => {
    state[s] = st;
    start[s] = ts;
    cpuOf[s] = cpu;
    prioOf[s] = prio;
    waker[s] = wakerTid;
  };

  const traceStart = t.meta.startNs;
  const lastSwitchOnCpu = new Map<number, number>();
  const S = sw.cols;
  const W = wk.cols;
  let i = 0;
  let j = 0;
  while (i < sw.length || j < wk.length) {
    const takeSwitch =
      j >= wk.length || (i < sw.length && (S.tsNs[i]! < W.tsNs[j]! || (S.tsNs[i] === W.tsNs[j] && S.seq[i]! <= W.seq[j]!)));
    if (takeSwitch) {
      const ts = S.tsNs[i]!;
      const cpu = S.cpu[i]!;
      const prev = S.prevPid[i]!;
      const next = S.nextPid[i]!;
      if (prev > 0) {
        const s = slotOf(prev);
        if (state[s] !== ThreadState.RUNNING) {
          // First sight (or a missed switch-in): it has run since this CPU's previous switch.
          close(s, lastSwitchOnCpu.get(cpu) ?? traceStart);
          open(s, ThreadState.RUNNING, lastSwitchOnCpu.get(cpu) ?? traceStart, cpu, S.prevPrio[i]!, -1);
        }
        close(s, ts);
        const after = stateAfterSwitchOut(S.prevState[i]!);
        if (after === -2) state[s] = NONE;
        else open(s, after, ts, cpu, S.prevPrio[i]!, -1);
      }
      if (next > 0) {
        const s = slotOf(next);
        close(s, ts);
        open(s, ThreadState.RUNNING, ts, cpu, S.nextPrio[i]!, -1);
      }
      lastSwitchOnCpu.set(cpu, ts);
      i++;
    } else {
      const tid = W.tid[j]!;
      if (tid > 0) {
        const s = slotOf(tid);
        const st = state[s]!;
        // sched_waking starts the runnable interval; the sched_wakeup that follows changes nothing.
        // A wakeup of a running or already runnable thread is not a state change.
        if (st !== ThreadState.RUNNING && st !== ThreadState.RUNNABLE && st !== ThreadState.PREEMPTED) {
          close(s, W.tsNs[j]!);
          // The event's own pid is the task that ran the wakeup (for wakeup_new: the parent).
          open(s, ThreadState.RUNNABLE, W.tsNs[j]!, W.targetCpu[j]!, W.prio[j]!, W.pid[j]!);
        }
      }
      j++;
    }
  }
  const end = Math.max(t.meta.endNs, traceStart);
  for (let s = 0; s < tids.length; s++) close(s, end);
  return b.finish();
}

/** Row indices of each tid's intervals, in start order (the table is sorted by tsNs). */
export function rowsByTid(table: ThreadStatesTable): Map<number, Int32Array> {
  const counts = new Map<number, number>();
  const tid = table.cols.tid;
  for (let i = 0; i < table.length; i++) counts.set(tid[i]!, (counts.get(tid[i]!) ?? 0) + 1);
  const out = new Map<number, Int32Array>();
  const fill = new Map<number, number>();
  for (const [k, n] of counts) {
    out.set(k, new Int32Array(n));
    fill.set(k, 0);
  }
  for (let i = 0; i < table.length; i++) {
    const k = tid[i]!;
    const f = fill.get(k)!;
    out.get(k)![f] = i;
    fill.set(k, f + 1);
  }
  return out;
}
