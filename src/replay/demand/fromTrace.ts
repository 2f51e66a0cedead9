// Demand extraction from an AlignedScenario (host + guest tables on the host clock).
//
// Each thread becomes a program of CPU bursts and sleeps. A burst is the CPU the thread actually
// consumed between two sleeps (for guest tasks: net of the time their vCPU thread was not running
// on the host, i.e. of steal). Each sleep keeps its cause so that causality survives a changed
// schedule:
// - timer: the thread armed an hrtimer before sleeping and woke at or after its expiry ->
//   SLEEP_TIMER(softexpires): fires at the same absolute time, latency re-measured;
// - another thread of the same machine woke it (from task context) -> SLEEP_WAIT, and the waker
//   gets a WAKE op at the same point of its own CPU consumption;
// - interrupt / idle / unknown -> SLEEP_UNTIL(the captured wake time).
// Threads that never slept are always-runnable (hog). Policy and priority come from the trace's
// prio field (< 100: RT, assumed FIFO; else nice = prio - 120); affinity from observed CPUs.
import type { TraceTables } from '../../tables/index.js';
import { HrtimerKind, WakeupKind } from '../../tables/schema.js';
import { Flags } from '../../tables/flags.js';
import { missingSwitchIns } from '../../tables/missingSwitchIns.js';
import { isRunnableState, TaskState } from '../../tables/taskState.js';
import type { AlignedScenario } from '../../align/types.js';
import { Op, type Demand, type DemandTask, type GuestDemand, type PlatformCosts, type Program, type TaskSched } from './types.js';
import { platformSamples, qemuMainTid, tcgDelays } from './platformDelays.js';
import { emulatorRuns, type EmulatorRuns } from './emulatorRuns.js';

export interface ExtractOptions {
  /** 'observed': threads may only use the CPUs they were seen on; 'any': all CPUs. */
  affinity?: 'observed' | 'any';
  /** Guest idle poll before HLT, ns (Infinity = idle=poll). Default 0 (HLT at once). */
  guestIdlePollNs?: number;
  /** Probe task names per machine; default scenario.probes, else 'cyclictest'. */
  probes?: Record<string, string>;
}

class ProgramBuilder {
  kind: number[] = [];
  arg: number[] = [];
  pendingRun = 0;
  push(k: number, a: number): void {
    if (k !== Op.RUN && this.pendingRun > 0) this.flushRun();
    if (k === Op.RUN) {
      this.pendingRun += a;
      return;
    }
    this.kind.push(k);
    this.arg.push(a);
  }
  flushRun(): void {
    if (this.pendingRun > 0) {
      this.kind.push(Op.RUN);
      this.arg.push(this.pendingRun);
    }
    this.pendingRun = 0;
  }
  finish(): Program {
    this.flushRun();
    this.kind.push(Op.END);
    this.arg.push(0);
    return { kind: Uint8Array.from(this.kind), arg: Float64Array.from(this.arg), length: this.kind.length };
  }
}

function schedFromPrio(prio: number): TaskSched {
  if (prio >= 0 && prio < 100) return { policy: 'fifo', rtPrio: 99 - prio, nice: 0 };
  if (prio >= 100 && prio < 140) return { policy: 'normal', rtPrio: 0, nice: prio - 120 };
  return { policy: 'normal', rtPrio: 0, nice: 0 };
}

/** Host run intervals of a thread, for steal accounting of guest work. */
class RunIntervals {
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly cum: number[] = [0];
  add(a: number, b: number): void {
    // Runs of one thread never overlap; a start before the previous end (events out of order
    // across CPUs) is clipped so that ran() stays within [a, b].
    const last = this.end.length ? this.end[this.end.length - 1]! : -Infinity;
    if (a < last) a = last;
    if (b <= a) return;
    this.start.push(a);
    this.end.push(b);
    this.cum.push(this.cum[this.cum.length - 1]! + (b - a));
  }
  /** Host run time in [0, t]. */
  ranUntil(t: number): number {
    let lo = 0;
    let hi = this.start.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (this.start[m]! <= t) lo = m + 1;
      else hi = m;
    }
    // intervals [0, lo) start at or before t
    if (lo === 0) return 0;
    const i = lo - 1;
    return this.cum[i]! + Math.min(t, this.end[i]!) - this.start[i]!;
  }
  ran(a: number, b: number): number {
    return Math.max(0, this.ranUntil(b) - this.ranUntil(a));
  }
}

/**
 * Per-thread events of one machine, columnar: one row per event in `E`, and for each thread the
 * row indexes in (ts, seq) order. type: 0 in, 1 out, 2 wake-point (as waker), 3 woken (as wakee),
 * 4 hrtimer_start; a/b/c: type-specific (out: state, cpu, implicit; in: cpu; woken: waker or -1;
 * wake-point: wakee; hrtimer_start: softexpires, expires).
 */
