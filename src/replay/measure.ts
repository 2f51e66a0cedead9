// Timer-probe latency from trace tables: for each hrtimer_start of the probe task (softexpires =
// the intended wake time), latency = the task's next switch-in - softexpires. Works on replayed
// and on ingested traces alike (guest tables must already be on the host clock).
import type { TraceTables } from '../tables/index.js';
import { HrtimerKind } from '../tables/schema.js';
import type { LatencyStats } from '../metrics/types.js';

export interface ProbeSamples {
  tids: number[];
  activationTsNs: Float64Array;
  latencyNs: Float64Array;
}

/** tids of threads whose comm equals `name` (or starts with it, for truncated comms). */
export function tidsByName(t: TraceTables, name: string): number[] {
  const out = new Set<number>();
  const th = t.threads;
  for (let i = 0; i < th.length; i++) {
    const c = t.strings[th.cols.comm[i]!] ?? '';
    if (c === name || (c.length >= 15 && name.startsWith(c))) out.add(th.cols.tid[i]!);
  }
  return [...out].sort((a, b) => a - b);
}

export function probeSamples(t: TraceTables, tids: number[], fromNs = -Infinity, toNs = Infinity): ProbeSamples {
  const want = new Set(tids);
  // switch-in times per tid, in time order
  const ins = new Map<number, number[]>();
  const sw = t.sched_switch;
  for (let i = 0; i < sw.length; i++) {
    const p = sw.cols.nextPid[i]!;
    if (!want.has(p)) continue;
    let a = ins.get(p);
    if (!a) ins.set(p, (a = []));
    a.push(sw.cols.tsNs[i]!);
  }
  for (const a of ins.values()) a.sort((x, y) => x - y);
  const act: number[] = [];
  const lat: number[] = [];
  const hr = t.hrtimer;
  const pos = new Map<number, number>();
  // hrtimer rows sorted by time for the probe tids
  const idx: number[] = [];
  for (let i = 0; i < hr.length; i++) if (hr.cols.kind[i] === HrtimerKind.START && want.has(hr.cols.pid[i]!)) idx.push(i);
  idx.sort((a, b) => hr.cols.tsNs[a]! - hr.cols.tsNs[b]! || a - b);
  for (const i of idx) {
    const pid = hr.cols.pid[i]!;
    const soft = hr.cols.softexpiresNs[i]!;
    if (soft < fromNs || soft > toNs || soft < 0) continue;
    const a = ins.get(pid);
    if (!a) continue;
    let j = pos.get(pid) ?? 0;
    const armed = hr.cols.tsNs[i]!;
    while (j < a.length && a[j]! <= armed) j++;
    pos.set(pid, j);
    if (j >= a.length) continue;
    act.push(soft);
    lat.push(Math.max(0, a[j]! - soft));
  }
  return { tids: [...want], activationTsNs: Float64Array.from(act), latencyNs: Float64Array.from(lat) };
}

export function latencyStats(latNs: Float64Array): LatencyStats {
  const n = latNs.length;
  if (!n) return { count: 0, minUs: NaN, avgUs: NaN, p50Us: NaN, p99Us: NaN, p999Us: NaN, maxUs: NaN };
  const s = Float64Array.from(latNs).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i]!;
  const q = (p: number) => s[Math.min(n - 1, Math.ceil(p * n) - 1)]! / 1000;
  return { count: n, minUs: s[0]! / 1000, avgUs: sum / n / 1000, p50Us: q(0.5), p99Us: q(0.99), p999Us: q(0.999), maxUs: s[n - 1]! / 1000 };
}
