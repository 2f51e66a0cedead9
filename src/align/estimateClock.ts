import { EVENT_TABLES, type TraceTables } from '../tables/index.js';
import type { IntervalSet } from '../timeline/intervals.js';
import { lastStartingBefore } from '../timeline/intervals.js';
import type { ClockAlignment } from './types.js';
import { AlignError } from './errors.js';
import { fft, nextPow2 } from './fft.js';
import { lowerBound } from '../tables/sortedSearch.js';

// Clock offset from the traces alone. A guest CPU executes (and so emits trace events) only while
// the host runs its vCPU thread, so the right offset puts every guest event of CPU c inside a host
// running interval of vCPU c's thread. A coarse FFT cross-correlation of binned guest activity
// against binned host running/not-running finds candidate offsets over the whole overlap range; an
// exact sweep around each finds the offset range that contains the most events (the "plateau").
// Its centre is the estimate and its half width the uncertainty. The rate (scale) comes from
// fitting the offsets found in separate quarters of the guest trace.

export interface VcpuEvidence {
  /** Guest event times on this CPU (guest clock), sorted. */
  guestNs: Float64Array;
  /** Host running intervals of the vCPU thread, and the span in which its state is known. */
  running: IntervalSet;
  knownFromNs: number;
  knownToNs: number;
}

export interface ClockEstimate extends ClockAlignment {
  /** Events inside host running intervals at the estimate / events considered. */
  contained: number;
  considered: number;
}

const MAX_EVENTS = 400_000;
const MAX_BINS = 1 << 20;
const WINDOWS = 32;
/** Events used to rank candidate offsets, and per window for the rate. */
const SAMPLE_EVENTS = 30_000;
const WINDOW_EVENTS = 3_000;

/** Every guest event time per guest CPU, sorted; subsampled evenly past MAX_EVENTS in all. */
export function guestEventTimesByCpu(guest: TraceTables, cpus: Iterable<number>): Map<number, Float64Array> {
  const want = new Set(cpus);
  const parts = new Map<number, number[]>();
  for (const c of want) parts.set(c, []);
  for (const spec of EVENT_TABLES) {
    const tab = guest[spec.name] as unknown as { length: number; cols: { tsNs: Float64Array; cpu: Int32Array } };
    for (let i = 0; i < tab.length; i++) parts.get(tab.cols.cpu[i]!)?.push(tab.cols.tsNs[i]!);
  }
  let total = 0;
  for (const p of parts.values()) total += p.length;
  const stride = Math.max(1, Math.ceil(total / MAX_EVENTS));
  const out = new Map<number, Float64Array>();
  for (const [c, p] of parts) {
    const a = Float64Array.from(p).sort();
    out.set(c, stride === 1 ? a : a.filter((_, i) => i % stride === 0));
  }
  return out;
}

/** Coarse candidates: offsets (ns) of the best cross-correlation peaks. */
export function coarseCandidates(ev: VcpuEvidence[], binNs: number, hostLo: number, hostHi: number, guestLo: number, guestHi: number, keep: number): number[] {
  const hn = Math.ceil((hostHi - hostLo) / binNs) + 1;
  const gn = Math.ceil((guestHi - guestLo) / binNs) + 1;
  const n = nextPow2(hn + gn);
  const accRe = new Float64Array(n);
  const accIm = new Float64Array(n);
  const gr = new Float64Array(n), gi = new Float64Array(n), hr = new Float64Array(n), hi = new Float64Array(n);
  for (const e of ev) {
    gr.fill(0); gi.fill(0); hr.fill(0); hi.fill(0);
    for (let i = 0; i < e.guestNs.length; i++) {
      const b = Math.floor((e.guestNs[i]! - guestLo) / binNs);
      if (gr[b]! < 4) gr[b]!++; // cap: a burst of events is one piece of evidence
    }
    // 1 where the thread runs at all in the bin. No penalty for "not running": a drifting guest
    // clock (a rate error of 100 ppm is 1 ms over 10 s) must still peak at roughly the right lag.
    const { startNs, endNs } = e.running;
    for (let i = 0; i < startNs.length; i++) {
      const b0 = Math.max(0, Math.floor((startNs[i]! - hostLo) / binNs));
      const b1 = Math.min(hn - 1, Math.floor((endNs[i]! - hostLo) / binNs));
      for (let b = b0; b <= b1; b++) hr[b] = 1;
    }
    fft(gr, gi);
    fft(hr, hi);
    for (let k = 0; k < n; k++) {
      // conj(G) * H
      accRe[k] = accRe[k]! + gr[k]! * hr[k]! + gi[k]! * hi[k]!;
      accIm[k] = accIm[k]! + gr[k]! * hi[k]! - gi[k]! * hr[k]!;
    }
  }
  fft(accRe, accIm, true);
  // score at lag k (guest bin b -> host bin b + k); negative lags wrap to the end.
  const picked: number[] = [];
  for (let round = 0; round < keep; round++) {
    let bestK = NaN;
    let bestV = -Infinity;
    for (let k = -gn + 1; k < hn; k++) {
      const v = accRe[(k + n) % n]!;
      if (v > bestV && picked.every((p) => Math.abs(p - k) > 3)) {
        bestV = v;
        bestK = k;
      }
    }
    if (Number.isNaN(bestK)) break;
    picked.push(bestK);
  }
  return picked.map((k) => hostLo - guestLo + k * binNs);
}