class EvStore {
  n = 0;
  tid = new Int32Array(1024);
  ts = new Float64Array(1024);
  seq = new Float64Array(1024);
  type = new Uint8Array(1024);
  a = new Float64Array(1024);
  b = new Float64Array(1024);
  c = new Uint8Array(1024);
  push(tid: number, ts: number, seq: number, type: number, a: number, b: number, c: number): void {
    if (this.n === this.ts.length) this.grow();
    const i = this.n++;
    this.tid[i] = tid;
    this.ts[i] = ts;
    this.seq[i] = seq;
    this.type[i] = type;
    this.a[i] = a;
    this.b[i] = b;
    this.c[i] = c;
  }
  private grow(): void {
    const m = this.ts.length * 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(x: T, C: new (n: number) => T): T => {
      const y = new C(m);
      y.set(x);
      return y;
    };
    this.tid = g(this.tid, Int32Array);
    this.ts = g(this.ts, Float64Array);
    this.seq = g(this.seq, Float64Array);
    this.type = g(this.type, Uint8Array);
    this.a = g(this.a, Float64Array);
    this.b = g(this.b, Float64Array);
    this.c = g(this.c, Uint8Array);
  }
  /** Row indexes per thread, each in (ts, seq) order. */
  group(): Map<number, Int32Array> {
    const count = new Map<number, number>();
    for (let i = 0; i < this.n; i++) count.set(this.tid[i]!, (count.get(this.tid[i]!) ?? 0) + 1);
    const out = new Map<number, Int32Array>();
    const fill = new Map<number, number>();
    for (const [tid, c] of count) {
      out.set(tid, new Int32Array(c));
      fill.set(tid, 0);
    }
    for (let i = 0; i < this.n; i++) {
      const t = this.tid[i]!;
      const k = fill.get(t)!;
      out.get(t)![k] = i;
      fill.set(t, k + 1);
    }
    const ts = this.ts;
    const seq = this.seq;
    for (const ix of out.values()) ix.sort((x, y) => ts[x]! - ts[y]! || seq[x]! - seq[y]!);
    return out;
  }
}

interface MachineThreads {
  tids: number[];
  E: EvStore;
  events: Map<number, Int32Array>;
  prio: Map<number, number>;
  cpus: Map<number, Set<number>>;
  names: Map<number, string>;
}

/** Collect per-thread events of one machine. */
function collect(t: TraceTables, exclude: Set<number>, missing: Float64Array = missingSwitchIns(t).startNs): MachineThreads {
  const E = new EvStore();
  const known = new Set<number>();
  const prio = new Map<number, number>();
  const cpus = new Map<number, Set<number>>();
  const names = new Map<number, string>();
  const push = (tid: number, ts: number, seq: number, type: number, a: number, b: number, c: number) => {
    known.add(tid);
    E.push(tid, ts, seq, type, a, b, c);
  };
  const sw = t.sched_switch.cols;
  // Who runs on each CPU, and where each thread runs, to close runs whose switch-out was lost
  // (per-CPU buffer overrun, a missed event): the thread is taken as preempted at that point.
  const onCpu = new Map<number, number>();
  const runningOn = new Map<number, number>();
  // When each CPU went idle: a switch-in from idle carries it, so that the wakeup -> switch-in
  // gaps of tasks woken onto an idle CPU (idle exit) can be told from waits behind other tasks.
  const idleSince = new Map<number, number>();
  const lastSwitchOn = new Map<number, number>();
  const implicitOut = (tid: number, ts: number, seq: number, cpu: number) => {
    if (tid <= 0 || exclude.has(tid)) return;
    push(tid, ts, seq, 1, 0, cpu, 1);
    runningOn.delete(tid);
  };
  // Switch-ins the trace lacks (`missing`) are estimated (c = 2 marks them: no delay samples from them).
  for (let i = 0; i < t.sched_switch.length; i++) {
    const ts = sw.tsNs[i]!;
    const seq = sw.seq[i]!;
    const prev = sw.prevPid[i]!;
    const next = sw.nextPid[i]!;
    const cpu = sw.cpu[i]!;
    const believed = onCpu.get(cpu);
    const estIn = missing[i]!;
    if (believed !== undefined && believed !== prev && runningOn.get(believed) === cpu) implicitOut(believed, Number.isNaN(estIn) ? ts : estIn, seq, cpu);
    if (!Number.isNaN(estIn) && !exclude.has(prev)) {
      push(prev, estIn, seq, 0, cpu, -1, 2);
      let s = cpus.get(prev);
      if (!s) cpus.set(prev, (s = new Set()));
      s.add(cpu);
    }
    const elsewhere = runningOn.get(next);
    if (next > 0 && elsewhere !== undefined && elsewhere !== cpu) {
      implicitOut(next, ts, seq, elsewhere);
      onCpu.delete(elsewhere);
    }
    onCpu.set(cpu, next);
    runningOn.delete(prev);
    if (next > 0) runningOn.set(next, cpu);
    if (prev > 0 && !exclude.has(prev)) {
      push(prev, ts, seq, 1, sw.prevState[i]!, cpu, 0);
      if (!prio.has(prev)) prio.set(prev, sw.prevPrio[i]!);
      if (!names.has(prev)) names.set(prev, t.strings[sw.prevComm[i]!] ?? `tid${prev}`);
    }
    const idleFrom = prev === 0 ? (idleSince.get(cpu) ?? -1) : -1;
    if (next === 0) idleSince.set(cpu, ts);
    // Preempting a running task: b = when that task's run began (c = 3), for the resched delay.
    const preempted = prev > 0 && isRunnableState(sw.prevState[i]!) && lastSwitchOn.has(cpu);
    const runFrom = Number.isNaN(estIn) ? (lastSwitchOn.get(cpu) ?? -1) : estIn;
    lastSwitchOn.set(cpu, ts);
    if (next > 0 && !exclude.has(next)) {
      push(next, ts, seq, 0, cpu, preempted ? runFrom : idleFrom, preempted ? 3 : 0);
      if (!prio.has(next)) prio.set(next, sw.nextPrio[i]!);
      if (!names.has(next)) names.set(next, t.strings[sw.nextComm[i]!] ?? `tid${next}`);
      let s = cpus.get(next);
      if (!s) cpus.set(next, (s = new Set()));
      s.add(cpu);
    }
  }
  const wk = t.sched_wakeup.cols;
  // Prefer sched_waking (waker context); fall back to sched_wakeup when a trace has no waking.
  let hasWaking = false;
  for (let i = 0; i < t.sched_wakeup.length; i++) if (wk.kind[i] === WakeupKind.WAKING) hasWaking = true;
  const want = hasWaking ? WakeupKind.WAKING : WakeupKind.WAKEUP;
  for (let i = 0; i < t.sched_wakeup.length; i++) {
    const k = wk.kind[i]!;
    if (k !== want && k !== WakeupKind.WAKEUP_NEW) continue;
    const wakee = wk.tid[i]!;
    if (wakee <= 0 || exclude.has(wakee)) continue;
    // A thread that was woken but never ran in the capture (starved) still has demand.
    if (!known.has(wakee)) {
      known.add(wakee);
      if (!prio.has(wakee)) prio.set(wakee, wk.prio[i]!);
      if (!names.has(wakee)) names.set(wakee, t.strings[wk.comm[i]!] ?? `tid${wakee}`);
    }
    const waker = wk.pid[i]!;
    const f = wk.flags[i]!;
    const inIrq = f !== Flags.UNKNOWN && (f & (Flags.HARDIRQ | Flags.SOFTIRQ | Flags.NMI)) !== 0;
    const byThread = waker > 0 && waker !== wakee && !inIrq && known.has(waker) ? waker : -1;
    push(wakee, wk.tsNs[i]!, wk.seq[i]!, 3, byThread, wk.cpu[i]!, 0);
    if (byThread > 0) push(byThread, wk.tsNs[i]!, wk.seq[i]!, 2, wakee, 0, 0);
  }
  const hr = t.hrtimer.cols;
  for (let i = 0; i < t.hrtimer.length; i++) {
    if (hr.kind[i] !== HrtimerKind.START) continue;
    const pid = hr.pid[i]!;
    if (!known.has(pid) || hr.softexpiresNs[i]! < 0) continue;
    push(pid, hr.tsNs[i]!, hr.seq[i]!, 4, hr.softexpiresNs[i]!, hr.expiresNs[i]!, 0);
  }
  const events = E.group();
  const tids = [...events.keys()]
    .filter((tid) => {
      const ix = events.get(tid)!;
      for (let k = 0; k < ix.length; k++) if (E.type[ix[k]!] !== 2 && E.type[ix[k]!] !== 4) return true;
      return false;
    })
    .sort((a, b) => a - b);
  return { tids, E, events, prio, cpus, names };
}

