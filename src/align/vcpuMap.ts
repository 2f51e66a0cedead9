import { KvmKind, type TraceTables } from '../tables/index.js';
import { vcpuMapOf, type GuestSpec } from '../scenario/index.js';
import type { VcpuMapping } from './types.js';
import { AlignError } from './errors.js';

/** A host thread recognised as a vCPU thread by some source. */
export interface VcpuCandidate {
  tid: number;
  /** Process (QEMU / crosvm instance) it belongs to; -1 when the trace does not say. */
  tgid: number;
  vcpu: number;
  /** What identified it, for messages: 'CPU 0/TCG', 'kvm_entry vcpu 0', ... */
  label: string;
}

export interface VcpuMapInput {
  guest: GuestSpec;
  /** Number of guests in the scenario (a lone guest may take the only VM found on the host). */
  guestCount: number;
  host: TraceTables;
  guestTables: TraceTables | null;
  /** Host and guest came from one multi-machine trace (Perfetto machines). */
  sameTrace: boolean;
  /** Host threads recognised by name (QEMU `CPU n/KVM`, `CPU n/TCG`, crosvm `crosvm_vcpuN`). */
  byName: VcpuCandidate[];
}

const hint = (g: string) => `pass "vcpus" for guest "${g}" in scenario.json (guest CPU -> host tid, e.g. "vcpus": [1234, 1235])`;

/**
 * Map guest CPUs to host vCPU threads. Sources in order: scenario file, the trace.dat GUEST
 * option, Perfetto machines, kvm_entry vcpu ids, thread names. Several candidate VMs that cannot be
 * told apart is an error saying how to resolve it.
 */
export function mapVcpus(inp: VcpuMapInput): VcpuMapping {
  const g = inp.guest;
  const fromScenario = vcpuMapOf(g.vcpus);
  if (fromScenario.size) return checked(inp, { tids: fromScenario, source: 'scenario' });

  const fromDat = fromGuestOption(inp);
  if (fromDat) return checked(inp, { tids: fromDat, source: 'dat-guest-option' });

  if (inp.sameTrace && inp.byName.length) {
    const m = pickGroup(inp, groupByProcess(inp.byName), 'thread names in the same multi-machine trace');
    if (m) return checked(inp, { tids: m, source: 'perfetto-machine' });
  }

  const kvm = kvmEntryCandidates(inp.host);
  if (kvm.length) {
    const m = pickGroup(inp, groupByProcess(kvm), 'kvm_entry vcpu ids');
    if (m) return checked(inp, { tids: m, source: 'kvm-entry' });
  }

  if (inp.byName.length) {
    const m = pickGroup(inp, groupByProcess(inp.byName), 'vCPU thread names');
    if (m) return checked(inp, { tids: m, source: 'thread-name' });
  }

  if (!inp.guestTables) return { tids: new Map(), source: 'none' };
  throw new AlignError(
    `guest "${g.name}": no vCPU threads found in the host trace ${inp.host.meta.source} ` +
      `(looked for the GUEST option, kvm_entry vcpu ids and threads named "CPU n/KVM", "CPU n/TCG" or "crosvm_vcpuN"); ` +
      hint(g.name),
  );
}

/** Every mapped tid must exist in the host trace; otherwise the mapping is for another capture. */
function checked(inp: VcpuMapInput, m: VcpuMapping): VcpuMapping {
  const known = new Set<number>();
  const th = inp.host.threads.cols;
  for (let i = 0; i < inp.host.threads.length; i++) known.add(th.tid[i]!);
  const missing = [...m.tids.values()].filter((tid) => !known.has(tid));
  if (missing.length === m.tids.size && m.tids.size > 0) {
    throw new AlignError(
      `guest "${inp.guest.name}": none of its vCPU threads (${[...m.tids.values()].join(', ')}, from ${m.source}) appear in ` +
        `the host trace ${inp.host.meta.source}; the host and guest traces may be from different runs, or ${hint(inp.guest.name)}`,
    );
  }
  return m;
}

type Obj = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);

/**
 * The host trace.dat GUEST option as exposed by the .dat reader in meta.extra.guests: one entry per
 * guest with its name, trace id and vCPU -> host pid list. Matched by name, by the guest file's trace
 * id, or as the only entry when there is one guest.
 */
