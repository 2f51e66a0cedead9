// static: vCPU threads chrt'ed to RT for the whole run (rfc-mechanism.md §11.4). Default RR 8
// (same level as dynamic's boost); crosvm --rt-cpus is RR 6 on a subset.
import type { VcpuPolicy } from './types.js';

export interface StaticParams {
  policy: 'fifo' | 'rr';
  rtPrio: number;
  /** Guest CPU indexes to boost; undefined = all. */
  vcpus?: number[];
}

export function staticPolicy(opts: Partial<StaticParams> = {}): VcpuPolicy {
  const p: StaticParams = { policy: opts.policy ?? 'rr', rtPrio: opts.rtPrio ?? 8, ...(opts.vcpus ? { vcpus: opts.vcpus } : {}) };
  if (p.rtPrio < 1 || p.rtPrio > 99) throw new RangeError(`static policy: rtPrio must be 1..99 (got ${p.rtPrio})`);
  return {
    name: 'static',
    params: { ...p },
    paravirt: false,
    init(ctx, vcpus) {
      for (const v of vcpus) {
        if (p.vcpus && !p.vcpus.includes(v.index)) continue;
        ctx.setSched(v, { policy: p.policy, rtPrio: p.rtPrio, nice: v.baseline.nice }, 'static');
      }
    },
  };
}

/** crosvm --rt-cpus: SCHED_RR 6 on the listed vCPUs. */
export function crosvmRtPolicy(vcpus?: number[]): VcpuPolicy {
  const s = staticPolicy({ policy: 'rr', rtPrio: 6, ...(vcpus ? { vcpus } : {}) });
  return { ...s, name: 'crosvm-rt' };
}