/** Smallest (trace ts - mapped `now`) of hrtimer_expire_entry: the trace-vs-monotonic offset; null without `now`. */
function minTraceMinusMono(t: TraceTables, base: { offsetNs: number; scale: number }): number | null {
  const H = t.hrtimer.cols;
  let min = Infinity;
  for (let i = 0; i < t.hrtimer.length; i++) {
    // Skip timers of the epoch-based bases (CLOCK_REALTIME/TAI: `now` ~ 1.7e18 ns).
    if (H.kind[i] !== HrtimerKind.EXPIRE_ENTRY || H.nowNs[i]! < 0 || H.nowNs[i]! > 1e17) continue;
    const d = H.tsNs[i]! - (H.nowNs[i]! * base.scale + base.offsetNs);
    if (d < min) min = d;
  }
  return min === Infinity ? null : min;
}

/** hrtimer expiry (the machine's CLOCK_MONOTONIC) -> trace clock: trace = mono * scale + offsetNs. */
interface MonoMap {
  offsetNs: number;
  scale: number;
  source: string;
}

/**
 * Where a machine's hrtimer expiries sit on its (aligned) trace clock. Start from the clock
 * mapping alignment applied to its timestamps; if hrtimer_expire_entry `now` values show that the
 * trace clock is not CLOCK_MONOTONIC, add their smallest offset (as the latency measurement does);
 * without them, fall back to the smallest (wake - expiry) when the mapping leaves timers more
 * than 1 ms off.
 */
