import { MachineBuilder, TaskState, Flags, WakeupKind, type TraceTables } from '../tables/index.js';
import { latencyStatsFromNs } from '../metrics/compareStats.js';
import type { ProbeLatency } from '../metrics/types.js';
import type { AlignedScenario } from '../align/types.js';
import type { BoostStats } from '../replay/types.js';
import type { CompareScenarioInput, ReplayedPolicy } from '../metrics/compareTypes.js';

// A small hand-built scenario (one 1-vCPU guest on a 2-CPU host, a cyclictest-like probe with a
// 20 ms period) with known answers. Tests use it for golden tables and for the report and browser
// tests; it carries a hostile host thread name to prove escaping.

export const SAMPLE_HOSTILE_COMM = '<img src=x onerror=alert(1)>';
export const SAMPLE_PERIOD_US = 20_000;
export const SAMPLE_PERIODS = 200;
export const SAMPLE_SPAN_NS = 4e9;
export const SAMPLE_VCPU_TID = 5000;
const GUEST_PROBE_TID = 100;
const GUEST_KWORKER_TID = 101;
const HOST_PROBE_TID = 6000;
const HOSTILE_TID = 7000;
const STRESS_TID = 7001;
const BURST_US = 50;
/** The vCPU wakes this long before the guest timer is due and halts this long after the burst. */
const VCPU_MARGIN_US = 5;

/** One period of the guest probe. */
interface Period {
  /** Wakeup latency (switch-in minus activation). */
  latencyUs: number;
  /** Part of the latency during which a host thread ran instead of the vCPU. */
  hostDelayUs?: number;
  /** Guest kworker preempting the probe mid-burst, for this long. */
  guestPreemptUs?: number;
  /** The probe never blocks again (still running at the end of the trace). */
  unfinished?: boolean;
  /** The vCPU runs at RT priority for the whole period (boosted). */
  boosted?: boolean;
}

export interface SampleRun {
  policy: string;
  periods: Map<number, Period>;
  hostProbeUs: number[];
  /** vCPU priority outside boosts (120 = nice 0, 98 = RT 1). */
  vcpuPrio: number;
  boost: BoostStats;
}

const noBoost = (): BoostStats => ({ boosts: 0, boostedNs: 0, byReason: {}, throttles: 0, capHits: 0 });

/** The four schedules of the sample: the capture (under vanilla) and three replays. */
export function sampleRuns(): { captured: SampleRun; replays: SampleRun[] } {
  const P = (entries: Array<[number, Period]>) => new Map(entries);
  return {
    captured: {
      policy: 'trace',
      periods: P([[50, { latencyUs: 100 }], [100, { latencyUs: 3000, hostDelayUs: 2990 }], [150, { latencyUs: 8000, hostDelayUs: 7990 }]]),
      hostProbeUs: [3, 3, 3, 700],
      vcpuPrio: 120,
      boost: noBoost(),
    },
    replays: [
      {
        policy: 'vanilla',
        periods: P([[50, { latencyUs: 100 }], [100, { latencyUs: 3000, hostDelayUs: 2990 }], [150, { latencyUs: 9000, hostDelayUs: 8990 }]]),
        hostProbeUs: [3, 3, 3, 697],
        vcpuPrio: 120,
        boost: noBoost(),
      },
      {
        policy: 'dynamic',
        periods: P([[60, { latencyUs: 10, guestPreemptUs: 2470 }], [100, { latencyUs: 20, hostDelayUs: 10, boosted: true }], [150, { latencyUs: 40, hostDelayUs: 30, boosted: true }]]),
        hostProbeUs: [3, 3, 3, 174],
        vcpuPrio: 120,
        boost: { boosts: 2, boostedNs: 200_000, byReason: { timer: 2 }, throttles: 0, capHits: 0 },
      },
      {
        policy: 'static',
        periods: P([[100, { latencyUs: 15 }], [SAMPLE_PERIODS - 1, { latencyUs: 10, unfinished: true }]]),
        hostProbeUs: [3, 3, 3, 2444],
        vcpuPrio: 98,
        boost: { ...noBoost(), throttles: 1 },
      },
    ],
  };
}

function activationNs(k: number): number {
  return 1e6 + k * SAMPLE_PERIOD_US * 1000;
}

class Lane {
  // Per CPU: who runs now, so every switch names its real prev task.
  private cur = new Map<number, { tid: number; comm: number; prio: number }>();
  constructor(private b: MachineBuilder) {}

