import { MachineBuilder, ProcessKind, type TraceTables } from '../../tables/index.js';
import { TidSet, type TreeThread } from './machineState.js';

// The threads table (comm over time per tid) from the finished, time-sorted event tables.
// Built here rather than while streaming so that it depends only on the events and their time
// order, not on how the recorder (or our writer) cut them into bundles.

type ThreadsTable = TraceTables['threads'];

export function buildThreads(t: TraceTables, tree: readonly TreeThread[], tgids: ReadonlyMap<number, number>): ThreadsTable {
  const tb = new MachineBuilder(t.meta.source, t.meta.format);
  for (const s of t.strings) tb.str(s); // same ids as the machine's pool
  const seen = new TidSet();
  // tid 0 is a different idle task on every CPU (swapper/N): one span per name, not a new span
  // each time another CPU's idle task shows up.
  const idleFirst = new Float64Array(t.strings.length).fill(Infinity);
  const idleLast = new Float64Array(t.strings.length).fill(-Infinity);
  // Most sightings repeat a thread's current name: a direct-mapped cache keeps runs of them out of
  // MachineBuilder.thread (a Map lookup each); only a run's first and last sighting are reported,
  // which gives the same spans.
  const CACHE = 4096;
  const cTid = new Int32Array(CACHE).fill(-1);
  const cComm = new Int32Array(CACHE);
  const cLast = new Float64Array(CACHE);
  const cDirty = new Uint8Array(CACHE);
  const see = (tid: number, comm: number, ts: number) => {
    if (comm < 0) return;
    if (tid === 0) {
      if (ts < idleFirst[comm]!) idleFirst[comm] = ts;
      if (ts > idleLast[comm]!) idleLast[comm] = ts;
      return;
    }
    const h = tid & (CACHE - 1);
    if (cTid[h] === tid && cComm[h] === comm) {
      cLast[h] = ts;
      cDirty[h] = 1;
      return;
    }
    if (cTid[h]! >= 0 && cDirty[h]) tb.thread(cTid[h]!, cComm[h]!, cLast[h]!);
    seen.add(tid);
    tb.thread(tid, comm, ts);
    cTid[h] = tid;
    cComm[h] = comm;
    cLast[h] = ts;
    cDirty[h] = 0;
  };
  const sw = t.sched_switch.cols;
  const wk = t.sched_wakeup.cols;
  const mg = t.sched_migrate.cols;
  const pr = t.sched_process.cols;
  // Sightings in (tsNs, cpu, seq) order over the four tables: each table in canonical order,
  // then merged pairwise, (switch+wakeup) with (migrate+process), in tight two-way loops over
  // typed key arrays; a row is coded as row * 4 + table (tables stay far below 2^30 rows). Ties go to the lower table.
  const merged = mergeStreams(
    mergeStreams(stream(0, sw.tsNs, sw.cpu, sw.seq, t.sched_switch.length), stream(1, wk.tsNs, wk.cpu, wk.seq, t.sched_wakeup.length), true),
    mergeStreams(stream(2, mg.tsNs, mg.cpu, mg.seq, t.sched_migrate.length), stream(3, pr.tsNs, pr.cpu, pr.seq, t.sched_process.length), true),
    false,
  );
  const codes = merged.code;
  const times = merged.ts;
  const swPrevPid = sw.prevPid, swPrevComm = sw.prevComm, swNextPid = sw.nextPid, swNextComm = sw.nextComm;
  const wkTid = wk.tid, wkComm = wk.comm;
  for (let m = 0; m < merged.n; m++) {
    const code = codes[m]!;
    const k = code & 3;
    const i = code >>> 2;
    const time = times[m]!;
    if (k === 0) {
      see(swPrevPid[i]!, swPrevComm[i]!, time);
      see(swNextPid[i]!, swNextComm[i]!, time);
    } else if (k === 1) see(wkTid[i]!, wkComm[i]!, time);
    else if (k === 2) see(mg.tid[i]!, mg.comm[i]!, time);
    else {
      switch (pr.kind[i]) {
        case ProcessKind.FORK:
          see(pr.tid[i]!, pr.comm[i]!, time);
          see(pr.childTid[i]!, pr.childComm[i]!, time);
          break;
        case ProcessKind.RENAME:
          see(pr.tid[i]!, pr.childComm[i]!, time);
          break;
        case ProcessKind.EXEC:
          break; // comm holds the filename, not the task name
        default:
          see(pr.tid[i]!, pr.comm[i]!, time);
      }
    }
  }
  for (let h = 0; h < CACHE; h++) if (cTid[h]! >= 0 && cDirty[h]) tb.thread(cTid[h]!, cComm[h]!, cLast[h]!);
  const idle: number[] = [];
  for (let comm = 0; comm < idleFirst.length; comm++) if (idleFirst[comm]! !== Infinity) idle.push(comm);
  if (idle.length) seen.add(0);
  idle.sort((a, z) => idleFirst[a]! - idleFirst[z]! || a - z);
  for (const comm of idle) {
    tb.thread(0, comm, idleFirst[comm]!);
    tb.thread(0, comm, idleLast[comm]!);
  }
  // process_tree names only for threads no event named: events are the better record over time.
  const pool = tb.pool;
  const threadEntry = new Set(tree.filter((e) => !e.process).map((e) => e.tid));
  for (const e of tree) {
    if (seen.has(e.tid)) continue;
    if (e.process && threadEntry.has(e.tid)) continue; // a thread entry names the main thread better than cmdline
    tb.thread(e.tid, pool.id(e.name), e.tsNs, e.tgid);
  }
  for (const [tid, tgid] of tgids) tb.setTgid(tid, tgid);
  return tb.finish().threads;
}

