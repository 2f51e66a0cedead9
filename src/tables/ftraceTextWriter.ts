import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { EVENT_TABLES, HrtimerKind, IrqKind, MarkerKind, ProcessKind } from './schema.js';
import { Flags } from './flags.js';
import { taskStateToString } from './taskState.js';
import type { Table } from './columns.js';
import type { TraceTables } from './traceTables.js';

// TraceTables back to kernel-style ftrace text (`tracing/trace` with options/record-tgid and
// 5-character irq-info flags), so generated scenarios can be read by every text tool.
// Lossy by nature: timestamps are printed in µs, 'n' need-resched prints as 'N', fields the
// tables do not keep (hrtimer clockid, ipi target mask) are left out.

type Row = (i: number) => string;

const HEADER = [
  '#                                _-----=> irqs-off/BH-disabled',
  '#                               / _----=> need-resched',
  '#                              | / _---=> hardirq/softirq',
  '#                              || / _--=> preempt-depth',
  '#                              ||| / _-=> migrate-disable',
  '#                              |||| /     delay',
  '#           TASK-PID       TGID    CPU#  |||||  TIMESTAMP  FUNCTION',
  '#              | |           |       |   |||||     |         |',
];

export function flagsToText(f: number): string {
  if (f === Flags.UNKNOWN) return '.....';
  const irq = f & Flags.IRQS_OFF ? (f & Flags.BH_OFF ? 'D' : 'd') : f & Flags.BH_OFF ? 'b' : '.';
  const nr = f & Flags.NEED_RESCHED ? 'N' : f & Flags.NEED_RESCHED_LAZY ? 'L' : '.';
  const hs =
    f & Flags.NMI ? (f & Flags.HARDIRQ ? 'Z' : 'z') : f & Flags.HARDIRQ ? (f & Flags.SOFTIRQ ? 'H' : 'h') : f & Flags.SOFTIRQ ? 's' : '.';
  const pd = (f >> Flags.PREEMPT_SHIFT) & 0xf;
  const md = (f >> Flags.MIGRATE_SHIFT) & 0xf;
  return irq + nr + hs + (pd ? pd.toString(16) : '.') + (md ? md.toString(16) : '.');
}

function tsText(ns: number, ticks: boolean): string {
  if (ticks) return String(Math.round(ns)).padStart(12);
  const t = Math.max(0, Math.round(ns));
  const sec = Math.floor(t / 1e9);
  const usec = Math.floor((t - sec * 1e9) / 1000);
  return String(sec).padStart(5) + '.' + String(usec).padStart(6, '0');
}

/** Per-tid comm spans, to print the comm a pid had at a given time. */
function commLookup(t: TraceTables): { comm(pid: number, ts: number): string; tgid(pid: number): number } {
  const spans = new Map<number, number[]>();
  const th = t.threads;
  for (let i = 0; i < th.length; i++) {
    const tid = th.cols.tid[i]!;
    let l = spans.get(tid);
    if (!l) spans.set(tid, (l = []));
    l.push(i);
  }
  return {
    comm(pid, ts) {
      if (pid === 0) return '<idle>';
      const l = spans.get(pid);
      if (!l) return '<...>';
      let best = l[0]!;
      for (const i of l) if (th.cols.firstTsNs[i]! <= ts) best = i;
      const id = th.cols.comm[best]!;
      return id >= 0 ? t.strings[id]! : '<...>';
    },
    tgid(pid) {
      const l = spans.get(pid);
      if (!l) return -1;
      for (const i of l) if (th.cols.tgid[i]! >= 0) return th.cols.tgid[i]!;
      return -1;
    },
  };
}

