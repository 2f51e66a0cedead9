import type { Trace, TraceFormat } from '../tables/index.js';

// One reader per format. Each sniffs the decompressed head of the file (never the file name)
// and streams the file into MachineBuilders.

export interface IngestOptions {
  /** Make unparseable lines/records fatal instead of counted. */
  strict?: boolean;
  /** Counter frequency for raw-counter clocks (x86-tsc, counter), Hz. */
  tscHz?: number;
  /** Progress callback: bytes consumed so far (of the decompressed stream) and total when known. */
  onProgress?: (bytes: number, totalBytes: number | null) => void;
  /** Machine name to give a single-machine trace (default 'host'). */
  machine?: string;
}

export interface TraceReader {
  format: TraceFormat;
  /** Higher runs first; text readers that overlap pick by specificity. */
  priority: number;
  /** True when the decompressed head of the file looks like this format. */
  sniff(head: Uint8Array, headText: string): boolean;
  read(path: string, opts: IngestOptions): Promise<Trace>;
}

const readers: TraceReader[] = [];

export function registerReader(r: TraceReader): void {
  readers.push(r);
  readers.sort((a, b) => b.priority - a.priority);
}

export function allReaders(): readonly TraceReader[] {
  return readers;
}
