import { IrqKind, TableBuilder, type Table, type TraceTables } from '../tables/index.js';
import { SECTIONS, SectionKind, ThreadState } from './schema.js';
import type { ThreadStatesTable } from './threadStates.js';

export type SectionsTable = Table<(typeof SECTIONS)['columns']>;

/** Kernel prio below 100 = an RT (FIFO/RR) or deadline task. */
const RT_PRIO_LIMIT = 100;

/**
 * Latency-sensitive sections per CPU: hardirq (irq handlers, IPIs and x86 vectors, outermost only),
 * softirq, NMI, and RT tasks running. An exit with no entry (section begun before the trace) is
 * dropped rather than guessed.
 */
export function sections(t: TraceTables, threads: ThreadStatesTable, commOfTid: (tid: number) => number): SectionsTable {
  const b = new TableBuilder(SECTIONS, 1024);
  const emit = (cpu: number, kind: number, from: number, to: number, tid: number, name: number) => {
    const r = b.row();
    b.c.tsNs[r] = from;
    b.c.endNs[r] = to;
    b.c.cpu[r] = cpu;
    b.c.kind[r] = kind;
    b.c.tid[r] = tid;
    b.c.name[r] = name;
  };
  // Per CPU and section kind: nesting depth and the outermost entry.
  const open = new Map<number, { depth: number; ts: number; tid: number; name: number }>();
  const key = (cpu: number, kind: number) => cpu * 4 + kind;
  const I = t.irq.cols;
  for (let i = 0; i < t.irq.length; i++) {
    const k = I.kind[i]!;
    let kind = -1;
    let entry = false;
    if (k === IrqKind.IRQ_ENTRY || k === IrqKind.IPI_ENTRY || k === IrqKind.VECTOR_ENTRY) [kind, entry] = [SectionKind.HARDIRQ, true];
    else if (k === IrqKind.IRQ_EXIT || k === IrqKind.IPI_EXIT || k === IrqKind.VECTOR_EXIT) kind = SectionKind.HARDIRQ;
    else if (k === IrqKind.SOFTIRQ_ENTRY) [kind, entry] = [SectionKind.SOFTIRQ, true];
    else if (k === IrqKind.SOFTIRQ_EXIT) kind = SectionKind.SOFTIRQ;
    else if (k === IrqKind.NMI) {
      emit(I.cpu[i]!, SectionKind.NMI, I.tsNs[i]!, I.tsNs[i]!, I.pid[i]!, I.name[i]!);
      continue;
    } else continue;
    const cpu = I.cpu[i]!;
    const kk = key(cpu, kind);
    const o = open.get(kk);
    if (entry) {
      if (o && o.depth > 0) o.depth++;
      else open.set(kk, { depth: 1, ts: I.tsNs[i]!, tid: I.pid[i]!, name: I.name[i]! });
    } else if (o && o.depth > 0) {
      if (--o.depth === 0) emit(cpu, kind, o.ts, I.tsNs[i]!, o.tid, o.name);
    }
  }
  const T = threads.cols;
  for (let i = 0; i < threads.length; i++) {
    if (T.state[i] !== ThreadState.RUNNING) continue;
    const p = T.prio[i]!;
    if (p >= 0 && p < RT_PRIO_LIMIT) emit(T.cpu[i]!, SectionKind.RT_TASK, T.tsNs[i]!, T.endNs[i]!, T.tid[i]!, commOfTid(T.tid[i]!));
  }
  return b.finish();
}
