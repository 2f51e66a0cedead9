import type { Trace, TraceTables } from '../tables/index.js';
import type { AlignedScenario } from '../align/types.js';
import { detectVcpuThreads } from '../align/vcpuThreadNames.js';
import { threadStates } from '../timeline/threadStates.js';
import { threadIntervals } from '../timeline/build.js';
import { coveredNs, type IntervalSet } from '../timeline/intervals.js';
import type { LatencyStats, ProbeLatency } from './types.js';
import { latencyStats } from './latencyStats.js';
import { findActivations, minTraceMinusMono, timerModesOf } from './latencyActivations.js';

/** The probe task named does not exist, or has no activations: says which tasks exist. */
export class ProbeError extends Error {
  readonly userError = true;
  constructor(message: string) {
    super(message);
    this.name = 'ProbeError';
  }
}

export interface ProbeMeasurement extends ProbeLatency {
  /** 'timer': programmed hrtimer expiry -> switch-in; 'wakeup': wakeup -> switch-in. */
  method: 'timer' | 'wakeup';
  /** How expiries (CLOCK_MONOTONIC) were put on the trace clock. */
  monoToTrace: { offsetNs: number; scale: number; source: string };
  /** For guest probes: statistics of the host-caused part. */
  hostCausedStats?: LatencyStats;
  warnings: string[];
}

export interface MeasureOptions {
  /** Task name (comm) or tid. */
  task: string | number;
  /** Only these tids (e.g. the measuring threads cyclictest printed). */
  tids?: number[];
  /**
   * The clock mapping already applied to this machine's timestamps (an aligned guest), so that
   * CLOCK_MONOTONIC expiries get the same mapping. Identity for the host and replays.
   */
  clock?: { offsetNs: number; scale: number };
  /** guest CPU -> host running intervals of its vCPU thread: enables the host-caused split. */
  vcpuRunning?: ReadonlyMap<number, IntervalSet>;
}

/** If trace - mono is within this window of the applied clock mapping, the trace clock is CLOCK_MONOTONIC. */
const SAME_CLOCK_BELOW_NS = -2_000;
const SAME_CLOCK_ABOVE_NS = 20_000;

export function taskTids(t: TraceTables, task: string | number): number[] {
  if (typeof task === 'number') return [task];
  const out = new Set<number>();
  const th = t.threads.cols;
  for (let i = 0; i < t.threads.length; i++) if (th.comm[i]! >= 0 && t.strings[th.comm[i]!] === task) out.add(th.tid[i]!);
  return [...out].sort((a, b) => a - b);
}