function monoToTrace(t: TraceTables, m: MachineThreads, base: { offsetNs: number; scale: number }): MonoMap {
  const d = minTraceMinusMono(t, base);
  if (d !== null) {
    if (d < -2_000 || d > 20_000) return { offsetNs: base.offsetNs + d, scale: base.scale, source: 'hrtimer_expire_entry now=' };
    return { ...base, source: 'aligned clock' };
  }
  let best = Infinity;
  const E = m.E;
  for (const ix of m.events.values()) {
    let soft = NaN;
    for (let k = 0; k < ix.length; k++) {
      const i = ix[k]!;
      if (E.type[i] === 4) soft = E.a[i]! * base.scale + base.offsetNs;
      else if (E.type[i] === 3 && !Number.isNaN(soft)) {
        best = Math.min(best, E.ts[i]! - soft);
        soft = NaN;
      }
    }
  }
  if (Number.isFinite(best) && Math.abs(best) > 1e6) return { offsetNs: base.offsetNs + best, scale: base.scale, source: 'smallest timer latency' };
  return { ...base, source: 'aligned clock' };
}

interface BuildCtx {
  index: Map<number, number>;
  startNs: number;
  endNs: number;
  /** End of this machine's own trace. */
  traceEndNs: number;
  /** Net-of-steal run time for guest threads: (cpu, a, b) -> ns; null for host threads. */
  net: ((cpu: number, a: number, b: number) => number) | null;
  mono: MonoMap;
  dropWakes: Set<number>;
  /** Collected platform delays: timer expiry -> waking, waking -> switch-in. */
  timerGaps?: number[];
  wakeGaps?: number[];
  /** waking -> switch-in of wakeups onto an idle CPU (net of steal for guests). */
  idleWakeGaps?: number[];
  /** waking -> switch-in of wakeups that preempted the task running on that CPU. */
  preemptWakeGaps?: number[];
  /** Timer wakeups: (hard expiry, waking ts, waking CPU) triples. */
  timerWakes?: number[];
}

function buildTask(tid: number, m: MachineThreads, ctx: BuildCtx, affinity: 'observed' | 'any', probe: boolean): DemandTask {
  const ix = m.events.get(tid)!;
  const E = m.E;
  const b = new ProgramBuilder();
  let running = false;
  let lastIn = ctx.startNs;
  let lastCpu = 0;
  let slept = false;
  let woken = false;
  let armedSoft = NaN;
  let armedHard = NaN;
  let pendingSleep = false;
  let slackNs = -1;
  let explicitOuts = 0;
  let implicitOuts = 0;
  let blockedOut = false;
  let first = -1;
  let firstIn = -1;
  let lastWakeTs = -1;
  let exited = false;
  const charge = (to: number) => {
    const d = ctx.net ? ctx.net(lastCpu, lastIn, to) : to - lastIn;
    if (d > 0) b.push(Op.RUN, d);
    lastIn = to;
  };
  for (let k = 0; k < ix.length; k++) {
    const i = ix[k]!;
    const ty = E.type[i]!;
    if (first < 0 && ty !== 4) first = i;
    if (firstIn < 0 && (ty === 0 || ty === 1)) firstIn = i;
  }
  // Initial state: running if the first event is a switch-out, runnable if a switch-in with no wake before it.
  if (first >= 0 && E.type[first] === 1) {
    running = true;
    lastCpu = E.b[first]!;
  } else if (first >= 0 && E.type[first] === 3) pendingSleep = true;
  for (let k = 0; k < ix.length; k++) {
    const i = ix[k]!;
    const ts = E.ts[i]!;
    const a = E.a[i]!;
    switch (E.type[i]) {
      case 0:
        if (E.c[i] === 2) lastWakeTs = -1; // estimated switch-in: its gap says nothing
        if (lastWakeTs >= 0 && ctx.wakeGaps) ctx.wakeGaps.push(ts - lastWakeTs);
        // E.b: when this CPU went idle (c 0; -1: it was not idle); idle since before the wakeup = idle exit.
        // c 3: it preempted a task that ran since E.b; since before the wakeup = resched delay.
        if (lastWakeTs >= 0 && E.b[i]! >= 0 && E.b[i]! <= lastWakeTs) {
          const gap = ctx.net ? ctx.net(a, lastWakeTs, ts) : ts - lastWakeTs;
          if (E.c[i] === 0) ctx.idleWakeGaps?.push(gap);
          else if (E.c[i] === 3) ctx.preemptWakeGaps?.push(gap);
        }
        lastWakeTs = -1;
        if (!running) {
          running = true;
          lastIn = ts;
          lastCpu = a;
        }
        break;
      case 1:
        if (running) charge(ts);
        running = false;
        if (E.c[i]) implicitOuts++;
        else explicitOuts++;
        if (a > 0 && (a & (TaskState.X | TaskState.Z | TaskState.x)) !== 0) exited = true;
        if (!isRunnableState(a)) {
          pendingSleep = true;
          blockedOut = true;
        }
        break;
      case 2:
        if (running) charge(ts);
        if (!ctx.dropWakes.has(a)) {
          const target = ctx.index.get(a);
          if (target !== undefined) b.push(Op.WAKE, target);
        }
        break;
      case 4:
        armedSoft = a * ctx.mono.scale + ctx.mono.offsetNs;
        armedHard = E.b[i]! * ctx.mono.scale + ctx.mono.offsetNs;
        break;
      case 3:
        woken = true;
        if (!pendingSleep) break; // a wakeup of a runnable thread: nothing to wait for
        pendingSleep = false;
        slept = true;
        lastWakeTs = ts;
        if (!Number.isNaN(armedSoft) && ts >= armedSoft - 1000) {
          if (slackNs < 0 && armedHard >= armedSoft) slackNs = armedHard - armedSoft;
          if (ctx.timerGaps && armedHard >= armedSoft) ctx.timerGaps.push(Math.max(0, ts - armedHard));
          if (ctx.timerWakes && armedHard >= armedSoft) ctx.timerWakes.push(armedHard, ts, E.b[i]!);
          b.push(Op.SLEEP_TIMER, armedSoft);
        } else if (a > 0 && !ctx.dropWakes.has(tid)) b.push(Op.SLEEP_WAIT, -1);
        else b.push(Op.SLEEP_UNTIL, ts);
        armedSoft = NaN;
        break;
    }
  }
  // Running when its machine's trace ends: known to have run until then, not beyond (the replay
  // window may extend past one machine's trace).
  if (running) charge(Math.min(ctx.endNs, ctx.traceEndNs));
  const prio = m.prio.get(tid) ?? 120;
  const cpus = affinity === 'observed' ? [...(m.cpus.get(tid) ?? [])].sort((x, y) => x - y) : undefined;
  const name = m.names.get(tid) ?? `tid${tid}`;
  // Always runnable: never woken, never slept, with its switch-outs actually logged (a thread
  // whose switch-outs are missing, e.g. filtered from the trace, says nothing about its state).
  // Such a thread was runnable over the whole window, whatever CPU it got (a hog starved by RT
  // threads still is one).
  const hog = !slept && !woken && !blockedOut && explicitOuts >= Math.max(1, implicitOuts);
  const program = b.finish();
  // A task that exited in the capture (cyclictest -D) stops after its last armed expiry; one that
  // was only starved at the end keeps going.
  const periodic = hog ? null : asPeriodic(program, slackNs < 0 ? 0 : slackNs, exited);
  // A periodic task replays from its first timer, not from its start-up (which may have run on
  // another CPU, e.g. cyclictest's main thread placing its measurement thread): it starts on the
  // CPU it ran on most, which keeps it on the vCPU it really used (wakeups stay on the previous CPU).
  const startCpu = periodic ? mostUsedCpu(ix, E) : firstIn >= 0 ? (E.type[firstIn] === 0 ? E.a[firstIn]! : E.b[firstIn]!) : cpus?.[0];
  return {
    name,
    tid,
    sched: schedFromPrio(prio),
    ...(cpus && cpus.length ? { cpus } : {}),
    ...(startCpu !== undefined ? { startCpu } : {}),
    behaviour: hog ? { kind: 'hog' } : (periodic ?? { kind: 'program', program }),
    ...(probe ? { probe } : {}),
    ...(slackNs >= 0 ? { slackNs } : {}),
  };
}

