import type { EngineOverrides } from '../replay/replayDemand.js';
import type { ExtractOptions } from '../replay/demand/fromTrace.js';
import type { Params } from './types.js';

// Batch parameter names that set the replay engine (the host side) or how the workload is taken
// from the scenario, rather than the policy. Every other parameter goes to the policy (static:
// policy, rtPrio; dynamic: capUs, boostPrio, boostOnHalt, ...). Documented in docs/batch.md.

export const ENGINE_PARAMS = ['hz', 'scheduler', 'haltPoll', 'haltPollNs', 'rtThrottle', 'postedInterrupts', 'wakeIdle', 'demand', 'affinity', 'guestIdlePollUs'] as const;

/** Where a cell's workload comes from: the aligned traces, or a generated scenario's spec. */
export type DemandSource = 'trace' | 'spec';

export class CellParamError extends Error {}

function want<T extends 'number' | 'boolean' | 'string'>(params: Params, k: string, type: T): void {
  if (typeof params[k] !== type) throw new CellParamError(`parameter ${k} must be a ${type} (got ${JSON.stringify(params[k])})`);
}

/** Split a cell's parameters into engine overrides and policy parameters. */
export function splitCellParams(
  params: Params,
  seed: number,
): { engine: EngineOverrides; policy: Record<string, unknown>; extract: ExtractOptions; demand: DemandSource } {
  const engine: EngineOverrides = { seed };
  const policy: Record<string, unknown> = {};
  const extract: ExtractOptions = {};
  let demand: DemandSource = 'trace';
  for (const k of Object.keys(params)) {
    const v = params[k]!;
    switch (k) {
      case 'hz':
        want(params, k, 'number');
        if (!(v as number > 0)) throw new CellParamError(`parameter hz must be > 0 (got ${v})`);
        engine.hostHz = v as number;
        break;
      case 'scheduler':
        if (v !== 'cfs' && v !== 'eevdf') throw new CellParamError(`parameter scheduler must be "cfs" or "eevdf" (got ${JSON.stringify(v)})`);
        engine.hostFair = v;
        break;
      case 'haltPoll':
        want(params, k, 'boolean');
        // Off = halt_poll_ns 0; on = the engine's default window (kvm default 200 us) unless haltPollNs says.
        if (v === false) engine.kvm = { ...engine.kvm, haltPollNs: 0 };
        break;
      case 'haltPollNs':
        want(params, k, 'number');
        if (params['haltPoll'] !== false) engine.kvm = { ...engine.kvm, haltPollNs: v as number };
        break;
      case 'rtThrottle':
      case 'wakeIdle':
        want(params, k, 'boolean');
        engine[k] = v as boolean;
        break;
      case 'postedInterrupts':
        // Both the engine's interrupt delivery and the dynamic policy's boost rule read it.
        want(params, k, 'boolean');
        engine.postedInterrupts = v as boolean;
        policy[k] = v;
        break;
      case 'demand':
        if (v !== 'trace' && v !== 'spec') throw new CellParamError(`parameter demand must be "trace" or "spec" (got ${JSON.stringify(v)})`);
        demand = v;
        break;
      case 'affinity':
        if (v !== 'observed' && v !== 'any') throw new CellParamError(`parameter affinity must be "observed" or "any" (got ${JSON.stringify(v)})`);
        extract.affinity = v;
        break;
      case 'guestIdlePollUs':
        if (v !== 'poll' && !(typeof v === 'number' && v >= 0)) throw new CellParamError(`parameter guestIdlePollUs must be a number >= 0 or "poll" (got ${JSON.stringify(v)})`);
        extract.guestIdlePollNs = v === 'poll' ? Infinity : (v as number) * 1000;
        break;
      default:
        policy[k] = v;
    }
  }
  return { engine, policy, extract, demand };
}
