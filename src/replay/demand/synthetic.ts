// Synthetic workload specs (`vcpu-replay generate SPEC.json`): host CPUs and load, guests with
// their vCPUs and tasks. A spec becomes a Demand directly; `generate` then simulates it under
// its captured policy to produce traces. Documented in docs/replay.md.
import type { Demand, DemandTask, GuestDemand, SchedPolicyName, TaskSched } from './types.js';

export interface SpecTask {
  /** hog: always runnable (stress-ng --cpu); cyclictest: timer-driven latency probe; audio: periodic
   *  callback with a buffer period; periodic: generic timer task; background: bursts at random phase. */
  kind: 'hog' | 'cyclictest' | 'audio' | 'periodic' | 'background';
  name?: string;
  count?: number;
  policy?: SchedPolicyName;
  rtPrio?: number;
  nice?: number;
  /** Allowed CPUs (host CPUs for host tasks, guest CPUs for guest tasks). */
  cpus?: number[];
  intervalUs?: number;
  burstUs?: number;
  jitter?: number;
  /** hrtimer slack; default 50 us for SCHED_OTHER, 0 for RT (Linux defaults). */
  slackUs?: number;
  startUs?: number;
  /** audio: buffer size in frames and sample rate (period = frames / rate). */
  bufferFrames?: number;
  sampleRate?: number;
}

export interface SpecGuest {
  name: string;
  vcpus: number;
  kernel?: string;
  hz?: number;
  accel?: 'kvm' | 'tcg';
  /** Guest idle: poll this long in guest mode before HLT (cpuidle-haltpoll); -1 = idle=poll (never halts). */
  idlePollUs?: number;
  vcpuPolicy?: SchedPolicyName;
  vcpuNice?: number;
  /** Host CPUs per vCPU thread (pinning); default: any. */
  vcpuPins?: number[][];
  tasks: SpecTask[];
}

export interface WorkloadSpec {
  name: string;
  description?: string;
  durationMs: number;
  seed?: number;
  host: { cpus: number; kernel?: string; hz?: number; tasks: SpecTask[] };
  guests: SpecGuest[];
  /** Policy the synthetic capture is taken under: vanilla | static | dynamic | ... */
  capturedPolicy?: { name: string; params?: Record<string, unknown> };
}

export class SpecError extends Error {
  readonly userError = true;
}

const us = (x: number) => Math.round(x * 1000);

function taskSched(t: SpecTask): TaskSched {
  const policy = t.policy ?? 'normal';
  return { policy, rtPrio: policy === 'fifo' || policy === 'rr' ? (t.rtPrio ?? 1) : 0, nice: t.nice ?? 0 };
}