/** The CPU with the most switch-ins of a thread; undefined when it never ran. */
function mostUsedCpu(ix: Int32Array, E: EvStore): number | undefined {
  const n = new Map<number, number>();
  for (let k = 0; k < ix.length; k++) if (E.type[ix[k]!] === 0) n.set(E.a[ix[k]!]!, (n.get(E.a[ix[k]!]!) ?? 0) + 1);
  let best: number | undefined;
  for (const [cpu, c] of n) if (best === undefined || c > n.get(best)! || (c === n.get(best)! && cpu < best)) best = cpu;
  return best;
}

/**
 * A program that only runs and sleeps on absolute timers spaced by multiples of one period is a
 * periodic timer task (cyclictest, an audio callback): replay it as one, so that it re-arms
 * from its own period (and skips missed periods like cyclictest) under another schedule, instead
 * of replaying only the expiries the captured schedule let it arm.
 */
export function asPeriodic(p: Program, slackNs: number, exited = false): Extract<DemandTask['behaviour'], { kind: 'periodic' }> | null {
  const softs: number[] = [];
  const bursts: number[] = [];
  let run = 0;
  let seenTimer = false;
  let other = 0;
  for (let i = 0; i < p.length; i++) {
    const k = p.kind[i]!;
    if (k === Op.RUN) run += p.arg[i]!;
    else if (k === Op.SLEEP_TIMER) {
      if (seenTimer) bursts.push(run);
      seenTimer = true;
      run = 0;
      softs.push(p.arg[i]!);
    } else if (k === Op.END) break;
    // Start-up before the first timer (thread creation, setup) is dropped. After it, a few other
    // sleeps are tolerated (a timer whose hrtimer_start was lost from the trace shows as one).
    else if (seenTimer) {
      if (k === Op.WAKE) return null;
      other++;
    }
  }
  if (softs.length < 8 || other > 0.02 * softs.length) return null;
  let period = Infinity;
  for (let i = 1; i < softs.length; i++) {
    const g = softs[i]! - softs[i - 1]!;
    if (g > 0 && g < period) period = g;
  }
  if (!Number.isFinite(period)) return null;
  for (let i = 1; i < softs.length; i++) {
    const k = (softs[i]! - softs[i - 1]!) / period;
    if (Math.abs(k - Math.round(k)) > 0.005 || Math.round(k) < 1) return null;
  }
  bursts.sort((a, b) => a - b);
  const burstNs = bursts.length ? bursts[bursts.length >> 1]! : 0;
  return { kind: 'periodic', periodNs: period, startNs: softs[0]!, burstNs, slackNs, ...(exited ? { endNs: softs[softs.length - 1]! } : {}) };
}

