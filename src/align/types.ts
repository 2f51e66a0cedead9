import type { TraceTables } from '../tables/index.js';
import type { Scenario } from '../scenario/index.js';

// The contract between alignment and everything after it. In an AlignedScenario every event
// table's tsNs — host and guests — is on the host trace clock, in ns.

export interface ClockAlignment {
  /** hostNs = guestNs * scale + offsetNs, applied to guest tsNs columns. */
  offsetNs: number;
  scale: number;
  /** Estimated uncertainty of offsetNs, ns (0 when given exactly). */
  uncertaintyNs: number;
  /** scenario | time-shift | remote-clock-sync | kvm-tsc-offset | sync-markers | estimated | same-clock */
  source: string;
}

export interface VcpuMapping {
  /** guest CPU -> host tid */
  tids: Map<number, number>;
  /** scenario | dat-guest-option | perfetto-machine | kvm-entry | thread-name | none */
  source: string;
}

export interface AlignedGuest {
  name: string;
  /** Guest tables re-timed onto the host clock; null when the scenario has no guest trace. */
  tables: TraceTables | null;
  vcpus: VcpuMapping;
  clock: ClockAlignment;
}

export interface AlignedScenario {
  name: string;
  /** Directory of the scenario (or cwd for --host/--guest). */
  dir: string;
  scenario: Scenario;
  host: TraceTables;
  guests: AlignedGuest[];
  warnings: string[];
}