function payloadFormatters(t: TraceTables): Record<string, { name: Row; body: Row }> {
  const S = (id: number) => (id >= 0 ? t.strings[id]! : '');
  const n = (v: number) => String(v);
  const sw = t.sched_switch.cols;
  const wk = t.sched_wakeup.cols;
  const mg = t.sched_migrate.cols;
  const pr = t.sched_process.cols;
  const iq = t.irq.cols;
  const hr = t.hrtimer.cols;
  const kv = t.kvm.cols;
  const mk = t.markers.cols;
  const ge = t.generic.cols;
  return {
    sched_switch: {
      name: () => 'sched_switch',
      body: (i) =>
        `prev_comm=${S(sw.prevComm[i]!)} prev_pid=${sw.prevPid[i]} prev_prio=${sw.prevPrio[i]} prev_state=${taskStateToString(sw.prevState[i]!)}` +
        ` ==> next_comm=${S(sw.nextComm[i]!)} next_pid=${sw.nextPid[i]} next_prio=${sw.nextPrio[i]}`,
    },
    sched_wakeup: {
      name: (i) => t.sched_wakeup.spec.kinds![wk.kind[i]!]!,
      body: (i) =>
        `comm=${S(wk.comm[i]!)} pid=${wk.tid[i]} prio=${wk.prio[i]}` +
        (wk.success[i]! >= 0 ? ` success=${wk.success[i]}` : '') +
        (wk.targetCpu[i]! >= 0 ? ` target_cpu=${String(wk.targetCpu[i]).padStart(3, '0')}` : ''),
    },
    sched_migrate: {
      name: () => 'sched_migrate_task',
      body: (i) => `comm=${S(mg.comm[i]!)} pid=${mg.tid[i]} prio=${mg.prio[i]} orig_cpu=${mg.origCpu[i]} dest_cpu=${mg.destCpu[i]}`,
    },
    sched_process: {
      name: (i) => t.sched_process.spec.kinds![pr.kind[i]!]!,
      body: (i) => {
        switch (pr.kind[i]) {
          case ProcessKind.FORK:
            return `comm=${S(pr.comm[i]!)} pid=${pr.tid[i]} child_comm=${S(pr.childComm[i]!)} child_pid=${pr.childTid[i]}`;
          case ProcessKind.EXEC:
            return `filename=${S(pr.comm[i]!)} pid=${pr.tid[i]} old_pid=${pr.tid[i]}`;
          case ProcessKind.NEWTASK:
            return `pid=${pr.tid[i]} comm=${S(pr.comm[i]!)} clone_flags=0 oom_score_adj=0`;
          case ProcessKind.RENAME:
            return `pid=${pr.tid[i]} oldcomm=${S(pr.comm[i]!)} newcomm=${S(pr.childComm[i]!)} oom_score_adj=0`;
          default:
            return `comm=${S(pr.comm[i]!)} pid=${pr.tid[i]} prio=${pr.prio[i]}`;
        }
      },
    },
    irq: {
      name: (i) => S(iq.event[i]!),
      body: (i) => {
        switch (iq.kind[i]) {
          case IrqKind.IRQ_ENTRY:
            return `irq=${iq.num[i]} name=${S(iq.name[i]!)}`;
          case IrqKind.IRQ_EXIT:
            return `irq=${iq.num[i]} ret=${iq.ret[i] === 0 ? 'unhandled' : 'handled'}`;
          case IrqKind.SOFTIRQ_RAISE:
          case IrqKind.SOFTIRQ_ENTRY:
          case IrqKind.SOFTIRQ_EXIT:
            return `vec=${iq.num[i]} [action=${S(iq.name[i]!)}]`;
          case IrqKind.IPI_RAISE:
            return `target_mask= (${S(iq.name[i]!)})`;
          case IrqKind.IPI_ENTRY:
          case IrqKind.IPI_EXIT:
            return `(${S(iq.name[i]!)})`;
          case IrqKind.VECTOR_ENTRY:
          case IrqKind.VECTOR_EXIT:
            return `vector=${iq.num[i]}`;
          default:
            return `${S(iq.name[i]!)}() delta_ns: 0 handled: ${iq.ret[i]}`;
        }
      },
    },
    hrtimer: {
      name: (i) => t.hrtimer.spec.kinds![hr.kind[i]!]!,
      body: (i) => {
        const h = `hrtimer=${S(hr.hrtimer[i]!)}`;
        switch (hr.kind[i]) {
          case HrtimerKind.INIT:
            return `${h} mode=${S(hr.mode[i]!)}`;
          case HrtimerKind.START:
            return `${h} function=${S(hr.function[i]!)} expires=${n(hr.expiresNs[i]!)} softexpires=${n(hr.softexpiresNs[i]!)} mode=${S(hr.mode[i]!)}`;
          case HrtimerKind.EXPIRE_ENTRY:
            return `${h} function=${S(hr.function[i]!)} now=${n(hr.nowNs[i]!)}`;
          default:
            return h;
        }
      },
    },
    kvm: { name: (i) => t.kvm.spec.kinds![kv.kind[i]!]!, body: (i) => kv.detail[i]! },
    markers: {
      name: (i) => t.markers.spec.kinds![mk.kind[i]!]!,
      body: (i) => (mk.kind[i] !== MarkerKind.TRACING_MARK_WRITE && mk.ip[i]! >= 0 ? `${S(mk.ip[i]!)}: ${mk.text[i]}` : mk.text[i]!),
    },
    generic: { name: (i) => S(ge.event[i]!), body: (i) => ge.fields[i]! },
  };
}