/** Task names by number of switch-ins, for "which tasks exist" messages. */
export function busiestTasks(t: TraceTables, n = 10): string[] {
  const counts = new Map<number, number>();
  const S = t.sched_switch.cols;
  for (let i = 0; i < t.sched_switch.length; i++) if (S.nextPid[i]! > 0) counts.set(S.nextComm[i]!, (counts.get(S.nextComm[i]!) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, n).map(([id]) => t.strings[id] ?? '?');
}

/** Per-activation latency of one probe task on one machine. */
export function measureProbeLatency(t: TraceTables, machine: string, o: MeasureOptions): ProbeMeasurement {
  const warnings: string[] = [];
  let tids = o.tids?.length ? o.tids : taskTids(t, o.task);
  if (!tids.length) {
    throw new ProbeError(
      `${machine}: no task "${o.task}" in ${t.meta.source}; busiest tasks there: ${busiestTasks(t).join(', ') || '(none)'}; pick one with --task NAME|PID`,
    );
  }
  const base = o.clock ?? { offsetNs: 0, scale: 1 };
  const modes = timerModesOf(t, new Set(tids));
  let method: 'timer' | 'wakeup' = modes.abs.size || modes.rel.size ? 'timer' : 'wakeup';
  let timerMode: 'ABS' | null = null;
  if (modes.abs.size) {
    // cyclictest's measuring threads sleep with TIMER_ABSTIME; its main thread's usleep is REL.
    const only = tids.filter((x) => modes.abs.has(x));
    if (only.length < tids.length) tids = only;
    timerMode = 'ABS';
  }
  let monoToTrace = { ...base, source: 'trace clock is CLOCK_MONOTONIC' };
  if (method === 'timer') {
    const d = minTraceMinusMono(t, base, new Set(tids));
    if (d === null) {
      monoToTrace.source = 'assumed CLOCK_MONOTONIC (no hrtimer_expire_entry with now=)';
      if (t.meta.clock !== 'mono' && t.meta.format !== 'replay') warnings.push(`${machine}: no hrtimer_expire_entry "now" values to check the trace clock against CLOCK_MONOTONIC; assumed equal`);
    } else if (d < SAME_CLOCK_BELOW_NS || d > SAME_CLOCK_ABOVE_NS) {
      monoToTrace = { offsetNs: base.offsetNs + d, scale: base.scale, source: `estimated from hrtimer_expire_entry now= (trace clock ${t.meta.clock} is not CLOCK_MONOTONIC)` };
    }
  }
  let act = findActivations(t, new Set(tids), { monoToTrace, mode: method, timerMode });
  if (!act.length && method === 'timer') {
    // Timers armed in its context, but none woke it (e.g. timeouts that never fire): wakeups then.
    act = findActivations(t, new Set(tids), { monoToTrace, mode: 'wakeup', timerMode: null });
    if (act.length) {
      method = 'wakeup';
      warnings.push(`${machine}: "${o.task}" armed hrtimers but none woke it; measured wakeup -> switch-in instead`);
    }
  }
  if (!act.length) {
    throw new ProbeError(
      `${machine}: task "${o.task}" (tids ${tids.join(', ')}) has no ${method === 'timer' ? 'timer-driven activations (hrtimer_start -> wakeup -> switch-in)' : 'wakeup -> switch-in activations'} ` +
        `in ${t.meta.source}; busiest tasks: ${busiestTasks(t).join(', ')}`,
    );
  }
  // Activations whose window overlaps a lost-data window may have lost their wakeup or switch-in:
  // they are dropped and counted, not guessed.
  const keep = new Uint8Array(act.length).fill(1);
  let inLost = 0;
  for (const w of t.meta.lost) {
    for (let i = 0; i < act.length; i++) {
      if (!keep[i] || act.runNs[i]! < w.startNs || act.startNs[i]! > w.endNs) continue;
      if (w.cpu >= 0 && w.cpu !== act.runCpu[i] && w.cpu !== act.timerCpu[i]) continue;
      keep[i] = 0;
      inLost++;
    }
  }
  if (inLost) warnings.push(`${machine}: ${inLost} activations overlap lost-data windows of the trace and are left out`);
  if (t.meta.lost.length && !inLost) warnings.push(`${machine}: the trace has ${t.meta.lost.length} lost-data windows; activations in them cannot be seen`);
  const idx: number[] = [];
  for (let i = 0; i < act.length; i++) if (keep[i]) idx.push(i);
  const sel = <A extends Float64Array | Int32Array>(a: A): A => (idx.length === act.length ? a : (a.constructor as unknown as { from(x: number[]): A }).from(idx.map((i) => a[i]!)));
  act.startNs = sel(act.startNs);
  act.runNs = sel(act.runNs);
  act.wakeNs = sel(act.wakeNs);
  act.timerCpu = sel(act.timerCpu);
  act.runCpu = sel(act.runCpu);
  act.tid = sel(act.tid);
  act.length = idx.length;
  const latencyNs = new Float64Array(act.length);
  let negative = 0;
  for (let i = 0; i < act.length; i++) {
    const l = act.runNs[i]! - act.startNs[i]!;
    if (l < 0) negative++;
    latencyNs[i] = Math.max(0, l);
  }
  if (negative) warnings.push(`${machine}: ${negative} activations ran before their programmed expiry (clock mapping off?); counted as 0`);
  const out: ProbeMeasurement = {
    machine,
    task: String(o.task),
    tids,
    stats: latencyStats(latencyNs),
    activationTsNs: act.startNs,
    latencyNs,
    method,
    monoToTrace,
    warnings,
  };
  if (o.vcpuRunning) {
    const host = new Float64Array(act.length);
    for (let i = 0; i < act.length; i++) host[i] = hostCausedNs(o.vcpuRunning, act.startNs[i]!, act.wakeNs[i]!, act.runNs[i]!, act.timerCpu[i]!, act.runCpu[i]!);
    out.hostCausedNs = host;
    out.hostCausedStats = latencyStats(host);
  }
  return out;
}

/**
 * The part of [start, run] during which the guest CPU that had to act was not running on the host:
 * the timer's CPU until the wakeup, then the CPU the task ran on.
 */
function hostCausedNs(running: ReadonlyMap<number, IntervalSet>, start: number, wake: number, run: number, timerCpu: number, runCpu: number): number {
  const part = (cpu: number, a: number, b: number) => {
    if (b <= a) return 0;
    const r = running.get(cpu);
    return r ? b - a - coveredNs(r, a, b) : 0;
  };
  const w = Math.min(Math.max(wake, start), run);
  return part(timerCpu >= 0 ? timerCpu : runCpu, start, w) + part(runCpu, w, run);
}

export interface ScenarioLatencyOptions {
  /** Task name or tid for every machine; default: scenario probes, else cyclictest when present. */
  task?: string | number;
  /** Only these machines ('host', guest names). */
  machines?: string[];
}

/** The probe task of a machine: --task, else scenario.probes, else cyclictest if it ran. */
function probeTaskOf(t: TraceTables, machine: string, probes: Record<string, string> | undefined, task: string | number | undefined): string | number | null {
  if (task !== undefined) return task;
  if (probes?.[machine]) return probes[machine]!;
  return taskTids(t, 'cyclictest').length ? 'cyclictest' : null;
}

/** Measured latency of the probe task of the host and of every traced guest. */
export function measureScenarioLatency(a: AlignedScenario, o: ScenarioLatencyOptions = {}): ProbeMeasurement[] {
  const out: ProbeMeasurement[] = [];
  const missing: ProbeError[] = [];
  const want = (m: string) => !o.machines || o.machines.includes(m);
  const measuredTids = (m: string) => a.scenario.measured?.[m]?.threads.map((th) => th.tid).filter((x): x is number => typeof x === 'number' && x > 0);
  // A task named on the command line may exist on only some machines: measure it where it ran.
  const attempt = (t: TraceTables, machine: string, task: string | number, extra: Partial<MeasureOptions>) => {
    if (o.task !== undefined && !taskTids(t, task).length) {
      missing.push(new ProbeError(`${machine}: no task "${task}" in ${t.meta.source}; busiest tasks there: ${busiestTasks(t).join(', ') || '(none)'}; pick one with --task NAME|PID`));
      return;
    }
    out.push(measureProbeLatency(t, machine, { task, ...extra }));
  };
  if (want('host')) {
    const task = probeTaskOf(a.host, 'host', a.scenario.probes, o.task);
    if (task !== null) attempt(a.host, 'host', task, tidsOpt(o.task === undefined ? measuredTids('host') : undefined));
  }
  let hostStates: ReturnType<typeof threadStates> | null = null;
  for (const g of a.guests) {
    if (!g.tables || !want(g.name)) continue;
    const task = probeTaskOf(g.tables, g.name, a.scenario.probes, o.task);
    if (task === null) continue;
    hostStates ??= threadStates(a.host);
    const running = new Map<number, IntervalSet>();
    for (const [cpu, tid] of g.vcpus.tids) running.set(cpu, threadIntervals(hostStates, tid));
    attempt(g.tables, g.name, task, {
      clock: { offsetNs: g.clock.offsetNs, scale: g.clock.scale },
      vcpuRunning: running,
      ...tidsOpt(o.task === undefined ? measuredTids(g.name) : undefined),
    });
  }
  if (!out.length && missing.length) throw missing[0]!;
  if (!out.length) {
    throw new ProbeError(
      `${a.name}: no probe task to measure (no scenario "probes", no cyclictest in the traces); busiest host tasks: ${busiestTasks(a.host).join(', ')}; pick one with --task NAME|PID`,
    );
  }
  for (const m of missing) out[0]!.warnings.push(m.message);
  return out;
}

const tidsOpt = (tids: number[] | undefined) => (tids && tids.length ? { tids } : {});

/**
 * Measured latency on a replayed (or any single-clock multi-machine) trace: machine 'host' and
 * guests by name, vCPU threads recognised by name on the host unless `vcpus` maps them.
 */
export function measureTraceLatency(
  trace: Trace,
  o: { task?: string | number; probes?: Record<string, string>; vcpus?: ReadonlyMap<string, ReadonlyMap<number, number>> } = {},
): ProbeMeasurement[] {
  const host = trace.machines.find((m) => m.meta.machine === 'host') ?? trace.machines[0]!;
  const out: ProbeMeasurement[] = [];
  let hostStates: ReturnType<typeof threadStates> | null = null;
  const byName = detectVcpuThreads(host);
  for (const m of trace.machines) {
    const name = m === host ? 'host' : m.meta.machine;
    const task = probeTaskOf(m, name, o.probes, o.task);
    if (task === null) continue;
    if (m === host) {
      out.push(measureProbeLatency(m, name, { task }));
      continue;
    }
    hostStates ??= threadStates(host);
    const map = o.vcpus?.get(name) ?? new Map(byName.map((v) => [v.vcpu, v.tid] as const));
    const running = new Map<number, IntervalSet>();
    for (const [cpu, tid] of map) running.set(cpu, threadIntervals(hostStates, tid));
    out.push(measureProbeLatency(m, name, { task, vcpuRunning: running }));
  }
  return out;
}
