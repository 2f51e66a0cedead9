import type { TraceTables } from '../tables/index.js';
import type { GuestSpec } from '../scenario/index.js';
import { threadStates } from '../timeline/threadStates.js';
import { threadIntervals } from '../timeline/build.js';
import type { AlignedGuest, ClockAlignment, VcpuMapping } from './types.js';
import { mapVcpus, type VcpuCandidate } from './vcpuMap.js';
import { detectVcpuThreads } from './vcpuThreadNames.js';
import { clockFromKvmTscOffset, clockFromRemoteSync, clockFromScenario, clockFromTimeShift } from './clockSources.js';
import { clockFromSyncRounds, syncRounds } from './syncMarkers.js';
import { estimateClock, guestEventTimesByCpu, type VcpuEvidence } from './estimateClock.js';
import { retimeTables, toHostNs } from './retime.js';
import { AlignError } from './errors.js';

export interface AlignGuestInput {
  host: TraceTables;
  guestTables: TraceTables | null;
  spec: GuestSpec;
  guestCount: number;
  sameTrace: boolean;
  /** Narrow a stated clock offset with a wide error bar using the traces (default true). */
  refineClock?: boolean;
}

/** vCPU threads named like vCPUs on the host, as mapping candidates. */
export function nameCandidates(host: TraceTables): VcpuCandidate[] {
  return detectVcpuThreads(host).map((v) => ({ tid: v.tid, tgid: v.tgid, vcpu: v.vcpu, label: v.comm }));
}

/** Evidence for the clock estimator: guest events per CPU and the host running time of its vCPU thread. */
export function vcpuEvidence(host: TraceTables, guest: TraceTables, vcpus: VcpuMapping): VcpuEvidence[] {
  const states = threadStates(host);
  const times = guestEventTimesByCpu(guest, vcpus.tids.keys());
  const out: VcpuEvidence[] = [];
  for (const [cpu, tid] of [...vcpus.tids].sort((a, b) => a[0] - b[0])) {
    let from = Infinity;
    let to = -Infinity;
    const T = states.cols;
    for (let i = 0; i < states.length; i++) {
      if (T.tid[i] !== tid) continue;
      from = Math.min(from, T.tsNs[i]!);
      to = Math.max(to, T.endNs[i]!);
    }
    if (from > to) continue;
    out.push({ guestNs: times.get(cpu) ?? new Float64Array(0), running: threadIntervals(states, tid), knownFromNs: from, knownToNs: to });
  }
  return out;
}

/**
 * Pure alignment of one guest: vCPU map, then the first clock source that applies (scenario,
 * TIME_SHIFT, RemoteClockSync, KVM tsc offset, sync markers, estimate from the traces), then
 * re-timing. Returns warnings for a poor or doubtful alignment.
 */