// Same-instant events on different CPUs are ordered by CPU, not by arrival (seq), so the threads
// table does not depend on how bundles were cut: tid 0 is 'swapper/N' on every CPU at once.

/** Rows of one or more tables in (tsNs, cpu, seq) order, with their keys laid out sequentially. */
interface Stream {
  code: Uint32Array;
  ts: Float64Array;
  cpu: Int32Array;
  seq: Uint32Array;
  n: number;
}

function stream(table: number, ts: Float64Array, cpu: Int32Array, seq: Uint32Array, n: number): Stream {
  const order = canonicalOrder(ts, cpu, seq, n);
  const code = new Uint32Array(n);
  if (!order) {
    for (let i = 0; i < n; i++) code[i] = i * 4 + table;
    return { code, ts, cpu, seq, n };
  }
  const ots = new Float64Array(n);
  const ocpu = new Int32Array(n);
  const oseq = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    code[k] = i * 4 + table;
    ots[k] = ts[i]!;
    ocpu[k] = cpu[i]!;
    oseq[k] = seq[i]!;
  }
  return { code, ts: ots, cpu: ocpu, seq: oseq, n };
}

/**
 * Stable two-way merge: on equal keys `a` (the lower tables) goes first. Without `keepKeys` only
 * code and ts are written (the last merge: cpu and seq are not read after it).
 */
function mergeStreams(a: Stream, b: Stream, keepKeys: boolean): Stream {
  if (b.n === 0) return a;
  if (a.n === 0) return b;
  const n = a.n + b.n;
  const code = new Uint32Array(n);
  const ts = new Float64Array(n);
  const cpu = keepKeys ? new Int32Array(n) : EMPTY_I32;
  const seq = keepKeys ? new Uint32Array(n) : EMPTY_U32;
  // Locals, not a.ts[i]: property loads in the loop cost more than the merge itself.
  const aCode = a.code, aTs = a.ts, aCpu = a.cpu, aSeq = a.seq, aN = a.n;
  const bCode = b.code, bTs = b.ts, bCpu = b.cpu, bSeq = b.seq, bN = b.n;
  let i = 0;
  let j = 0;
  let o = 0;
  if (keepKeys) {
    while (i < aN && j < bN) {
      const ta = aTs[i]!;
      const tb = bTs[j]!;
      if (tb < ta || (tb === ta && before(tb, bCpu[j]!, bSeq[j]!, ta, aCpu[i]!, aSeq[i]!))) {
        code[o] = bCode[j]!; ts[o] = tb; cpu[o] = bCpu[j]!; seq[o++] = bSeq[j++]!;
      } else {
        code[o] = aCode[i]!; ts[o] = ta; cpu[o] = aCpu[i]!; seq[o++] = aSeq[i++]!;
      }
    }
    for (; i < aN; i++, o++) { code[o] = aCode[i]!; ts[o] = aTs[i]!; cpu[o] = aCpu[i]!; seq[o] = aSeq[i]!; }
    for (; j < bN; j++, o++) { code[o] = bCode[j]!; ts[o] = bTs[j]!; cpu[o] = bCpu[j]!; seq[o] = bSeq[j]!; }
  } else {
    while (i < aN && j < bN) {
      const ta = aTs[i]!;
      const tb = bTs[j]!;
      if (tb < ta || (tb === ta && before(tb, bCpu[j]!, bSeq[j]!, ta, aCpu[i]!, aSeq[i]!))) {
        code[o] = bCode[j++]!; ts[o++] = tb;
      } else {
        code[o] = aCode[i++]!; ts[o++] = ta;
      }
    }
    for (; i < aN; i++, o++) { code[o] = aCode[i]!; ts[o] = aTs[i]!; }
    for (; j < bN; j++, o++) { code[o] = bCode[j]!; ts[o] = bTs[j]!; }
  }
  return { code, ts, cpu, seq, n };
}

const EMPTY_I32 = new Int32Array(0);
const EMPTY_U32 = new Uint32Array(0);

function before(t1: number, c1: number, s1: number, t2: number, c2: number, s2: number): boolean {
  return t1 < t2 || (t1 === t2 && (c1 < c2 || (c1 === c2 && s1 < s2)));
}

/** Row order by (tsNs, cpu, seq) for a table already sorted by (tsNs, seq): only equal-ts runs move. */
function canonicalOrder(ts: Float64Array, cpu: Int32Array, seq: Uint32Array, n: number): Uint32Array | null {
  let order: Uint32Array | null = null;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && ts[j] === ts[i]) j++;
    if (j - i > 1) {
      if (!order) {
        order = new Uint32Array(n);
        for (let k = 0; k < n; k++) order[k] = k;
      }
      const run = Array.from(order.subarray(i, j)).sort((a, z) => cpu[a]! - cpu[z]! || seq[a]! - seq[z]!);
      order.set(run, i);
    }
    i = j;
  }
  return order; // null: no equal-time rows, table order is already canonical
}