export interface Plateau {
  count: number;
  considered: number;
  loNs: number;
  hiNs: number;
}

/**
 * Exact search in [oLo, oHi]: the offset range that puts the most guest events (times scaled by
 * `scale`, restricted to guest times in [gFrom, gTo]) inside host running intervals.
 */
export function plateauSearch(ev: VcpuEvidence[], oLo: number, oHi: number, scale = 1, gFrom = -Infinity, gTo = Infinity, maxEvents = Infinity): Plateau {
  let keys = new Float64Array(1 << 16);
  let nk = 0;
  let considered = 0;
  const push = (v: number) => {
    if (nk === keys.length) {
      const k2 = new Float64Array(keys.length * 2);
      k2.set(keys);
      keys = k2;
    }
    keys[nk++] = v;
  };
  // Index range of [gFrom, gTo] in each CPU's sorted event times, and an even subsample when asked.
  const ranges = ev.map((e) => [lowerBound(e.guestNs, gFrom), lowerBound(e.guestNs, gTo + 1)] as const);
  const inRange = ranges.reduce((a, [lo, hi]) => a + hi - lo, 0);
  const stride = Math.max(1, Math.ceil(inRange / maxEvents));
  for (let c = 0; c < ev.length; c++) {
    const e = ev[c]!;
    const { startNs, endNs } = e.running;
    const [jFrom, jTo] = ranges[c]!;
    for (let j = jFrom; j < jTo; j += stride) {
      const g0 = e.guestNs[j]!;
      const g = Math.round(g0 * scale);
      if (g + oHi < e.knownFromNs || g + oLo > e.knownToNs) continue;
      considered++;
      let i = lastStartingBefore(e.running, g + oLo);
      if (i < 0 || endNs[i]! < g + oLo) i++;
      for (; i < startNs.length && startNs[i]! <= g + oHi; i++) {
        const a = Math.max(startNs[i]! - g, oLo);
        const z = Math.min(endNs[i]! - g, oHi);
        if (z < a) continue;
        // Encode (position, +1/-1) in one sortable number: starts sort before ends at equal positions.
        push(Math.round(a) * 2);
        push(Math.round(z) * 2 + 1);
      }
    }
  }
  const sorted = keys.subarray(0, nk).sort();
  let cur = 0;
  let best = -1;
  let bestAt = -1;
  for (let i = 0; i < nk; i++) {
    const k = sorted[i]!;
    if (k - Math.floor(k / 2) * 2 === 0) {
      if (++cur > best) {
        best = cur;
        bestAt = i;
      }
    } else cur--;
  }
  let bestLo = oLo;
  let bestHi = oLo;
  if (bestAt >= 0) {
    bestLo = Math.floor(sorted[bestAt]! / 2);
    // The plateau runs until the first end key after the maximum was reached.
    let z = bestAt + 1;
    while (z < nk && sorted[z]! - Math.floor(sorted[z]! / 2) * 2 === 0) z++;
    bestHi = z < nk ? Math.floor(sorted[z]! / 2) : oHi;
  }
  return { count: Math.max(0, best), considered, loNs: bestLo, hiNs: bestHi };
}

/**
 * Estimate hostNs = guestNs * scale + offsetNs from vCPU running intervals and guest events,
 * optionally only among offsets in rangeNs.
 */
