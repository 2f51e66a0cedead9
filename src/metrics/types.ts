// Latency results shared by `latency`, `replay`, `compare` and the report.

export interface LatencyStats {
  count: number;
  minUs: number;
  avgUs: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** Per-activation latencies of one probe task on one machine. */
export interface ProbeLatency {
  /** 'host' or a guest name */
  machine: string;
  task: string;
  tids: number[];
  stats: LatencyStats;
  /** Activation times (host clock, ns) and latencies (ns), one entry per activation, in time order. */
  activationTsNs: Float64Array;
  latencyNs: Float64Array;
  /** For guest probes: the part of each latency during which the vCPU thread was not running on the host. */
  hostCausedNs?: Float64Array;
}
