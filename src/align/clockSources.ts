import type { TraceTables } from '../tables/index.js';
import type { GuestSpec } from '../scenario/index.js';
import type { ClockAlignment } from './types.js';
import { AlignError } from './errors.js';

// Clock mappings that the inputs state outright, in the order alignScenario tries them.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const fin = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** guests[].clock from scenario.json. tscOffset needs the guest's tscHz to become ns. */
export function clockFromScenario(g: GuestSpec): ClockAlignment | null {
  const c = g.clock;
  if (!c) return null;
  let offsetNs = c.offsetNs;
  if (offsetNs === undefined && c.tscOffset !== undefined) {
    if (!g.tscHz) throw new AlignError(`guest "${g.name}": clock.tscOffset is a raw counter offset; give guests[].tscHz (Hz) to convert it to ns`);
    offsetNs = (c.tscOffset / g.tscHz) * 1e9;
  }
  if (offsetNs === undefined) return null;
  return { offsetNs, scale: c.scale ?? 1, uncertaintyNs: c.uncertaintyNs ?? 0, source: c.source ? `scenario (${c.source})` : 'scenario' };
}

/**
 * trace.dat TIME_SHIFT (meta.extra.timeShift). The .dat reader applies the correction while
 * decoding (the samples it used are kept as {peerTraceId, cpus[]}), so the guest timestamps are
 * already host timestamps; a reader that did not apply it would give {offsetNs, scale?}.
 */
export function clockFromTimeShift(guest: TraceTables): ClockAlignment | null {
  const ts = guest.meta.extra['timeShift'];
  if (!isObj(ts)) return null;
  if (ts['applied'] === true || Array.isArray(ts['cpus'])) return { offsetNs: 0, scale: 1, uncertaintyNs: fin(ts['uncertaintyNs']) ? ts['uncertaintyNs'] : 0, source: 'time-shift' };
  if (fin(ts['offsetNs'])) return { offsetNs: ts['offsetNs'], scale: fin(ts['scale']) ? ts['scale'] : 1, uncertaintyNs: fin(ts['uncertaintyNs']) ? ts['uncertaintyNs'] : 0, source: 'time-shift' };
  return null;
}

/**
 * Perfetto RemoteClockSync (meta.extra.remoteClockSync, from the Perfetto reader): offsetNs is
 * client - host as trace processor defines it, so hostNs = guestNs - offsetNs.
 */
export function clockFromRemoteSync(guest: TraceTables): ClockAlignment | null {
  const r = guest.meta.extra['remoteClockSync'];
  if (!isObj(r) || !fin(r['offsetNs'])) return null;
  if (r['applied'] === true) return { offsetNs: 0, scale: 1, uncertaintyNs: fin(r['uncertaintyNs']) ? r['uncertaintyNs'] : 0, source: 'remote-clock-sync' };
  return { offsetNs: -r['offsetNs'], scale: 1, uncertaintyNs: fin(r['uncertaintyNs']) ? r['uncertaintyNs'] : 0, source: 'remote-clock-sync' };
}

const TSC_CLOCKS = new Set(['x86-tsc', 'tsc', 'counter']);

/**
 * KVM's tsc offset, from the host's kvm_write_tsc_offset events (`vcpu=N prev=P next=Q`): guest
 * TSC = host TSC + offset. Usable only when both traces use the TSC clock, at a known frequency:
 * then hostNs = guestNs - offset / tscHz.
 */
export function clockFromKvmTscOffset(host: TraceTables, guest: TraceTables, vcpuTids: ReadonlyMap<number, number>, tscHz: number | null): ClockAlignment | null {
  if (!TSC_CLOCKS.has(host.meta.clock) || !TSC_CLOCKS.has(guest.meta.clock)) return null;
  const hz = tscHz ?? host.meta.counterHz ?? guest.meta.counterHz;
  if (!hz) return null;
  const tids = new Set(vcpuTids.values());
  const G = host.generic.cols;
  let offset: bigint | null = null;
  for (let i = 0; i < host.generic.length; i++) {
    if (host.strings[G.event[i]!] !== 'kvm_write_tsc_offset') continue;
    if (tids.size && !tids.has(G.pid[i]!)) continue;
    const m = /next=(\d+)/.exec(G.fields[i]!);
    if (!m) continue;
    offset = BigInt.asIntN(64, BigInt(m[1]!));
    // The last write before the guest trace starts is the one in force while it was recorded.
    if (G.tsNs[i]! > guest.meta.startNs) break;
  }
  if (offset === null) return null;
  return { offsetNs: -(Number(offset) / hz) * 1e9, scale: 1, uncertaintyNs: 1e9 / hz, source: 'kvm-tsc-offset' };
}