  switchTo(tsNs: number, cpu: number, prevState: number, next: { tid: number; comm: string; prio: number }): void {
    const b = this.b;
    const prev = this.cur.get(cpu) ?? { tid: 0, comm: b.str(`swapper/${cpu}`), prio: 120 };
    const sw = b.sched_switch;
    const i = sw.row();
    const nextComm = b.str(next.comm);
    sw.c.tsNs[i] = tsNs;
    sw.c.seq[i] = b.seq();
    sw.c.cpu[i] = cpu;
    sw.c.pid[i] = prev.tid;
    sw.c.flags[i] = Flags.UNKNOWN;
    sw.c.prevComm[i] = prev.comm;
    sw.c.prevPid[i] = prev.tid;
    sw.c.prevPrio[i] = prev.prio;
    sw.c.prevState[i] = prev.tid === 0 ? TaskState.RUNNING : prevState;
    sw.c.nextComm[i] = nextComm;
    sw.c.nextPid[i] = next.tid;
    sw.c.nextPrio[i] = next.prio;
    b.thread(prev.tid, prev.comm, tsNs);
    b.thread(next.tid, nextComm, tsNs);
    this.cur.set(cpu, { tid: next.tid, comm: nextComm, prio: next.prio });
  }

  idle(tsNs: number, cpu: number, prevState: number): void {
    this.switchTo(tsNs, cpu, prevState, { tid: 0, comm: `swapper/${cpu}`, prio: 120 });
  }

  wakeup(tsNs: number, cpu: number, tid: number, comm: string, prio: number): void {
    const b = this.b;
    const w = b.sched_wakeup;
    const i = w.row();
    w.c.tsNs[i] = tsNs;
    w.c.seq[i] = b.seq();
    w.c.cpu[i] = cpu;
    w.c.pid[i] = 0;
    w.c.flags[i] = Flags.UNKNOWN;
    w.c.kind[i] = WakeupKind.WAKEUP;
    w.c.comm[i] = b.str(comm);
    w.c.tid[i] = tid;
    w.c.prio[i] = prio;
    w.c.targetCpu[i] = cpu;
    w.c.success[i] = 1;
  }
}

interface Built {
  host: TraceTables;
  guest: TraceTables;
  guestProbe: ProbeLatency;
  hostProbe: ProbeLatency;
}

