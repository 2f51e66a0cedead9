import { HrtimerKind, WakeupKind, type TraceTables } from '../tables/index.js';

// Activations of a probe task, from the trace alone. A timer-driven task (cyclictest) arms an
// hrtimer in its own context (hrtimer_start with pid = the task; `softexpires` is the programmed
// expiry, CLOCK_MONOTONIC of that machine), is woken, and switched in: latency = switch-in minus
// the programmed expiry, which is what cyclictest computes as now - next. A task woken without a
// timer of its own gets wakeup -> switch-in latency.

export interface Activations {
  tid: Int32Array;
  /** Programmed expiry (timer mode) or wakeup time (wakeup mode), trace clock ns. */
  startNs: Float64Array;
  /** When the task ran again: switch-in, or the wakeup when it never left the CPU. */
  runNs: Float64Array;
  /** Wakeup time (trace clock); equal to runNs when no wakeup was seen. */
  wakeNs: Float64Array;
  /** CPU the timer was armed on (-1 in wakeup mode) and CPU the task ran on. */
  timerCpu: Int32Array;
  runCpu: Int32Array;
  length: number;
}

export interface ActivationOptions {
  /** Map a CLOCK_MONOTONIC value of this machine to its trace clock: trace = mono * scale + offsetNs. */
  monoToTrace: { offsetNs: number; scale: number };
  /** 'timer' needs hrtimer_start in the task's context; 'wakeup' uses wakeup -> switch-in. */
  mode: 'timer' | 'wakeup';
  /** Only count timers armed in this mode family ('ABS' for clock_nanosleep(TIMER_ABSTIME)); null = any. */
  timerMode: 'ABS' | 'REL' | null;
}

/** Which of the tids arm ABS / REL hrtimers in their own context. */
export function timerModesOf(t: TraceTables, tids: ReadonlySet<number>): { abs: Set<number>; rel: Set<number> } {
  const abs = new Set<number>();
  const rel = new Set<number>();
  const H = t.hrtimer.cols;
  for (let i = 0; i < t.hrtimer.length; i++) {
    if (H.kind[i] !== HrtimerKind.START || !tids.has(H.pid[i]!)) continue;
    const mode = H.mode[i]! >= 0 ? t.strings[H.mode[i]!]! : '';
    (mode.startsWith('ABS') ? abs : rel).add(H.pid[i]!);
  }
  return { abs, rel };
}

// Per-tid state while walking the merged event stream.
interface Pending {
  expiry: number;
  armCpu: number;
  timer: number;
  wake: number;
  wakeCpu: number;
  fired: boolean;
}

