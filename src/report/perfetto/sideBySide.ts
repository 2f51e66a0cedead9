import { EVENT_TABLES, MachineBuilder, type Table } from '../../tables/index.js';
import type { PerfettoWriteInput } from './writer.js';
import { buildThreads } from '../../ingest/perfetto/threads.js';
import type { TreeThread } from '../../ingest/perfetto/machineState.js';

// The `processes` layout: several table sets (e.g. one per replayed policy) merged into one
// machine, each as its own process with its own CPUs, so the Perfetto UI shows their timelines
// one under the other on a shared time axis. tids and CPUs are shifted per input; tid 0 (idle)
// is left alone because Perfetto treats it as the idle task.

/** tid space of one input; Linux pid_max is at most 2^22. */
export const TID_STRIDE = 1 << 22;

const TID_COLS = new Set(['pid', 'prevPid', 'nextPid', 'tid', 'childTid']);
const CPU_COLS = new Set(['cpu', 'origCpu', 'destCpu', 'targetCpu']);

export function sideBySide(inputs: PerfettoWriteInput[]): PerfettoWriteInput {
  let cpuStride = 1;
  for (const { tables } of inputs) {
    for (const spec of EVENT_TABLES) {
      const cpu = ((tables[spec.name] as Table).cols as Record<string, Int32Array>)['cpu']!;
      for (let i = 0; i < cpu.length; i++) if (cpu[i]! + 1 > cpuStride) cpuStride = cpu[i]! + 1;
    }
    if (tables.meta.cpuCount && tables.meta.cpuCount > cpuStride) cpuStride = tables.meta.cpuCount;
  }
  const b = new MachineBuilder(inputs.map((i) => i.tables.meta.source).join(' + '), 'replay');
  b.meta.kernelVersion = inputs[0]?.tables.meta.kernelVersion ?? null;
  b.meta.cpuCount = cpuStride * inputs.length;
  b.meta.extra['sideBySide'] = inputs.map((inp, k) => ({ name: inp.name, cpuOffset: k * cpuStride, tidOffset: k * TID_STRIDE, pid: procPid(k) }));
  const tgids = new Map<number, number>();
  const tree: TreeThread[] = [];
  inputs.forEach((inp, k) => {
    const t = inp.tables;
    const ids = t.strings.map((s) => b.str(s));
    const tid = (v: number) => (v > 0 ? v + k * TID_STRIDE : v);
    const cpu = (v: number) => (v >= 0 ? v + k * cpuStride : v);
    for (const spec of EVENT_TABLES) {
      const src = (t[spec.name] as Table).cols as Record<string, ArrayLike<number> | string[]>;
      const dst = b[spec.name];
      const n = (t[spec.name] as Table).length;
      for (let i = 0; i < n; i++) {
        const r = dst.row();
        const out = dst.c as unknown as Record<string, Array<unknown>>; // row() may have grown the columns
        for (const [col, type] of Object.entries(spec.columns)) {
          const v = src[col]![i]!;
          if (col === 'seq') out[col]![r] = b.seq();
          else if (type === 'str') out[col]![r] = (v as number) < 0 ? -1 : ids[v as number];
          else if (TID_COLS.has(col)) {
            const x = tid(v as number);
            out[col]![r] = x;
            if (x > 0) tgids.set(x, procPid(k));
          }
          else if (CPU_COLS.has(col)) out[col]![r] = cpu(v as number);
          else out[col]![r] = v;
        }
      }
    }
    const th = t.threads.cols;
    for (let i = 0; i < t.threads.length; i++) {
      if (th.tid[i]! <= 0 || th.comm[i]! < 0) continue;
      tree.push({ tid: tid(th.tid[i]!), tgid: procPid(k), name: t.strings[th.comm[i]!]!, tsNs: th.firstTsNs[i]!, process: false });
      tgids.set(tid(th.tid[i]!), procPid(k));
    }
    // The process itself, named after the input, so the UI groups its threads under that name.
    tree.push({ tid: procPid(k), tgid: procPid(k), name: inp.name, tsNs: Math.max(0, t.meta.startNs), process: false });
    tgids.set(procPid(k), procPid(k));
    b.str(inp.name);
    for (const l of t.meta.lost) b.meta.lost.push({ ...l, cpu: cpu(l.cpu) });
  });
  for (const e of tree) b.str(e.name);
  const tables = b.finish();
  // Thread names from the events in time order, as the reader does; tgid = the input's process.
  tables.threads = buildThreads(tables, tree, tgids);
  return { name: inputs.map((i) => i.name).join(' | '), tables };
}

function procPid(k: number): number {
  return k * TID_STRIDE + TID_STRIDE - 1;
}
