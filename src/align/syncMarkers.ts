import type { TraceTables } from '../tables/index.js';
import type { ClockAlignment } from './types.js';

// Paired round-trip sync markers (traces/capture/guest-init.sh): the host writes a host marker,
// sends "S <tag> <seq>" to the guest, the guest writes
//   vcpu-replay-sync guest tag=<tag> seq=<seq>
// and answers, the host writes a second host marker. Any host marker text of the form
//   vcpu-replay-sync <role> tag=<tag> seq=<seq>
// with a role other than "guest" counts; the earliest and latest host markers of a (tag, seq)
// bracket the guest's. Each round bounds the offset to [h1 - g, h2 - g].

const SYNC_RE = /vcpu-replay-sync\s+(\S+)\s+tag=(\S+)\s+seq=(\d+)/;

export interface SyncRound {
  key: string;
  guestNs: number;
  /** Offset bounds: hostNs - guestNs lies in [loNs, hiNs]. */
  loNs: number;
  hiNs: number;
}

function markerTimes(t: TraceTables, guestSide: boolean): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const M = t.markers.cols;
  for (let i = 0; i < t.markers.length; i++) {
    const text = M.text[i]!;
    if (!text.includes('vcpu-replay-sync')) continue;
    const m = SYNC_RE.exec(text);
    if (!m) continue;
    if ((m[1] === 'guest') !== guestSide) continue;
    const key = `${m[2]}/${m[3]}`;
    let a = out.get(key);
    if (!a) out.set(key, (a = []));
    a.push(M.tsNs[i]!);
  }
  return out;
}

/** Complete rounds found in both traces, in guest time order. */
export function syncRounds(host: TraceTables, guest: TraceTables): SyncRound[] {
  const h = markerTimes(host, false);
  const g = markerTimes(guest, true);
  const rounds: SyncRound[] = [];
  for (const [key, gs] of g) {
    const hs = h.get(key);
    if (!hs || hs.length < 2 || gs.length !== 1) continue;
    const h1 = Math.min(...hs);
    const h2 = Math.max(...hs);
    rounds.push({ key, guestNs: gs[0]!, loNs: h1 - gs[0]!, hiNs: h2 - gs[0]! });
  }
  return rounds.sort((a, b) => a.guestNs - b.guestNs);
}

/** Rounds spanning less than this cannot show a rate difference worth fitting. */
const MIN_SPAN_FOR_SCALE_NS = 2e9;

/**
 * Offset (and rate, when rounds span the trace) from sync rounds. With a constant offset, the
 * answer is the intersection of all rounds' bounds; when that is empty the clocks drift, and a
 * line through the tightest rounds' midpoints gives scale and offset.
 */
export function clockFromSyncRounds(rounds: SyncRound[]): (ClockAlignment & { rounds: number }) | null {
  if (!rounds.length) return null;
  let lo = -Infinity;
  let hi = Infinity;
  for (const r of rounds) {
    lo = Math.max(lo, r.loNs);
    hi = Math.min(hi, r.hiNs);
  }
  if (lo <= hi) return { offsetNs: Math.round((lo + hi) / 2), scale: 1, uncertaintyNs: Math.round((hi - lo) / 2), source: 'sync-markers', rounds: rounds.length };
  // Keep the tighter half of the rounds: round trips delayed by the host or guest scheduler carry little.
  const widths = rounds.map((r) => r.hiNs - r.loNs).sort((a, b) => a - b);
  const cut = widths[Math.floor((widths.length - 1) / 2)]!;
  const best = rounds.filter((r) => r.hiNs - r.loNs <= cut);
  const span = best[best.length - 1]!.guestNs - best[0]!.guestNs;
  if (best.length < 2 || span < MIN_SPAN_FOR_SCALE_NS) {
    const r = best.reduce((a, b) => (b.hiNs - b.loNs < a.hiNs - a.loNs ? b : a));
    return { offsetNs: Math.round((r.loNs + r.hiNs) / 2), scale: 1, uncertaintyNs: Math.round((r.hiNs - r.loNs) / 2), source: 'sync-markers', rounds: rounds.length };
  }
  // Weighted least squares of mid offset against guest time; hostNs = g*(1+b) + a.
  let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  const x0 = best[0]!.guestNs;
  for (const r of best) {
    const w = 1 / Math.max(1, (r.hiNs - r.loNs) / 2) ** 2;
    const x = r.guestNs - x0;
    const y = (r.loNs + r.hiNs) / 2;
    sw += w; sx += w * x; sy += w * y; sxx += w * x * x; sxy += w * x * y;
  }
  const b = (sw * sxy - sx * sy) / (sw * sxx - sx * sx);
  const a = (sy - b * sx) / sw - b * x0;
  let worst = 0;
  for (const r of best) {
    const pred = a + b * r.guestNs;
    worst = Math.max(worst, r.loNs - pred, pred - r.hiNs, 0);
  }
  const halfMin = widths[0]! / 2;
  return { offsetNs: Math.round(a), scale: 1 + b, uncertaintyNs: Math.round(halfMin + worst), source: 'sync-markers', rounds: rounds.length };
}