export function estimateClock(ev: VcpuEvidence[], guestName: string, rangeNs?: readonly [number, number]): ClockEstimate {
  const withEvents = ev.filter((e) => e.guestNs.length > 0 && e.running.startNs.length > 0);
  if (!withEvents.length) {
    throw new AlignError(
      `guest "${guestName}": cannot estimate the clock offset: no guest events on CPUs whose vCPU threads run in the host trace; ` +
        `give guests[].clock.offsetNs in scenario.json`,
    );
  }
  let gLo = Infinity, gHi = -Infinity, hLo = Infinity, hHi = -Infinity;
  for (const e of withEvents) {
    gLo = Math.min(gLo, e.guestNs[0]!);
    gHi = Math.max(gHi, e.guestNs[e.guestNs.length - 1]!);
    hLo = Math.min(hLo, e.knownFromNs);
    hHi = Math.max(hHi, e.knownToNs);
  }
  const span = hHi - hLo + (gHi - gLo);
  const binNs = Math.max(100_000, Math.ceil(span / MAX_BINS));
  // With a known range (a stated offset's error bar) the whole-range correlation is not needed.
  const candidates = rangeNs ? [(rangeNs[0] + rangeNs[1]) / 2] : coarseCandidates(withEvents, binNs, hLo, hHi, gLo, gHi, 6);
  const half = rangeNs ? Math.max(4 * binNs, (rangeNs[1] - rangeNs[0]) / 2) : 4 * binNs;
  // Candidates are compared on a subsample; the winner is then measured on every event.
  let bestSample: Plateau | null = null;
  let bestCenter = 0;
  for (const c of candidates) {
    const p = plateauSearch(withEvents, c - half, c + half, 1, -Infinity, Infinity, SAMPLE_EVENTS);
    const score = p.considered ? p.count / p.considered : 0;
    const bestScore = bestSample && bestSample.considered ? bestSample.count / bestSample.considered : -1;
    if (!bestSample || score > bestScore || (score === bestScore && p.hiNs - p.loNs > bestSample.hiNs - bestSample.loNs)) {
      bestSample = p;
      bestCenter = (p.loNs + p.hiNs) / 2;
    }
  }
  let best: Plateau | null = bestSample ? plateauSearch(withEvents, bestCenter - 2 * binNs, bestCenter + 2 * binNs) : null;
  const total = withEvents.reduce((a, e) => a + e.guestNs.length, 0);
  if (!best || best.count === 0 || best.considered < Math.min(100, total / 2)) {
    throw new AlignError(
      `guest "${guestName}": no overlap in time between the guest trace and its vCPU threads in the host trace ` +
        `(guest ${(gLo / 1e9).toFixed(6)}-${(gHi / 1e9).toFixed(6)} s, host ${(hLo / 1e9).toFixed(6)}-${(hHi / 1e9).toFixed(6)} s on their own clocks, ` +
        `no offset places guest events inside host vCPU running time); were they recorded at the same time?`,
    );
  }
  let offset = (best.loNs + best.hiNs) / 2;
  let scale = 1;
  let plateau = best;
  // Rate: the offsets that fit each of WINDOWS slices of the guest trace best, fitted by a line
  // (one pass of outlier removal). The search window allows 300 ppm of rate error.
  let quarters: Array<[number, number, number]> = [];
  const q = (gHi - gLo) / WINDOWS;
  const win = Math.max(4 * binNs, 3e-4 * (gHi - gLo));
  for (let k = 0; k < WINDOWS; k++) {
    const from = gLo + k * q;
    const p = plateauSearch(withEvents, offset - win, offset + win, 1, from, from + q, WINDOW_EVENTS);
    if (p.count > 20) quarters.push([from + q / 2, (p.loNs + p.hiNs) / 2, p.count]);
  }
  if (quarters.length >= 4) {
    const fit = (pts: Array<[number, number, number]>) => {
      let sw = 0, mx = 0, my = 0;
      for (const [x, y, w] of pts) { sw += w; mx += w * x; my += w * y; }
      mx /= sw;
      my /= sw;
      let sxx = 0, sxy = 0;
      for (const [x, y, w] of pts) { sxx += w * (x - mx) ** 2; sxy += w * (x - mx) * (y - my); }
      const b = sxx > 0 ? sxy / sxx : 0;
      return { b, a: my - b * mx };
    };
    const f0 = fit(quarters);
    const res = quarters.map(([x, y]) => Math.abs(y - (f0.a + f0.b * x)));
    const med = [...res].sort((x, y) => x - y)[res.length >> 1]!;
    quarters = quarters.filter((_, i) => res[i]! <= 3 * med + 1000);
  }
  if (quarters.length >= 2) {
    let sw = 0, mx = 0, my = 0;
    for (const [x, y, w] of quarters) { sw += w; mx += w * x; my += w * y; }
    mx /= sw;
    my /= sw;
    let sxx = 0, sxy = 0;
    for (const [x, y, w] of quarters) { sxx += w * (x - mx) ** 2; sxy += w * (x - mx) * (y - my); }
    const b = sxx > 0 ? sxy / sxx : 0;
    // Adopt a rate only when the drift it implies over the trace exceeds the offset's own spread.
    if (Math.abs(b) * (gHi - gLo) > Math.max(2 * (best.hiNs - best.loNs), 10_000)) {
      const center = my - b * mx;
      const p = plateauSearch(withEvents, center - binNs, center + binNs, 1 + b);
      if (p.count > best.count) {
        scale = 1 + b;
        plateau = p;
        offset = (p.loNs + p.hiNs) / 2;
      }
    }
  }
  if (plateau.count < 0.5 * plateau.considered) {
    throw new AlignError(
      `guest "${guestName}": could not find a clock offset that puts most guest events inside host vCPU running time ` +
        `(best: ${plateau.count} of ${plateau.considered}); the vCPU mapping may be wrong or the traces from different runs: ` +
        `give guests[].vcpus and guests[].clock in scenario.json`,
    );
  }
  return {
    offsetNs: Math.round(offset),
    scale,
    uncertaintyNs: Math.max(1000, Math.round((plateau.hiNs - plateau.loNs) / 2)),
    source: 'estimated',
    contained: plateau.count,
    considered: plateau.considered,
  };
}