function expand(tasks: SpecTask[], firstTid: number, where: string, nCpus: number): DemandTask[] {
  const out: DemandTask[] = [];
  let tid = firstTid;
  tasks.forEach((t, i) => {
    const p = `${where}.tasks[${i}]`;
    const n = t.count ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new SpecError(`${p}.count: must be a positive integer`);
    for (const c of t.cpus ?? []) if (!Number.isInteger(c) || c < 0 || c >= nCpus) throw new SpecError(`${p}.cpus: CPU ${c} does not exist (${nCpus} CPUs)`);
    const sched = taskSched(t);
    for (let k = 0; k < n; k++) {
      const name = t.name ?? (t.kind === 'hog' ? 'stress-ng-cpu' : t.kind);
      const cpus = t.cpus && t.cpus.length ? (t.kind === 'hog' && t.cpus.length === n ? [t.cpus[k]!] : t.cpus) : undefined;
      const startCpu = cpus ? cpus[0]! : (out.length + k) % nCpus;
      const base = { name, tid: tid++, sched, ...(cpus ? { cpus } : {}), startCpu };
      const rt = sched.policy === 'fifo' || sched.policy === 'rr';
      const slackNs = us(t.slackUs ?? (rt ? 0 : 50));
      switch (t.kind) {
        case 'hog':
          out.push({ ...base, behaviour: { kind: 'hog' } });
          break;
        case 'cyclictest':
        case 'periodic':
        case 'audio': {
          let periodNs: number;
          if (t.kind === 'audio') {
            const frames = t.bufferFrames ?? 96;
            const rate = t.sampleRate ?? 48_000;
            periodNs = Math.round((frames / rate) * 1e9);
          } else periodNs = us(t.intervalUs ?? 1000);
          if (!(periodNs > 0)) throw new SpecError(`${p}: the period must be > 0`);
          const burstNs = us(t.burstUs ?? (t.kind === 'audio' ? 300 : 5));
          out.push({
            ...base,
            probe: t.kind !== 'periodic',
            behaviour: { kind: 'periodic', periodNs, startNs: us(t.startUs ?? 1000) + k * 500_000, burstNs, slackNs, jitter: t.jitter ?? 0 },
          });
          break;
        }
        case 'background':
          out.push({ ...base, behaviour: { kind: 'background', periodNs: us(t.intervalUs ?? 50_000), burstNs: us(t.burstUs ?? 1000), startNs: us(t.startUs ?? 0) } });
          break;
        default:
          throw new SpecError(`${p}.kind: unknown task kind "${(t as { kind: string }).kind}" (hog, cyclictest, audio, periodic, background)`);
      }
    }
  });
  return out;
}

export const HOST_TID_BASE = 1000;
export const VCPU_TID_BASE = 3000;
export const GUEST_TID_BASE = 500;

/** Turn a workload spec into a Demand (pure). */
export function demandFromSpec(spec: WorkloadSpec): Demand {
  if (!spec || typeof spec !== 'object') throw new SpecError('spec: must be a JSON object');
  if (!spec.name) throw new SpecError('spec.name: required');
  if (!(spec.durationMs > 0)) throw new SpecError('spec.durationMs: must be > 0');
  if (!spec.host || !Number.isInteger(spec.host.cpus) || spec.host.cpus < 1 || spec.host.cpus > 31)
    throw new SpecError('spec.host.cpus: must be an integer 1..31');
  const host = {
    cpus: spec.host.cpus,
    kernel: spec.host.kernel ?? '6.5.0',
    hz: spec.host.hz ?? 250,
    tasks: expand(spec.host.tasks ?? [], HOST_TID_BASE, 'host', spec.host.cpus),
  };
  const guests: GuestDemand[] = (spec.guests ?? []).map((g, gi) => {
    if (!g.name) throw new SpecError(`guests[${gi}].name: required`);
    if (!Number.isInteger(g.vcpus) || g.vcpus < 1 || g.vcpus > 31) throw new SpecError(`guests[${gi}].vcpus: must be an integer 1..31`);
    const accel = g.accel ?? 'kvm';
    const vcpuTids = Array.from({ length: g.vcpus }, (_, i) => VCPU_TID_BASE + gi * 100 + i);
    const idle = g.idlePollUs ?? 0;
    return {
      name: g.name,
      vcpuTids,
      vcpuNames: vcpuTids.map((_, i) => (accel === 'tcg' ? `CPU ${i}/TCG` : `CPU ${i}/KVM`)),
      vcpuSched: { policy: g.vcpuPolicy ?? 'normal', rtPrio: 0, nice: g.vcpuNice ?? 0 },
      ...(g.vcpuPins ? { vcpuCpus: g.vcpuPins } : {}),
      kernel: g.kernel ?? '6.1.0',
      fair: null,
      hz: g.hz ?? 250,
      idlePollNs: idle < 0 ? Infinity : us(idle),
      accel,
      tasks: expand(g.tasks ?? [], GUEST_TID_BASE + gi * 1000, `guests[${gi}]`, g.vcpus),
    };
  });
  return { name: spec.name, startNs: 0, durationNs: spec.durationMs * 1e6, host, guests, warnings: [] };
}