function fromGuestOption(inp: VcpuMapInput): Map<number, number> | null {
  const raw = inp.host.meta.extra['guests'];
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const guestTraceId = inp.guestTables ? String(inp.guestTables.meta.extra['traceId'] ?? '') : '';
  const entries = raw.filter((e): e is Obj => typeof e === 'object' && e !== null);
  const match =
    entries.find((e) => guestTraceId && String(e['traceId'] ?? '') === guestTraceId) ??
    entries.find((e) => e['name'] === inp.guest.name) ??
    (entries.length === 1 && inp.guestCount === 1 ? entries[0] : undefined);
  if (!match) return null;
  const out = new Map<number, number>();
  const list = match['vcpus'] ?? match['cpus'];
  if (Array.isArray(list)) {
    list.forEach((v, i) => {
      if (typeof v === 'object' && v !== null) {
        const o = v as Obj;
        const cpu = num(o['vcpu'] ?? o['cpu'] ?? o['id']);
        const pid = num(o['hostPid'] ?? o['pid'] ?? o['tid']);
        if (cpu !== null && pid !== null) out.set(cpu, pid);
      } else if (num(v) !== null) out.set(i, num(v)!);
    });
  } else if (typeof list === 'object' && list !== null) {
    for (const [k, v] of Object.entries(list as Obj)) if (num(k) !== null && num(v) !== null) out.set(num(k)!, num(v)!);
  }
  return out.size ? out : null;
}

/** vcpu id of each host thread that ran kvm_entry (x86: `vcpu N`). */
export function kvmEntryCandidates(host: TraceTables): VcpuCandidate[] {
  const K = host.kvm.cols;
  const seen = new Map<number, number>();
  for (let i = 0; i < host.kvm.length; i++) {
    if (K.kind[i] !== KvmKind.ENTRY || K.vcpuId[i]! < 0 || K.pid[i]! <= 0) continue;
    seen.set(K.pid[i]!, K.vcpuId[i]!);
  }
  const tgid = tgidLookup(host);
  return [...seen].map(([tid, vcpu]) => ({ tid, tgid: tgid(tid), vcpu, label: `kvm_entry vcpu ${vcpu}` }));
}

export function tgidLookup(t: TraceTables): (tid: number) => number {
  const m = new Map<number, number>();
  const th = t.threads.cols;
  for (let i = 0; i < t.threads.length; i++) if (th.tgid[i]! >= 0) m.set(th.tid[i]!, th.tgid[i]!);
  return (tid) => m.get(tid) ?? -1;
}

function groupByProcess(c: VcpuCandidate[]): Map<number, VcpuCandidate[]> {
  const groups = new Map<number, VcpuCandidate[]>();
  for (const x of [...c].sort((a, b) => a.tgid - b.tgid || a.vcpu - b.vcpu || a.tid - b.tid)) {
    let gr = groups.get(x.tgid);
    if (!gr) groups.set(x.tgid, (gr = []));
    gr.push(x);
  }
  return groups;
}

/** guest CPUs that have events in the guest trace */
function guestCpus(t: TraceTables | null): number[] {
  if (!t) return [];
  const out: number[] = [];
  for (let i = 0; i < t.cpus.length; i++) if (t.cpus.cols.events[i]! > 0) out.push(t.cpus.cols.cpu[i]!);
  return out;
}

function pickGroup(inp: VcpuMapInput, groups: Map<number, VcpuCandidate[]>, what: string): Map<number, number> | null {
  const usable = [...groups.values()];
  const name = inp.guest.name;
  const describe = (gs: VcpuCandidate[][]) =>
    gs.map((gr) => `[process ${gr[0]!.tgid < 0 ? '?' : gr[0]!.tgid}: ${gr.map((c) => `${c.label} = tid ${c.tid}`).join(', ')}]`).join(' ');
  let chosen: VcpuCandidate[] | undefined;
  if (usable.length === 1 && inp.guestCount === 1) chosen = usable[0];
  else if (usable.length > 1 && inp.guestCount === 1) {
    // Several VMs ran; take the one whose vCPU count matches the guest's CPUs, if only one does.
    const cpus = guestCpus(inp.guestTables);
    const fit = usable.filter((gr) => cpus.length > 0 && cpus.every((c) => gr.some((x) => x.vcpu === c)) && new Set(gr.map((x) => x.vcpu)).size === Math.max(...cpus) + 1);
    if (fit.length === 1) chosen = fit[0];
    else
      throw new AlignError(
        `guest "${name}": ${what} match ${usable.length} virtual machines on the host and nothing tells which one is this guest: ${describe(usable)}; ${hint(name)}`,
      );
  } else if (usable.length > 1) {
    throw new AlignError(
      `guest "${name}": ${what} show ${usable.length} virtual machines for ${inp.guestCount} guests and nothing pairs them: ${describe(usable)}; ${hint(name)}`,
    );
  }
  if (!chosen) return null;
  const m = new Map<number, number>();
  for (const c of chosen) {
    const prev = m.get(c.vcpu);
    if (prev !== undefined && prev !== c.tid) {
      const same = chosen.filter((x) => x.vcpu === c.vcpu);
      throw new AlignError(
        `guest "${name}": ${what} are ambiguous: vCPU ${c.vcpu} matches several host threads (${same.map((x) => `${x.label} = tid ${x.tid}`).join(', ')}), ` +
          `e.g. two QEMU processes or a restarted VM; ${hint(name)}`,
      );
    }
    m.set(c.vcpu, c.tid);
  }
  return m;
}