/** Extract the Demand of an aligned scenario. */
export function demandFromAligned(a: AlignedScenario, opts: ExtractOptions = {}): Demand {
  const warnings: string[] = [];
  const host = a.host;
  const startNs = host.meta.startNs;
  // The host trace is the reference window. A host starved by RT vCPUs can log nothing for a while,
  // so guest events extend it, but by at most 1 s: a guest trace that runs on after host tracing
  // stopped has no host schedule to replay against.
  const endNs = Math.max(host.meta.endNs, ...a.guests.map((g) => (g.tables && g.tables.meta.endNs > 0 ? Math.min(g.tables.meta.endNs, host.meta.endNs + 1e9) : 0)));
  const affinity = opts.affinity ?? 'observed';
  const probes = opts.probes ?? (a.scenario.probes as Record<string, string> | undefined) ?? {};
  // vCPU threads of guests with a trace are driven by their guest, not by their host history.
  const traced = new Set<number>();
  for (const g of a.guests) if (g.tables) for (const tid of g.vcpus.tids.values()) traced.add(tid);
  const missingHost = missingSwitchIns(host).startNs;
  const hm = collect(host, traced, missingHost);
  const hostIndex = new Map<number, number>();
  hm.tids.forEach((tid, i) => hostIndex.set(tid, i));
  const hostProbe = probes['host'] ?? 'cyclictest';
  const hctx: BuildCtx = { index: hostIndex, startNs, endNs, traceEndNs: host.meta.endNs, net: null, mono: monoToTrace(host, hm, { offsetNs: 0, scale: 1 }), dropWakes: traced, timerGaps: [], wakeGaps: [], idleWakeGaps: [], preemptWakeGaps: [] };
  const hostTasks = hm.tids.map((tid) => buildTask(tid, hm, hctx, affinity, hm.names.get(tid) === hostProbe));
  const platform: PlatformCosts = {
    timerWakeNs: quantile(hctx.timerGaps!, 0.5),
    wakeSwitchNs: quantile(hctx.wakeGaps!, 0.1),
    samples: platformSamples({ timerWakeNs: hctx.timerGaps!, idleWakeNs: hctx.idleWakeGaps!, preemptWakeNs: hctx.preemptWakeGaps! }),
  };
  const hostCpus = host.meta.cpuCount ?? Math.max(1, ...host.cpus.cols.cpu) + 1;

  // Host run intervals of every vCPU thread (steal accounting).
  const runs = new Map<number, RunIntervals>();
  {
    const sw = host.sched_switch.cols;
    const since = new Map<number, number>();
    for (let i = 0; i < host.sched_switch.length; i++) {
      const ts = sw.tsNs[i]!;
      const p = sw.prevPid[i]!;
      const n = sw.nextPid[i]!;
      if (traced.has(p)) {
        let r = runs.get(p);
        if (!r) runs.set(p, (r = new RunIntervals()));
        // A switch-out whose switch-in was not logged: it ran since the window start only if it
        // is the first thing seen of it (else the run is unknown; counting it from the start
        // would overlap earlier runs).
        const from = since.get(p) ?? (Number.isNaN(missingHost[i]!) ? (r.start.length === 0 ? startNs : NaN) : missingHost[i]!);
        if (!Number.isNaN(from)) r.add(from, ts);
        since.delete(p);
      }
      if (traced.has(n)) since.set(n, ts);
    }
    for (const [tid, s] of since) {
      let r = runs.get(tid);
      if (!r) runs.set(tid, (r = new RunIntervals()));
      r.add(s, endNs);
    }
  }

  const guests: GuestDemand[] = a.guests.map((g) => {
    const gs = a.scenario.guests.find((x) => x.name === g.name);
    const nv = Math.max(gs?.cpus ?? 0, g.vcpus.tids.size ? Math.max(...g.vcpus.tids.keys()) + 1 : 0, g.tables?.meta.cpuCount ?? 0);
    const vcpuTids: number[] = [];
    for (let i = 0; i < nv; i++) vcpuTids.push(g.vcpus.tids.get(i) ?? -(i + 1));
    const tcg = vcpuTids.some((tid) => /\/TCG$/.test(hm.names.get(tid) ?? threadName(host, tid)));
    const vcpuNames = vcpuTids.map((tid, i) => threadName(host, tid) || `CPU ${i}/${tcg ? 'TCG' : 'KVM'}`);
    // An RT vCPU thread in the capture was put there by the captured policy (static/dynamic):
    // its baseline for replay is SCHED_NORMAL.
    const vs = vcpuTids.map((tid) => {
      const p = firstPrio(host, tid) ?? 120;
      return p < 100 ? { policy: 'normal' as const, rtPrio: 0, nice: 0 } : schedFromPrio(p);
    });
    let tasks: DemandTask[] = [];
    let guestPlatform: PlatformCosts | undefined;
    let emulator: EmulatorRuns[] | undefined;
    if (!g.tables) {
      warnings.push(`guest ${g.name}: no guest trace; its vCPU threads replay their host-side behaviour only (no guest tasks, no timer causality)`);
    } else {
      const gm = collect(g.tables, new Set());
      const gi = new Map<number, number>();
      gm.tids.forEach((tid, i) => gi.set(tid, i));
      // Net of steal needs the guest placed on the host clock more precisely than a burst lasts.
      const precise = g.clock.uncertaintyNs <= 20_000;
      if (!precise)
        warnings.push(
          `guest ${g.name}: clock offset uncertainty ${(g.clock.uncertaintyNs / 1000).toFixed(0)} us is too large to subtract steal from guest bursts; using guest-side run times`,
        );
      const net = (cpu: number, x: number, y: number) => {
        const r = precise ? runs.get(vcpuTids[cpu] ?? -1) : undefined;
        return r ? r.ran(x, y) : y - x;
      };
      const gctx: BuildCtx = { index: gi, startNs, endNs, traceEndNs: g.tables.meta.endNs > 0 ? g.tables.meta.endNs : endNs, net, mono: monoToTrace(g.tables, gm, { offsetNs: g.clock.offsetNs, scale: g.clock.scale }), dropWakes: new Set(), timerGaps: [], wakeGaps: [], idleWakeGaps: [], timerWakes: [] };
      const probe = probes[g.name] ?? 'cyclictest';
      tasks = gm.tids.map((tid) => buildTask(tid, gm, gctx, 'observed', gm.names.get(tid) === probe));
      // Guest-side delays need the guest placed on the host clock precisely (as net of steal does).
      guestPlatform = { timerWakeNs: quantile(gctx.timerGaps!, 0.5), wakeSwitchNs: quantile(gctx.wakeGaps!, 0.1), samples: precise ? platformSamples({ idleWakeNs: gctx.idleWakeGaps! }) : {} };
      if (tcg && precise) {
        const gt = g.tables;
        emulator = vcpuTids.map((tid, cpu) => {
          const r = runs.get(tid);
          return r ? emulatorRuns(r.start, r.end, gt, cpu, gt.meta.startNs, gt.meta.endNs) : { atNs: new Float64Array(0), runNs: new Float64Array(0) };
        });
        const mainTid = qemuMainTid(hm.names, traced);
        if (mainTid > 0)
          Object.assign(guestPlatform.samples!, tcgDelays({ host, mainTid, vcpuTids, timerWakes: gctx.timerWakes!, ran: (tid, x, y) => runs.get(tid)?.ran(x, y) ?? 0 }));
      }
      if (gctx.mono.source === 'smallest timer latency')
        warnings.push(`guest ${g.name}: hrtimer expiries did not fit the aligned clock; shifted by the smallest observed timer latency (${((gctx.mono.offsetNs - g.clock.offsetNs) / 1e3).toFixed(0)} us)`);
    }
    const vcpuCpus = affinity === 'observed' ? vcpuTids.map((tid) => [...(observedCpus(host, tid))].sort((x, y) => x - y)) : undefined;
    return {
      name: g.name,
      vcpuTids,
      vcpuNames,
      vcpuSched: vs[0] ?? { policy: 'normal', rtPrio: 0, nice: 0 },
      ...(vcpuCpus && vcpuCpus.every((c) => c.length) ? { vcpuCpus } : {}),
      kernel: g.tables?.meta.kernelVersion ?? gs?.kernel ?? null,
      fair: null,
      hz: (g.tables && inferHz(g.tables)) ?? 250,
      idlePollNs:
        opts.guestIdlePollNs ??
        (g.tables
          ? // The gap needs a precise clock; the CPU balance does not (but it charges all of TCG's
            // overhead to the idle loop, which over-loads the host when the vCPUs are RT).
            g.clock.uncertaintyNs <= 20_000
            ? inferIdlePoll(host, g.tables, vcpuTids)
            : idlePollFromCpuBalance(host, g.tables, vcpuTids, startNs, endNs)
          : 0),
      accel: tcg ? 'tcg' : 'kvm',
      ...(guestPlatform ? { platform: guestPlatform } : {}),
      ...(emulator ? { emulatorRuns: emulator } : {}),
      tasks,
    } satisfies GuestDemand;
  });
  if (guests.some((g) => g.vcpuTids.some((t) => t < 0))) warnings.push('some vCPUs have no mapped host thread; they are simulated as new threads');
  return {
    name: a.name,
    startNs,
    durationNs: Math.max(0, endNs - startNs),
    host: { cpus: hostCpus, kernel: host.meta.kernelVersion ?? a.scenario.host.kernel ?? null, hz: inferHz(host) ?? 250, tasks: hostTasks, platform },
    guests,
    warnings: [...a.warnings, ...warnings],
  };
}

