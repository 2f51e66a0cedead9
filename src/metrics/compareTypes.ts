import type { LatencyStats, ProbeLatency } from './types.js';
import type { ReplayResult } from '../replay/types.js';
import type { AlignedScenario } from '../align/types.js';

// The contract of `compare`: what goes in (one captured scenario, already aligned and measured,
// plus its replays) and what comes out (the RFC-style tables as plain data).

/** One replayed policy of one scenario, with its probes measured on the replayed schedule. */
export interface ReplayedPolicy {
  result: ReplayResult;
  probes: ProbeLatency[];
}

export interface CompareScenarioInput {
  aligned: AlignedScenario;
  /** Probes measured on the captured (aligned) trace. */
  measured: ProbeLatency[];
  replays: ReplayedPolicy[];
}

export interface CompareOptions {
  /** Policies in column order (default: the order of the first scenario's replays). */
  policies?: string[];
  /** Audio buffer sizes, frames (default 96, 256, 512). */
  bufferFrames?: number[];
  /** Audio sample rate, Hz (default 48000). */
  sampleRateHz?: number;
}

export const DEFAULT_BUFFER_FRAMES = [96, 256, 512] as const;
export const DEFAULT_SAMPLE_RATE_HZ = 48_000;

/** What a row of the tables is about: the scenario and its capture conditions. */
export interface ScenarioKey {
  scenario: string;
  /** 'idle' | 'busy' | ... from scenario.capture.load, null when not recorded. */
  load: string | null;
  /** Probe period from scenario.capture (intervalUs / interval), null when not recorded. */
  intervalUs: number | null;
  /** Policy the trace was captured under (scenario.capturedPolicy.name), null when unknown. */
  capturedPolicy: string | null;
}

export interface LatencyRow extends ScenarioKey {
  /** 'guest' for probes in a guest, 'host' for the host probe. */
  side: 'guest' | 'host';
  /** 'host' or the guest name. */
  machine: string;
  task: string;
  /** Stats measured on the captured trace; null when the captured trace has no such probe. */
  measured: LatencyStats | null;
  /** Stats per replayed policy; null when that replay has no such probe. */
  byPolicy: Record<string, LatencyStats | null>;
}

/** Misses for one buffer size of one probe under one schedule. */
export interface DeadlineCount {
  /** Periods whose completion could be decided. */
  periods: number;
  misses: number;
  /** Periods still running when the trace ended (not counted either way). */
  unfinished: number;
}

export interface DeadlineRow extends ScenarioKey {
  machine: string;
  task: string;
  bufferFrames: number;
  bufferUs: number;
  measured: DeadlineCount | null;
  byPolicy: Record<string, DeadlineCount | null>;
}

export interface HostShare {
  /** Fraction (0..1) of host CPU time (CPUs x span) spent running each class of thread. */
  vcpu: number;
  other: number;
  idle: number;
  spanNs: number;
  cpus: number;
  /** The non-vCPU host threads that used the most CPU (comm from the trace: escape before display). */
  topOther: Array<{ tid: number; comm: string; share: number }>;
}

export interface HostImpactRow extends ScenarioKey {
  /** 'trace' for the captured run, else the replayed policy. */
  policy: string;
  hostProbe: LatencyStats | null;
  share: HostShare | null;
  throttles: number | null;
  boosts: number | null;
  boostedNs: number | null;
  capHits: number | null;
  boostReasons: Record<string, number>;
}

/** Facts a reader of the comparison needs to trust it. */
export interface ScenarioFacts extends ScenarioKey {
  dir: string;
  description: string | null;
  machines: Array<{
    name: string;
    format: string;
    source: string;
    kernel: string | null;
    cpus: number | null;
    clock: string;
    spanNs: number;
    lost: number;
    lostEvents: number | null;
    warnings: string[];
  }>;
  alignment: Array<{ guest: string; clockSource: string; offsetNs: number; uncertaintyNs: number; vcpuSource: string; vcpus: Record<string, number> }>;
  capture: Record<string, unknown>;
  /** What the probe tool printed itself (cyclictest summary), per machine. */
  toolReported: Record<string, { tool: string; task: string; count: number; avgUs: number; maxUs: number }>;
  replayParams: Record<string, Record<string, unknown>>;
  warnings: string[];
}

export interface CompareResult {
  policies: string[];
  bufferFrames: number[];
  sampleRateHz: number;
  latency: LatencyRow[];
  deadlines: DeadlineRow[];
  hostImpact: HostImpactRow[];
  scenarios: ScenarioFacts[];
  warnings: string[];
}