/** The text in chunks of about `linesPerChunk` lines: header first, then events in (ts, seq) order. */
export function* ftraceTextChunks(t: TraceTables, linesPerChunk = 4096): Generator<string> {
  const tables = EVENT_TABLES.map((s) => t[s.name] as Table);
  let total = 0;
  for (const tab of tables) total += tab.length;
  const ts = new Float64Array(total);
  const seq = new Float64Array(total);
  const which = new Uint8Array(total);
  const row = new Uint32Array(total);
  let k = 0;
  tables.forEach((tab, ti) => {
    const c = tab.cols as { tsNs: Float64Array; seq: Uint32Array };
    for (let i = 0; i < tab.length; i++, k++) {
      ts[k] = c.tsNs[i]!;
      seq[k] = c.seq[i]!;
      which[k] = ti;
      row[k] = i;
    }
  });
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => ts[a]! - ts[b]! || seq[a]! - seq[b]!);

  const meta = t.meta;
  const ticks = meta.timeUnit === 'ticks';
  const overwritten = meta.lost.filter((l) => l.kind === 'overwrite').reduce((a, l) => a + (l.events ?? 0), 0);
  const cpus = meta.cpuCount ?? (t.cpus.length ? t.cpus.cols.cpu[t.cpus.length - 1]! + 1 : 1);
  yield ['# tracer: nop', '#', `# entries-in-buffer/entries-written: ${total}/${total + overwritten}   #P:${cpus}`, '#', ...HEADER, ''].join('\n');

  // Lost/dropped windows come back as kernel markers just before the event that ends them.
  const markers = meta.lost
    .filter((l) => (l.kind === 'lost' || l.kind === 'dropped' || l.kind === 'buffer-started') && l.cpu >= 0)
    .sort((a, b) => a.endNs - b.endNs);
  let mi = 0;
  const markerText = (l: (typeof markers)[number]) =>
    l.kind === 'buffer-started'
      ? `##### CPU ${l.cpu} buffer started ####`
      : l.kind === 'dropped'
        ? `CPU:${l.cpu} [${l.events !== null ? `${l.events} ` : ''}EVENTS DROPPED]`
        : `CPU:${l.cpu} [LOST${l.events !== null ? ` ${l.events}` : ''} EVENTS]`;

  const fmt = payloadFormatters(t);
  const names = EVENT_TABLES.map((s) => fmt[s.name]!);
  const threads = commLookup(t);
  let out: string[] = [];
  for (let o = 0; o < total; o++) {
    const j = order[o]!;
    const tab = tables[which[j]!]!;
    const i = row[j]!;
    const c = tab.cols as { tsNs: Float64Array; cpu: Int32Array; pid: Int32Array; flags: Uint16Array };
    const cpu = c.cpu[i]!;
    while (mi < markers.length && markers[mi]!.endNs <= ts[j]!) out.push(markerText(markers[mi++]!));
    const pid = c.pid[i]!;
    const tgid = pid === 0 ? -1 : threads.tgid(pid);
    const f = names[which[j]!]!;
    out.push(
      `${threads.comm(pid, ts[j]!).padStart(16)}-${String(pid).padEnd(7)} (${tgid >= 0 ? String(tgid).padStart(7) : '-------'}) ` +
        `[${String(cpu).padStart(3, '0')}] ${flagsToText(c.flags[i]!)} ${tsText(ts[j]!, ticks)}: ${f.name(i)}: ${f.body(i)}`,
    );
    if (out.length >= linesPerChunk) {
      yield out.join('\n') + '\n';
      out = [];
    }
  }
  while (mi < markers.length) out.push(markerText(markers[mi++]!));
  if (out.length) yield out.join('\n') + '\n';
}

/** The whole trace as ftrace text (pure). */
export function formatFtraceText(t: TraceTables): string {
  return [...ftraceTextChunks(t)].join('');
}

/** Stream the text to a file without holding it all in memory. */
export async function writeFtraceTextFile(path: string, t: TraceTables): Promise<void> {
  const ws = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    ws.on('finish', resolve);
    ws.on('error', reject);
  });
  for (const chunk of ftraceTextChunks(t)) if (!ws.write(chunk)) await once(ws, 'drain');
  ws.end();
  await done;
}