/**
 * How long the guest idle loop runs before its vCPU thread sleeps on the host: Infinity when the
 * vCPU threads never slept (idle=poll), else the median gap between the guest switching to idle
 * and its vCPU thread blocking (guest haltpoll; under KVM on an idle host this includes host halt
 * polling, which the engine models separately, so it is an upper bound).
 */
export function inferIdlePoll(host: TraceTables, guest: TraceTables, vcpuTids: number[]): number {
  const sleeps = new Map<number, number[]>();
  const want = new Set(vcpuTids);
  const sw = host.sched_switch.cols;
  for (let i = 0; i < host.sched_switch.length; i++) {
    const p = sw.prevPid[i]!;
    if (want.has(p) && !isRunnableState(sw.prevState[i]!)) {
      let l = sleeps.get(p);
      if (!l) sleeps.set(p, (l = []));
      l.push(sw.tsNs[i]!);
    }
  }
  if (sleeps.size === 0) return Infinity;
  const gaps: number[] = [];
  const g = guest.sched_switch.cols;
  const pos = new Map<number, number>();
  for (let i = 0; i < guest.sched_switch.length; i++) {
    if (g.nextPid[i] !== 0) continue;
    const tid = vcpuTids[g.cpu[i]!];
    const l = tid === undefined ? undefined : sleeps.get(tid);
    if (!l) continue;
    const ts = g.tsNs[i]!;
    let j = pos.get(tid!) ?? 0;
    while (j < l.length && l[j]! < ts) j++;
    pos.set(tid!, j);
    if (j < l.length && l[j]! - ts < 10_000_000) gaps.push(l[j]! - ts);
  }
  if (!gaps.length) return 0;
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1]!;
}

