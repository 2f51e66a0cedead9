// Host<->guest clock mapping from sync round trips recorded as trace markers in both traces:
//   host:  "vcpu-replay-sync host-send tag=T seq=K"  (before the host sends K to the guest)
//   guest: "vcpu-replay-sync guest tag=T seq=K"      (when the guest received K)
//   host:  "vcpu-replay-sync host-recv tag=T seq=K"  (after the guest's echo came back)
// Causality bounds the guest event's host time to [send, recv], so every round bounds the offset
// (hostNs = guestNs + offsetNs); intersecting the rounds of a phase gives a tight interval.
import type { ClockMapping } from '../../../src/scenario/types.js';

export type SyncRole = 'host-send' | 'host-recv' | 'guest';
export interface SyncMarker {
  role: SyncRole;
  tag: string;
  seq: number;
  tsNs: number;
}

const MARKER_RE = /\s(\d+)\.(\d{6,9}):\s+(?:tracing_mark_write|print):\s+(?:[^:]*:\s*)?vcpu-replay-sync (host-send|host-recv|guest) tag=(\w+) seq=(\d+)/;

/** Sync markers of one ftrace text line, or undefined. Timestamps are `sec.frac` text (µs or ns). */
export function parseSyncMarker(line: string): SyncMarker | undefined {
  if (!line.includes('vcpu-replay-sync')) return undefined;
  const m = MARKER_RE.exec(line);
  if (!m) return undefined;
  const frac = m[2];
  const tsNs = Number(m[1]) * 1e9 + Number(frac) * 10 ** (9 - frac.length);
  return { role: m[3] as SyncRole, tag: m[4], seq: Number(m[5]), tsNs };
}

export interface SyncRound {
  tag: string;
  seq: number;
  sendNs: number;
  recvNs: number;
  guestNs: number;
}

/** Pairs host send/recv and guest markers by (tag, seq); rounds missing a side are dropped. */
export function pairRounds(host: SyncMarker[], guest: SyncMarker[]): SyncRound[] {
  const key = (m: SyncMarker): string => `${m.tag}#${m.seq}`;
  const send = new Map<string, number>();
  const recv = new Map<string, number>();
  for (const m of host) (m.role === 'host-send' ? send : m.role === 'host-recv' ? recv : new Map()).set(key(m), m.tsNs);
  const rounds: SyncRound[] = [];
  for (const g of guest) {
    if (g.role !== 'guest') continue;
    const k = key(g);
    const s = send.get(k);
    const r = recv.get(k);
    if (s === undefined || r === undefined || r < s) continue;
    rounds.push({ tag: g.tag, seq: g.seq, sendNs: s, recvNs: r, guestNs: g.tsNs });
  }
  return rounds.sort((a, b) => a.sendNs - b.sendNs);
}

export interface PhaseEstimate {
  tag: string;
  rounds: number;
  offsetNs: number;
  uncertaintyNs: number;
  /** Guest time of the phase (median guest marker), for the rate estimate. */
  guestMidNs: number;
  /** Shortest round trip, ns. */
  bestRoundTripNs: number;
  /** True when the rounds' offset intervals had a common intersection. */
  consistent: boolean;
}

/**
 * Offset interval of one phase. `resolutionNs` widens each bound for timestamps that were truncated
 * (ftrace text prints µs).
 */
export function estimatePhase(rounds: SyncRound[], resolutionNs: number): PhaseEstimate {
  if (rounds.length === 0) throw new Error('no sync rounds');
  let lo = -Infinity;
  let hi = Infinity;
  let best = rounds[0];
  for (const r of rounds) {
    lo = Math.max(lo, r.sendNs - r.guestNs - resolutionNs);
    hi = Math.min(hi, r.recvNs - r.guestNs + resolutionNs);
    if (r.recvNs - r.sendNs < best.recvNs - best.sendNs) best = r;
  }
  const guestSorted = rounds.map((r) => r.guestNs).sort((a, b) => a - b);
  const base = { tag: rounds[0].tag, rounds: rounds.length, guestMidNs: guestSorted[guestSorted.length >> 1], bestRoundTripNs: best.recvNs - best.sendNs };
  if (lo <= hi) return { ...base, offsetNs: Math.round((lo + hi) / 2), uncertaintyNs: Math.ceil((hi - lo) / 2), consistent: true };
  // Rounds disagree (clock rate differs within the phase): fall back to the tightest single round.
  return {
    ...base,
    offsetNs: Math.round((best.sendNs + best.recvNs) / 2 - best.guestNs),
    uncertaintyNs: Math.ceil((best.recvNs - best.sendNs) / 2 + resolutionNs),
    consistent: false,
  };
}

export interface ClockEstimate {
  clock: ClockMapping;
  phases: PhaseEstimate[];
  /** post offset - pre offset, ns (0 with one phase). */
  driftNs: number;
}

/**
 * One mapping for the whole capture. If the phases' intervals overlap, a pure offset; otherwise a
 * rate (scale) through the two phase midpoints, so hostNs = guestNs * scale + offsetNs.
 */
export function estimateClock(rounds: SyncRound[], resolutionNs = 1000): ClockEstimate {
  const tags = [...new Set(rounds.map((r) => r.tag))];
  const phases = tags.map((t) => estimatePhase(rounds.filter((r) => r.tag === t), resolutionNs));
  if (phases.length === 0) throw new Error('no sync rounds found in the traces');
  const first = phases[0];
  const last = phases[phases.length - 1];
  const driftNs = last.offsetNs - first.offsetNs;
  if (phases.length === 1 || Math.abs(driftNs) <= first.uncertaintyNs + last.uncertaintyNs) {
    let lo = -Infinity;
    let hi = Infinity;
    for (const p of phases) {
      lo = Math.max(lo, p.offsetNs - p.uncertaintyNs);
      hi = Math.min(hi, p.offsetNs + p.uncertaintyNs);
    }
    return { clock: { offsetNs: Math.round((lo + hi) / 2), uncertaintyNs: Math.ceil(Math.max(0, hi - lo) / 2), source: 'sync-markers' }, phases, driftNs };
  }
  const h0 = first.guestMidNs + first.offsetNs;
  const h1 = last.guestMidNs + last.offsetNs;
  const scale = (h1 - h0) / (last.guestMidNs - first.guestMidNs);
  const offsetNs = Math.round(h0 - first.guestMidNs * scale);
  return {
    clock: { offsetNs, scale, uncertaintyNs: Math.max(first.uncertaintyNs, last.uncertaintyNs), source: 'sync-markers' },
    phases,
    driftNs,
  };
}
