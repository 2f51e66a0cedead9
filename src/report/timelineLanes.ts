import { isRunnableState, type TraceTables } from '../tables/index.js';
import { latestComms } from '../metrics/hostImpact.js';

// Lanes for the KVM combo view: each guest CPU above the host lane of its vCPU thread, cut to a
// time window. Pure functions over the sched tables.

export type SpanState = 'task' | 'probe' | 'running' | 'boosted' | 'steal' | 'halted';

export interface Span {
  startNs: number;
  endNs: number;
  state: SpanState;
  /** Task name (guest lanes) or host CPU (vCPU lanes); trace-derived, escape before display. */
  label: string;
}

export interface Lane {
  name: string;
  spans: Span[];
}

export interface Window {
  startNs: number;
  endNs: number;
}

function clipPush(out: Span[], w: Window, s: Span): void {
  const a = Math.max(s.startNs, w.startNs);
  const b = Math.min(s.endNs, w.endNs);
  if (b > a) out.push({ ...s, startNs: a, endNs: b });
}

/** What ran on one guest CPU: a span per non-idle task; the probe's own spans marked as such. */
export function guestCpuSpans(guest: TraceTables, cpu: number, w: Window, probeTids: ReadonlySet<number>): Span[] {
  const sw = guest.sched_switch;
  const { tsNs, nextPid, nextComm } = sw.cols;
  const out: Span[] = [];
  let cur: { pid: number; comm: string; since: number } | null = null;
  for (let i = 0; i < sw.length; i++) {
    if (sw.cols.cpu[i] !== cpu) continue;
    const t = tsNs[i]!;
    if (cur && cur.pid !== 0) clipPush(out, w, { startNs: cur.since, endNs: t, state: probeTids.has(cur.pid) ? 'probe' : 'task', label: `${cur.comm} (${cur.pid})` });
    if (t > w.endNs) return out;
    cur = { pid: nextPid[i]!, comm: guest.strings[nextComm[i]!] ?? '?', since: t };
  }
  if (cur && cur.pid !== 0) clipPush(out, w, { startNs: cur.since, endNs: guest.meta.endNs, state: probeTids.has(cur.pid) ? 'probe' : 'task', label: `${cur.comm} (${cur.pid})` });
  return out;
}

/**
 * Host-side states of one vCPU thread: running (boosted when at an RT priority, prio < 100),
 * steal (runnable: woken or preempted, waiting for a host CPU) and halted (blocked: the guest
 * idles in HLT). Before the thread's first event its state is unknown and has no span.
 */
export function vcpuThreadSpans(host: TraceTables, tid: number, w: Window): Span[] {
  const sw = host.sched_switch;
  const wk = host.sched_wakeup;
  const out: Span[] = [];
  let state: SpanState | null = null;
  let label = '';
  let since = 0;
  const to = (t: number, next: SpanState, nextLabel: string) => {
    if (state !== null && (state !== next || label !== nextLabel)) clipPush(out, w, { startNs: since, endNs: t, state, label });
    if (state !== next || label !== nextLabel) since = t;
    state = next;
    label = nextLabel;
  };
  let i = 0;
  let j = 0;
  while (i < sw.length || j < wk.length) {
    // Merge the two time-sorted tables; a wakeup at the same instant as a switch comes first.
    const takeWake = j < wk.length && (i >= sw.length || wk.cols.tsNs[j]! <= sw.cols.tsNs[i]!);
    const t = takeWake ? wk.cols.tsNs[j]! : sw.cols.tsNs[i]!;
    if (t > w.endNs) break;
    if (takeWake) {
      if (wk.cols.tid[j] === tid && state !== 'running' && state !== 'boosted' && state !== 'steal') to(t, 'steal', 'woken, waiting for a host CPU');
      j++;
      continue;
    }
    if (sw.cols.nextPid[i] === tid) to(t, sw.cols.nextPrio[i]! < 100 ? 'boosted' : 'running', `host CPU ${sw.cols.cpu[i]}`);
    else if (sw.cols.prevPid[i] === tid) {
      // Name who took the CPU: that is what the guest waits for during steal.
      const by = `preempted by ${host.strings[sw.cols.nextComm[i]!] ?? '?'} (${sw.cols.nextPid[i]}) on host CPU ${sw.cols.cpu[i]}`;
      if (isRunnableState(sw.cols.prevState[i]!)) to(t, 'steal', by);
      else to(t, 'halted', '');
    }
    i++;
  }
  if (state !== null) clipPush(out, w, { startNs: since, endNs: Math.min(w.endNs, host.meta.endNs), state, label });
  return out;
}

export interface RunSchedule {
  run: string;
  host: TraceTables;
  guests: Array<{ name: string; tables: TraceTables | null; vcpus: ReadonlyMap<number, number>; probeTids: ReadonlySet<number> }>;
}

/** Lanes of one run: per guest CPU, the guest lane then its vCPU thread's host lane. */
export function comboLanes(s: RunSchedule, w: Window): Lane[] {
  const lanes: Lane[] = [];
  const hostComms = latestComms(s.host);
  for (const g of s.guests) {
    for (const [cpu, tid] of [...g.vcpus].sort((a, b) => a[0] - b[0])) {
      if (g.tables) lanes.push({ name: `${s.run} · ${g.name} CPU ${cpu}`, spans: guestCpuSpans(g.tables, cpu, w, g.probeTids) });
      lanes.push({ name: `${s.run} · host ${hostComms.get(tid) ?? 'vCPU'} (${tid})`, spans: vcpuThreadSpans(s.host, tid, w) });
    }
  }
  return lanes;
}