/**
 * The guest idle time its vCPU threads still spent on the host, per idle period, from CPU time
 * alone (robust to an imprecise guest clock): (host CPU of the vCPU threads - guest non-idle time)
 * / guest switches to idle. Infinity when the vCPU threads never blocked. Under TCG this also
 * carries the emulation overhead of the guest's idle and interrupt paths.
 */
export function idlePollFromCpuBalance(host: TraceTables, guest: TraceTables, vcpuTids: number[], fromNs: number, toNs: number): number {
  const want = new Set(vcpuTids);
  const sw = host.sched_switch.cols;
  const since = new Map<number, number>();
  let hostCpu = 0;
  let blocked = false;
  for (let i = 0; i < host.sched_switch.length; i++) {
    const ts = sw.tsNs[i]!;
    const p = sw.prevPid[i]!;
    const n = sw.nextPid[i]!;
    if (want.has(p)) {
      const s = since.get(p);
      if (s !== undefined) hostCpu += Math.max(0, Math.min(ts, toNs) - Math.max(s, fromNs));
      since.delete(p);
      if (!isRunnableState(sw.prevState[i]!)) blocked = true;
    }
    if (want.has(n)) since.set(n, ts);
  }
  if (!blocked) return Infinity;
  const g = guest.sched_switch.cols;
  const cur = new Map<number, [number, number]>(); // cpu -> [pid, since]
  let busy = 0;
  let idles = 0;
  for (let i = 0; i < guest.sched_switch.length; i++) {
    const ts = g.tsNs[i]!;
    if (ts < fromNs || ts > toNs) continue;
    const c = g.cpu[i]!;
    const prev = cur.get(c);
    if (prev && prev[0] !== 0) busy += ts - prev[1];
    cur.set(c, [g.nextPid[i]!, ts]);
    if (g.nextPid[i] === 0) idles++;
  }
  if (!idles) return 0;
  return Math.max(0, (hostCpu - busy) / idles);
}

/**
 * CONFIG_HZ from the tick: the median interval between a CPU's consecutive tick handler expiries
 * (tick_nohz_handler / tick_sched_timer), snapped to 100/250/300/1000; null when not traced.
 */
export function inferHz(t: TraceTables): number | null {
  const H = t.hrtimer.cols;
  const fns = new Set<number>();
  t.strings.forEach((s, id) => {
    if (s === 'tick_nohz_handler' || s === 'tick_sched_timer') fns.add(id);
  });
  if (!fns.size) return null;
  const last = new Map<number, number>();
  const gaps: number[] = [];
  for (let i = 0; i < t.hrtimer.length; i++) {
    if (H.kind[i] !== HrtimerKind.EXPIRE_ENTRY || !fns.has(H.function[i]!)) continue;
    const c = H.cpu[i]!;
    const prev = last.get(c);
    if (prev !== undefined) gaps.push(H.tsNs[i]! - prev);
    last.set(c, H.tsNs[i]!);
  }
  if (gaps.length < 10) return null;
  const med = quantile(gaps, 0.5);
  let best: number | null = null;
  for (const hz of [100, 250, 300, 1000]) if (best === null || Math.abs(1e9 / hz - med) < Math.abs(1e9 / best - med)) best = hz;
  return best;
}

function quantile(xs: number[], q: number): number {
  if (!xs.length) return 0;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function threadName(t: TraceTables, tid: number): string {
  const th = t.threads.cols;
  for (let i = t.threads.length - 1; i >= 0; i--) if (th.tid[i] === tid) return t.strings[th.comm[i]!] ?? '';
  return '';
}

function firstPrio(t: TraceTables, tid: number): number | null {
  const sw = t.sched_switch.cols;
  for (let i = 0; i < t.sched_switch.length; i++) {
    if (sw.nextPid[i] === tid) return sw.nextPrio[i]!;
    if (sw.prevPid[i] === tid) return sw.prevPrio[i]!;
  }
  return null;
}

function observedCpus(t: TraceTables, tid: number): Set<number> {
  const s = new Set<number>();
  const sw = t.sched_switch.cols;
  for (let i = 0; i < t.sched_switch.length; i++) if (sw.nextPid[i] === tid) s.add(sw.cpu[i]!);
  return s;
}