/** Walk hrtimer, wakeup and switch events in (ts, seq) order and emit one row per activation. */
export function findActivations(t: TraceTables, tids: ReadonlySet<number>, o: ActivationOptions): Activations {
  const rows = { tid: [] as number[], start: [] as number[], run: [] as number[], wake: [] as number[], tcpu: [] as number[], rcpu: [] as number[] };
  const emit = (tid: number, start: number, run: number, wake: number, tcpu: number, rcpu: number) => {
    rows.tid.push(tid);
    rows.start.push(start);
    rows.run.push(run);
    rows.wake.push(wake);
    rows.tcpu.push(tcpu);
    rows.rcpu.push(rcpu);
  };
  const H = t.hrtimer.cols;
  const W = t.sched_wakeup.cols;
  const S = t.sched_switch.cols;
  const pending = new Map<number, Pending>();
  const waitingSince = new Map<number, { ts: number; cpu: number }>(); // wakeup mode
  const running = new Set<number>();
  const timerOwner = new Map<number, number>(); // hrtimer address id -> tid
  const sleeperFn = new Set<number>();
  t.strings.forEach((s, id) => {
    if (s === 'hrtimer_wakeup') sleeperFn.add(id);
  });
  const { offsetNs, scale } = o.monoToTrace;
  let h = 0, w = 0, s = 0;
  const nH = t.hrtimer.length, nW = t.sched_wakeup.length, nS = t.sched_switch.length;
  // (ts, seq) order across the three tables; seq is the reader's arrival order and breaks ts ties.
  const before = (ta: number, qa: number, tb: number, qb: number) => ta < tb || (ta === tb && qa <= qb);
  while (h < nH || w < nW || s < nS) {
    const th = h < nH ? H.tsNs[h]! : Infinity, qh = h < nH ? H.seq[h]! : 0;
    const tw = w < nW ? W.tsNs[w]! : Infinity, qw = w < nW ? W.seq[w]! : 0;
    const tsw = s < nS ? S.tsNs[s]! : Infinity, qs = s < nS ? S.seq[s]! : 0;
    const takeH = h < nH && before(th, qh, tw, qw) && before(th, qh, tsw, qs);
    const takeW = !takeH && w < nW && before(tw, qw, tsw, qs);
    if (takeH) {
      const i = h++;
      const kind = H.kind[i]!;
      if (kind === HrtimerKind.START) {
        const tid = H.pid[i]!;
        if (o.mode !== 'timer' || !tids.has(tid) || H.softexpiresNs[i]! < 0) continue;
        const fn = H.function[i]!;
        if (fn >= 0 && sleeperFn.size && !sleeperFn.has(fn)) continue;
        const mode = H.mode[i]! >= 0 ? t.strings[H.mode[i]!]! : '';
        if (o.timerMode && !mode.startsWith(o.timerMode)) continue;
        const prev = pending.get(tid);
        // Re-armed while the previous sleep ended without leaving the CPU: it ran at its wakeup.
        if (prev && prev.wake >= 0) emit(tid, prev.expiry, prev.wake, prev.wake, prev.armCpu, prev.wakeCpu);
        pending.set(tid, { expiry: Math.round(H.softexpiresNs[i]! * scale + offsetNs), armCpu: H.cpu[i]!, timer: H.hrtimer[i]!, wake: -1, wakeCpu: -1, fired: false });
        timerOwner.set(H.hrtimer[i]!, tid);
      } else if (kind === HrtimerKind.CANCEL) {
        const tid = timerOwner.get(H.hrtimer[i]!);
        const p = tid === undefined ? undefined : pending.get(tid);
        // Cancelled while still queued: the sleep was interrupted (signal), not an activation.
        if (p && p.timer === H.hrtimer[i] && !p.fired && p.wake < 0) pending.delete(tid!);
      } else if (kind === HrtimerKind.EXPIRE_ENTRY) {
        const tid = timerOwner.get(H.hrtimer[i]!);
        const p = tid === undefined ? undefined : pending.get(tid);
        if (p && p.timer === H.hrtimer[i]) p.fired = true;
      }
    } else if (takeW) {
      const i = w++;
      const tid = W.tid[i]!;
      if (!tids.has(tid)) continue;
      if (o.mode === 'timer') {
        const p = pending.get(tid);
        if (p && p.wake < 0) {
          p.wake = W.tsNs[i]!;
          p.wakeCpu = W.kind[i] === WakeupKind.WAKING ? W.cpu[i]! : W.targetCpu[i]!;
        }
      } else if (!running.has(tid) && !waitingSince.has(tid)) {
        waitingSince.set(tid, { ts: W.tsNs[i]!, cpu: W.targetCpu[i]! });
      }
    } else {
      const i = s++;
      const prev = S.prevPid[i]!;
      const next = S.nextPid[i]!;
      if (tids.has(prev)) running.delete(prev);
      if (!tids.has(next)) continue;
      running.add(next);
      if (o.mode === 'timer') {
        const p = pending.get(next);
        // Back on the CPU before its timer expired or fired: a signal ended the sleep early.
        if (p && !p.fired && S.tsNs[i]! < p.expiry) pending.delete(next);
        else if (p && (p.wake >= 0 || p.fired)) {
          const wake = p.wake >= 0 ? p.wake : S.tsNs[i]!;
          emit(next, p.expiry, S.tsNs[i]!, wake, p.armCpu, S.cpu[i]!);
          pending.delete(next);
        }
      } else {
        const ws = waitingSince.get(next);
        if (ws) {
          emit(next, ws.ts, S.tsNs[i]!, ws.ts, -1, S.cpu[i]!);
          waitingSince.delete(next);
        }
      }
    }
  }
  for (const [tid, p] of pending) if (p.wake >= 0 && running.has(tid)) emit(tid, p.expiry, p.wake, p.wake, p.armCpu, p.wakeCpu);
  // Rows were emitted in run order per tid; present them in start order overall.
  const n = rows.tid.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rows.start[a]! - rows.start[b]! || rows.tid[a]! - rows.tid[b]!);
  const pick = <A extends Float64Array | Int32Array>(C: { new (n: number): A }, src: number[]) => {
    const a = new C(n);
    for (let i = 0; i < n; i++) a[i] = src[order[i]!]!;
    return a;
  };
  return {
    tid: pick(Int32Array, rows.tid),
    startNs: pick(Float64Array, rows.start),
    runNs: pick(Float64Array, rows.run),
    wakeNs: pick(Float64Array, rows.wake),
    timerCpu: pick(Int32Array, rows.tcpu),
    runCpu: pick(Int32Array, rows.rcpu),
    length: n,
  };
}

/**
 * How this machine's CLOCK_MONOTONIC maps to its trace clock, from hrtimer_expire_entry: its `now`
 * is read in hrtimer_interrupt just before the event is stamped, so trace - now is at least the
 * clock offset, and its minimum is the offset plus under a µs. `now` is in the timer's own clock
 * base, so only the probe's own timers (same base as the expiries being mapped) are used, else the
 * tick timer (always CLOCK_MONOTONIC); values far below the median (a CLOCK_REALTIME timer's
 * `now`) are ignored. Returns null when there is nothing to go on.
 */
export function minTraceMinusMono(t: TraceTables, base: { offsetNs: number; scale: number }, probeTids?: ReadonlySet<number>): number | null {
  const H = t.hrtimer.cols;
  const own = new Set<number>();
  if (probeTids) for (let i = 0; i < t.hrtimer.length; i++) if (H.kind[i] === HrtimerKind.START && probeTids.has(H.pid[i]!)) own.add(H.hrtimer[i]!);
  const tick = new Set<number>();
  t.strings.forEach((s, id) => {
    if (s === 'tick_nohz_handler' || s === 'tick_sched_timer') tick.add(id);
  });
  const collect = (pick: (i: number) => boolean): number[] => {
    const d: number[] = [];
    for (let i = 0; i < t.hrtimer.length; i++) {
      if (H.kind[i] !== HrtimerKind.EXPIRE_ENTRY || H.nowNs[i]! < 0 || !pick(i)) continue;
      d.push(H.tsNs[i]! - (H.nowNs[i]! * base.scale + base.offsetNs));
    }
    return d;
  };
  let d = own.size ? collect((i) => own.has(H.hrtimer[i]!)) : [];
  if (!d.length) d = collect((i) => tick.has(H.function[i]!));
  if (!d.length) d = collect(() => true);
  if (!d.length) return null;
  const sorted = Float64Array.from(d).sort();
  const median = sorted[sorted.length >> 1]!;
  for (let i = 0; i < sorted.length; i++) if (sorted[i]! >= median - 1e6) return sorted[i]!;
  return median;
}
