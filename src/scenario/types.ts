// scenario.json: one host trace plus zero or more guest traces, and what is known about them.
// Written by the capture lab and by `generate`; read by align, latency, replay and compare.
// Documented in docs/scenario.md; validated by validate.ts.

export interface CyclictestThreadSummary {
  /** cyclictest T: index */
  thread: number;
  tid?: number;
  priority?: number;
  intervalUs?: number;
  count: number;
  minUs: number;
  avgUs: number;
  maxUs: number;
}

/** What a probe tool itself printed for a run (e.g. cyclictest's summary lines). */
export interface MeasuredProbe {
  tool: 'cyclictest' | string;
  /** Thread name of the probe task as it appears in the trace (e.g. "cyclictest"). */
  task: string;
  command?: string;
  threads: CyclictestThreadSummary[];
  /** Raw output kept for the record. */
  raw?: string;
}

export interface ClockMapping {
  /** hostNs = guestNs + offsetNs (after converting raw counters to ns). */
  offsetNs?: number;
  /** Raw-counter offset: hostTicks = guestTicks + tscOffset (before conversion with tscHz). */
  tscOffset?: number;
  /** Guest clock rate relative to host (1 = same rate). hostNs = guestNs * scale + offsetNs. */
  scale?: number;
  /** How the mapping was obtained: 'same-clock', 'sync-markers', 'kvm-tsc-offset', 'time-shift', 'manual', ... */
  source?: string;
  /** Uncertainty of offsetNs, ns. */
  uncertaintyNs?: number;
}

export interface GuestSpec {
  name: string;
  /** Trace file, relative to the scenario directory. Absent for a guest with no trace. */
  trace?: string;
  /** guest CPU index -> host tid of its vCPU thread. Array (index = CPU) or object with string keys. */
  vcpus?: number[] | Record<string, number>;
  clock?: ClockMapping;
  tscHz?: number;
  kernel?: string;
  cpus?: number;
}

export interface HostSpec {
  trace: string;
  tscHz?: number;
  kernel?: string;
  cpus?: number;
}

export interface CapturedPolicy {
  /** vanilla | static | dynamic | crosvm-rt | ... */
  name: string;
  /** e.g. { policy: 'rr', priority: 8, vcpus: [0, 1] } */
  params?: Record<string, unknown>;
}

export interface Scenario {
  /** Schema version; currently 1. */
  version: 1;
  name: string;
  description?: string;
  host: HostSpec;
  guests: GuestSpec[];
  capturedPolicy?: CapturedPolicy;
  /** Probe task name per machine ('host' or a guest name), e.g. { host: 'cyclictest', guest0: 'cyclictest' }. */
  probes?: Record<string, string>;
  /** Probe tools' own results per machine ('host' or a guest name). */
  measured?: Record<string, MeasuredProbe>;
  /** Free-form facts: load (idle/busy), interval, durations, versions of kernel/QEMU/trace-cmd/rt-tests, accel. */
  capture?: Record<string, unknown>;
  /** For generated scenarios: the spec it was generated from. */
  generator?: Record<string, unknown>;
}
