// Run one policy over a Demand and package the result as a ReplayResult.
import { Simulator } from './engine/sim.js';
import { defaultEngineOptions, type EngineOptions } from './engine/options.js';
import type { Demand } from './demand/types.js';
import type { VcpuPolicy } from './policies/types.js';
import type { ReplayResult } from './types.js';

export type EngineOverrides = Partial<Omit<EngineOptions, 'kvm' | 'costs'>> & {
  kvm?: Partial<EngineOptions['kvm']>;
  costs?: Partial<EngineOptions['costs']>;
};

export function engineOptions(o: EngineOverrides = {}): EngineOptions {
  const d = defaultEngineOptions();
  return { ...d, ...o, kvm: { ...d.kvm, ...(o.kvm ?? {}) }, costs: { ...d.costs, ...(o.costs ?? {}) } };
}

export function replayDemand(demand: Demand, policy: VcpuPolicy, opts: EngineOverrides = {}, progress?: (doneNs: number, totalNs: number) => void): ReplayResult {
  const eo = engineOptions(opts);
  const sim = new Simulator(demand, policy, eo);
  const r = sim.run(progress);
  const machines = [r.host, ...r.guests];
  return {
    policy: policy.name,
    params: { policy: policy.params, ...r.params },
    trace: { source: `replay:${demand.name}:${policy.name}`, format: 'replay', machines },
    boost: r.boost,
    simulatedEvents: r.events,
    warnings: [...demand.warnings, ...r.warnings],
  };
}
