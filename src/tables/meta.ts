// Trace-level metadata: what a user wants to know before trusting a trace.

export type TraceFormat =
  | 'ftrace-text'
  | 'trace-cmd-report'
  | 'atrace'
  | 'systrace-html'
  | 'trace-cmd-dat'
  | 'perfetto'
  | 'replay'
  | 'generated';

/** A window in which events are known or suspected to be missing. */
export interface LostWindow {
  /** -1 = all CPUs / unknown CPU */
  cpu: number;
  /** Last good event before the loss (or trace start), ns. */
  startNs: number;
  /** First event after the loss (or trace end), ns. */
  endNs: number;
  /** Number of lost events when known, else null. */
  events: number | null;
  kind: 'lost' | 'dropped' | 'overwrite' | 'buffer-started' | 'packet-dropped' | 'corrupt' | 'truncated';
  detail?: string;
}

export interface UnparsedSummary {
  count: number;
  /** First few examples: 1-based line number (text) or byte offset (binary) and the text. */
  examples: Array<{ line?: number; offset?: number; text: string; reason?: string }>;
}

export interface TraceMeta {
  /** Input file path (or a description for generated data). */
  source: string;
  format: TraceFormat;
  /** Finer detail, e.g. 'trace-cmd report (pretty plugin)', 'systrace html (legacy)', 'dat v7 zstd'. */
  formatDetail: string;
  /** Machine name: 'host' unless the trace names it (Perfetto machines, trace-cmd multi-file prefixes, guests). */
  machine: string;
  /** Trace clock name: local, global, mono, boot, x86-tsc, counter, ... ('unknown' when not recorded). */
  clock: string;
  /** 'ns' when tsNs columns are nanoseconds; 'ticks' when they hold a raw counter with no known frequency. */
  timeUnit: 'ns' | 'ticks';
  /** Counter frequency used (or usable) to convert raw counter clocks, Hz. */
  counterHz: number | null;
  cpuCount: number | null;
  kernelVersion: string | null;
  startNs: number;
  endNs: number;
  /** Event name -> count, for every event read (typed and generic). */
  eventCounts: Record<string, number>;
  lost: LostWindow[];
  warnings: string[];
  unparsed: UnparsedSummary;
  /** Format-specific facts: dat GUEST option, TIME_SHIFT, Perfetto clock sync, systrace metadata... */
  extra: Record<string, unknown>;
}

export function emptyMeta(source: string, format: TraceFormat): TraceMeta {
  return {
    source,
    format,
    formatDetail: format,
    machine: 'host',
    clock: 'unknown',
    timeUnit: 'ns',
    counterHz: null,
    cpuCount: null,
    kernelVersion: null,
    startNs: 0,
    endNs: 0,
    eventCounts: {},
    lost: [],
    warnings: [],
    unparsed: { count: 0, examples: [] },
    extra: {},
  };
}

/** Parse "4.19.113-perf+" / "6.1.0-13-amd64" into [major, minor]; null when absent or unparseable. */
export function kernelMajorMinor(version: string | null | undefined): [number, number] | null {
  if (!version) return null;
  const m = /(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : null;
}