export function alignGuest(inp: AlignGuestInput): { guest: AlignedGuest; warnings: string[] } {
  const { host, guestTables: guest, spec } = inp;
  const warnings: string[] = [];
  const vcpus = mapVcpus({ guest: spec, guestCount: inp.guestCount, host, guestTables: guest, sameTrace: inp.sameTrace, byName: nameCandidates(host) });
  if (!guest) {
    const clock = clockFromScenario(spec) ?? { offsetNs: 0, scale: 1, uncertaintyNs: 0, source: 'same-clock' };
    warnings.push(`guest "${spec.name}" has no trace: only its host-side vCPU activity is known`);
    return { guest: { name: spec.name, tables: null, vcpus, clock }, warnings };
  }
  const mappedCpus = new Set(vcpus.tids.keys());
  const unmapped: number[] = [];
  for (let i = 0; i < guest.cpus.length; i++) if (guest.cpus.cols.events[i]! > 0 && !mappedCpus.has(guest.cpus.cols.cpu[i]!)) unmapped.push(guest.cpus.cols.cpu[i]!);
  if (unmapped.length) warnings.push(`guest "${spec.name}": CPUs ${unmapped.join(', ')} have events but no vCPU thread (mapping from ${vcpus.source})`);

  let clock: ClockAlignment | null =
    clockFromScenario(spec) ??
    clockFromTimeShift(guest) ??
    clockFromRemoteSync(guest) ??
    clockFromKvmTscOffset(host, guest, vcpus.tids, spec.tscHz ?? null);
  if (!clock) {
    const fromMarkers = clockFromSyncRounds(syncRounds(host, guest));
    if (fromMarkers) {
      const { rounds: _r, ...c } = fromMarkers;
      clock = c;
    }
  }
  if (clock && inp.refineClock !== false && clock.uncertaintyNs > REFINE_ABOVE_NS && vcpus.tids.size) {
    // A stated mapping with a wide error bar (round trips through an emulated serial port take
    // milliseconds under TCG): narrow it with the trace evidence, but only inside its own bounds.
    const refined = refineWithinBounds(vcpuEvidence(host, guest, vcpus), clock, guest.meta.startNs, guest.meta.endNs, spec.name);
    if (refined) clock = refined;
    else warnings.push(`guest "${spec.name}": the traces do not narrow the ${clock.source} clock offset (± ${(clock.uncertaintyNs / 1000).toFixed(0)} µs); kept as given`);
  }
  if (!clock) {
    const est = estimateClock(vcpuEvidence(host, guest, vcpus), spec.name);
    const { contained, considered, ...c } = est;
    clock = c;
    if (c.uncertaintyNs > REFINE_ABOVE_NS) {
      warnings.push(
        `guest "${spec.name}": clock offset estimated from the traces only to ± ${(c.uncertaintyNs / 1000).toFixed(0)} µs (vCPU threads rarely stop running?); ` +
          `host-caused latency shares are approximate; give guests[].clock in scenario.json if you know it`,
      );
    }
    if (contained < 0.9 * considered) {
      warnings.push(
        `guest "${spec.name}": estimated clock offset puts only ${contained} of ${considered} guest events inside host vCPU running time; ` +
          `the estimate may be wrong: give guests[].clock in scenario.json`,
      );
    }
  }
  // The aligned guest must overlap the host in time.
  const gStart = toHostNs(guest.meta.startNs, clock);
  const gEnd = toHostNs(guest.meta.endNs, clock);
  if (gEnd < host.meta.startNs || gStart > host.meta.endNs) {
    throw new AlignError(
      `guest "${spec.name}": no overlap in time with the host trace after alignment (${clock.source}, offset ${clock.offsetNs} ns): ` +
        `guest ${(gStart / 1e9).toFixed(6)}-${(gEnd / 1e9).toFixed(6)} s vs host ${(host.meta.startNs / 1e9).toFixed(6)}-${(host.meta.endNs / 1e9).toFixed(6)} s on the host clock`,
    );
  }
  return { guest: { name: spec.name, tables: retimeTables(guest, clock), vcpus, clock }, warnings };
}

/** Stated mappings less certain than this are refined from the traces. */
const REFINE_ABOVE_NS = 20_000;

/**
 * The trace-evidence estimate, accepted only if it agrees with the stated mapping: over the whole
 * guest trace it stays within the stated offset's error bar. It may add a rate (guest clocks under
 * TCG run a few ppm off, which a constant-offset sync estimate cannot show).
 */
export function refineWithinBounds(ev: VcpuEvidence[], c: ClockAlignment, guestFromNs: number, guestToNs: number, guestName: string): ClockAlignment | null {
  let est;
  try {
    const mid = (guestFromNs + guestToNs) / 2;
    const at = mid * (c.scale - 1) + c.offsetNs; // the stated constant offset around mid-trace
    est = estimateClock(ev, guestName, [at - c.uncertaintyNs, at + c.uncertaintyNs]);
  } catch {
    return null;
  }
  if (est.considered < 100 || est.contained < 0.99 * est.considered || est.uncertaintyNs >= c.uncertaintyNs) return null;
  // Compare over the part of the guest trace the host trace covers (a guest buffer may reach back further).
  const hostFrom = Math.min(...ev.map((e) => e.knownFromNs));
  const hostTo = Math.max(...ev.map((e) => e.knownToNs));
  const from = Math.max(guestFromNs, (hostFrom - est.offsetNs) / est.scale);
  const to = Math.min(guestToNs, (hostTo - est.offsetNs) / est.scale);
  for (const g of from <= to ? [from, to] : [guestFromNs, guestToNs]) {
    const stated = g * c.scale + c.offsetNs;
    const mine = g * est.scale + est.offsetNs;
    if (Math.abs(mine - stated) > c.uncertaintyNs + est.uncertaintyNs) return null;
  }
  return { offsetNs: est.offsetNs, scale: est.scale, uncertaintyNs: est.uncertaintyNs, source: `${c.source}, refined from traces` };
}

export { AlignError };
