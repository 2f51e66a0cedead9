// Perfetto read/write throughput on a generated 8-CPU trace of ~600k events, written by our own
// writer (compact_sched switches and wakings, verbose irq/softirq events).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flags, IrqKind, MachineBuilder, TaskState, WakeupKind, type TraceTables } from '../src/tables/index.js';
import { readFile } from 'node:fs/promises';
import { readPerfetto } from '../src/ingest/perfetto/index.js';
import { PerfettoDecoder } from '../src/ingest/perfetto/decoder.js';
import { PacketSplitter } from '../src/ingest/perfetto/framing.js';
import { writePerfettoFile } from '../src/report/perfetto/index.js';

const CPUS = 8;
const SWITCHES_PER_CPU = 30_000;

export function generate(): TraceTables {
  const b = new MachineBuilder('bench', 'generated');
  b.meta.kernelVersion = '6.1.0';
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const comms = Array.from({ length: 64 }, (_, i) => b.str(i < 8 ? `CPU ${i}/KVM` : `worker-${i}`));
  const idle = Array.from({ length: CPUS }, (_, c) => b.str(`swapper/${c}`));
  const softirq = b.str('TIMER');
  const ev = b.str('softirq_entry');
  const evx = b.str('softirq_exit');
  for (let cpu = 0; cpu < CPUS; cpu++) {
    let ts = 1_000_000_000 + cpu * 7;
    let cur = 0;
    let curComm = idle[cpu]!;
    let curPrio = 120;
    for (let k = 0; k < SWITCHES_PER_CPU; k++) {
      ts += 1000 + Math.floor(rnd() * 20_000);
      const nextIdle = k % 3 === 2;
      const t = 100 + Math.floor(rnd() * 60);
      const next = nextIdle ? 0 : t;
      const nextComm = nextIdle ? idle[cpu]! : comms[t % 64]!;
      const nextPrio = nextIdle ? 120 : t < 110 ? 91 : 120;
      // the waking of the next task, on this CPU, by the running task
      if (!nextIdle) {
        const w = b.sched_wakeup;
        const i = w.row();
        w.c.tsNs[i] = ts - 500; w.c.seq[i] = b.seq(); w.c.cpu[i] = cpu; w.c.pid[i] = cur; w.c.flags[i] = Flags.UNKNOWN;
        w.c.kind[i] = WakeupKind.WAKING; w.c.comm[i] = nextComm; w.c.tid[i] = next; w.c.prio[i] = nextPrio; w.c.targetCpu[i] = cpu; w.c.success[i] = -1;
      }
      const s = b.sched_switch;
      const i = s.row();
      s.c.tsNs[i] = ts; s.c.seq[i] = b.seq(); s.c.cpu[i] = cpu; s.c.pid[i] = cur; s.c.flags[i] = Flags.UNKNOWN;
      s.c.prevComm[i] = curComm; s.c.prevPid[i] = cur; s.c.prevPrio[i] = curPrio;
      s.c.prevState[i] = cur === 0 ? TaskState.RUNNING : k % 2 ? TaskState.S : TaskState.PREEMPTED;
      s.c.nextComm[i] = nextComm; s.c.nextPid[i] = next; s.c.nextPrio[i] = nextPrio;
      if (k % 4 === 0) {
        for (const [kind, name, dt] of [[IrqKind.SOFTIRQ_ENTRY, ev, 200], [IrqKind.SOFTIRQ_EXIT, evx, 400]] as const) {
          const q = b.irq;
          const j = q.row();
          q.c.tsNs[j] = ts + dt; q.c.seq[j] = b.seq(); q.c.cpu[j] = cpu; q.c.pid[j] = next; q.c.flags[j] = Flags.UNKNOWN;
          q.c.kind[j] = kind; q.c.event[j] = name; q.c.num[j] = 1; q.c.name[j] = softirq; q.c.ret[j] = -1;
        }
      }
      cur = next;
      curComm = nextComm;
      curPrio = nextPrio;
    }
  }
  return b.finish();
}

export async function run(): Promise<Record<string, number | string>> {
  const tables = generate();
  const events = Object.values(tables.meta.eventCounts).reduce((a, b) => a + b, 0);
  const dir = await mkdtemp(join(tmpdir(), 'pf-bench-'));
  const path = join(dir, 'bench.perfetto-trace');
  try {
    let t0 = performance.now();
    await writePerfettoFile(path, [{ name: 'host', tables }]);
    const writeMs = performance.now() - t0;
    const bytes = (await stat(path)).size;
    // Wall time suffers when other processes share the cores; process CPU time much less so.
    const readMs: number[] = [];
    const readCpuMs: number[] = [];
    let read = 0;
    for (let rep = 0; rep < 6; rep++) {
      t0 = performance.now();
      const c0 = process.cpuUsage();
      const t = await readPerfetto(path);
      const c1 = process.cpuUsage(c0);
      readMs.push(performance.now() - t0);
      readCpuMs.push((c1.user + c1.system) / 1000);
      read = Object.values(t.machines[0]!.meta.eventCounts).reduce((a, b) => a + b, 0);
    }
    if (read !== events) throw new Error(`read ${read} events, wrote ${events}`);
    // The streaming decode alone (packets -> rows), without the end-of-trace sort, compact_sched
    // fill-in, thread naming and the shared table finish.
    const bytesIn = await readFile(path);
    const decodeCpuMs: number[] = [];
    for (let rep = 0; rep < 6; rep++) {
      const dec = new PerfettoDecoder(path, {});
      const split = new PacketSplitter((b, s0, e, off) => dec.packet(b, s0, e, off));
      const c0 = process.cpuUsage();
      for (let off = 0; off < bytesIn.length; off += 1 << 20) split.push(bytesIn.subarray(off, off + (1 << 20)));
      split.end();
      const c1 = process.cpuUsage(c0);
      decodeCpuMs.push((c1.user + c1.system) / 1000);
    }
    const bestDecode = Math.min(...decodeCpuMs.slice(1));
    const best = Math.min(...readMs.slice(1)); // first run includes JIT warm-up
    const bestCpu = Math.min(...readCpuMs.slice(1));
    return {
      events,
      'file MB': bytes / 1e6,
      'write ms': writeMs,
      'write events/s': events / (writeMs / 1000),
      'read ms (cold, first run)': readMs[0]!,
      'read ms (best of 5 warm)': best,
      'read events/s (warm)': events / (best / 1000),
      'read MB/s (warm)': bytes / 1e6 / (best / 1000),
      'read CPU ms (best of 5 warm)': bestCpu,
      'read events/s per CPU second (warm)': events / (bestCpu / 1000),
      'decode-only CPU ms (best of 5)': bestDecode,
      'decode-only events per CPU second': events / (bestDecode / 1000),
      'load average (1 min)': (await import('node:os')).loadavg()[0]!,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