/** Build the host and guest tables of one run. */
export function buildSampleRun(run: SampleRun, hostileComm = SAMPLE_HOSTILE_COMM): Built {
  const hb = new MachineBuilder(`sample:${run.policy}:host`, run.policy === 'trace' ? 'generated' : 'replay');
  const gb = new MachineBuilder(`sample:${run.policy}:guest0`, run.policy === 'trace' ? 'generated' : 'replay');
  hb.meta.cpuCount = 2;
  gb.meta.cpuCount = 1;
  gb.meta.machine = 'guest0';
  const host = new Lane(hb);
  const guest = new Lane(gb);
  const us = 1000;
  // Host CPU 1: a stress thread for the first half of the trace.
  host.switchTo(0, 1, TaskState.RUNNING, { tid: STRESS_TID, comm: 'stress-ng-cpu', prio: 120 });
  host.idle(SAMPLE_SPAN_NS / 2, 1, TaskState.S);

  const latNs = new Float64Array(SAMPLE_PERIODS);
  const actNs = new Float64Array(SAMPLE_PERIODS);
  const hostCaused = new Float64Array(SAMPLE_PERIODS);
  const vcpu = (prio: number) => ({ tid: SAMPLE_VCPU_TID, comm: 'CPU 0/KVM', prio });
  const probe = { tid: GUEST_PROBE_TID, comm: 'cyclictest', prio: 120 };
  for (let k = 0; k < SAMPLE_PERIODS; k++) {
    const p = run.periods.get(k) ?? { latencyUs: 10 };
    const a = activationNs(k);
    const prio = p.boosted ? 98 : run.vcpuPrio;
    const s = a + p.latencyUs * us;
    actNs[k] = a;
    latNs[k] = p.latencyUs * us;
    hostCaused[k] = (p.hostDelayUs ?? 0) * us;
    // Host: the vCPU thread wakes for the guest timer, may be preempted by the hostile thread.
    host.wakeup(a - VCPU_MARGIN_US * us, 0, SAMPLE_VCPU_TID, 'CPU 0/KVM', prio);
    host.switchTo(a - VCPU_MARGIN_US * us, 0, TaskState.RUNNING, vcpu(prio));
    if (p.hostDelayUs) {
      host.switchTo(a, 0, TaskState.PREEMPTED, { tid: HOSTILE_TID, comm: hostileComm, prio: 120 });
      host.switchTo(a + p.hostDelayUs * us, 0, TaskState.RUNNING, vcpu(prio));
    }
    // Guest: the probe wakes, runs its burst (maybe preempted by a kworker), then blocks.
    guest.wakeup(s - Math.min(p.latencyUs, 5) * us, 0, GUEST_PROBE_TID, 'cyclictest', 120);
    guest.switchTo(s, 0, TaskState.RUNNING, probe);
    let end = s + BURST_US * us;
    if (p.guestPreemptUs) {
      const cut = s + 20 * us;
      guest.switchTo(cut, 0, TaskState.PREEMPTED, { tid: GUEST_KWORKER_TID, comm: 'kworker/0:1', prio: 120 });
      guest.switchTo(cut + p.guestPreemptUs * us, 0, TaskState.S, probe);
      end += p.guestPreemptUs * us;
    }
    if (p.unfinished) break;
    guest.idle(end, 0, TaskState.S);
    host.idle(end + VCPU_MARGIN_US * us, 0, TaskState.S);
  }
  const h = hb.finish();
  const g = gb.finish();
  for (const t of [h, g]) {
    t.meta.startNs = 0;
    t.meta.endNs = SAMPLE_SPAN_NS;
    t.meta.clock = 'mono';
    t.meta.kernelVersion = t === h ? '6.6.0-sample' : '6.1.0-sample';
  }
  const hostLat = Float64Array.from(run.hostProbeUs, (x) => x * us);
  return {
    host: h,
    guest: g,
    guestProbe: {
      machine: 'guest0',
      task: 'cyclictest',
      tids: [GUEST_PROBE_TID],
      stats: latencyStatsFromNs(latNs),
      activationTsNs: actNs,
      latencyNs: latNs,
      hostCausedNs: hostCaused,
    },
    hostProbe: {
      machine: 'host',
      task: 'cyclictest',
      tids: [HOST_PROBE_TID],
      stats: latencyStatsFromNs(hostLat),
      activationTsNs: Float64Array.from(run.hostProbeUs, (_, i) => activationNs(i * 50) + 3 * us),
      latencyNs: hostLat,
    },
  };
}

/** The sample as compare() input: captured under vanilla, replayed under vanilla, dynamic, static. */
export function sampleCompareInput(opts: { name?: string; load?: string; hostileComm?: string } = {}): CompareScenarioInput {
  const runs = sampleRuns();
  const cap = buildSampleRun(runs.captured, opts.hostileComm);
  const aligned: AlignedScenario = {
    name: opts.name ?? 'sample-busy-20ms',
    dir: '(built in)',
    scenario: {
      version: 1,
      name: opts.name ?? 'sample-busy-20ms',
      description: 'Hand-built sample with known answers',
      host: { trace: '(built in)' },
      guests: [{ name: 'guest0', trace: '(built in)', vcpus: [SAMPLE_VCPU_TID] }],
      capturedPolicy: { name: 'vanilla' },
      probes: { host: 'cyclictest', guest0: 'cyclictest' },
      capture: { load: opts.load ?? 'busy', intervalUs: SAMPLE_PERIOD_US },
    },
    host: cap.host,
    guests: [
      {
        name: 'guest0',
        tables: cap.guest,
        vcpus: { tids: new Map([[0, SAMPLE_VCPU_TID]]), source: 'scenario' },
        clock: { offsetNs: 0, scale: 1, uncertaintyNs: 0, source: 'same-clock' },
      },
    ],
    warnings: [],
  };
  const replays: ReplayedPolicy[] = runs.replays.map((run) => {
    const r = buildSampleRun(run, opts.hostileComm);
    return {
      result: {
        policy: run.policy,
        params: { policy: run.policy, seed: 1 },
        trace: { source: `sample:${run.policy}`, format: 'replay', machines: [r.host, r.guest] },
        boost: run.boost,
        simulatedEvents: r.host.sched_switch.length + r.guest.sched_switch.length,
        warnings: [],
      },
      probes: [r.guestProbe, r.hostProbe],
    };
  });
  return { aligned, measured: [cap.guestProbe, cap.hostProbe], replays };
}
