export { Simulator, type SimResult } from './sim.js';
export { defaultEngineOptions, DEFAULT_COSTS, DEFAULT_KVM, type EngineOptions, type CostParams, type KvmParams } from './options.js';
export { RunQueue } from './runQueue.js';
export { Entity, Policy, niceToWeight } from './entity.js';
export { EventQueue } from './eventQueue.js';
export { Prng } from './prng.js';
export { resolveSched, defaultSchedParams, logFactor, fairModeForKernel, type SchedParams, type ResolvedSched, type FairMode } from './params.js';
