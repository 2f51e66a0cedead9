import { InputError, sniffBytes } from './open.js';
import { allReaders, type IngestOptions, type TraceReader } from './registry.js';
import type { Trace } from '../tables/index.js';
import './readers.js';

export { InputError } from './open.js';
export type { IngestOptions, TraceReader } from './registry.js';

/** Pick the reader for a file by content. Throws InputError naming the file when none fits. */
export async function detectReader(path: string): Promise<TraceReader> {
  const head = await sniffBytes(path);
  if (head.length === 0) throw new InputError(path, 'file is empty');
  const headText = Buffer.from(head.subarray(0, 16384)).toString('latin1');
  for (const r of allReaders()) if (r.sniff(head, headText)) return r;
  const printable = head.subarray(0, 512).filter((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127)).length;
  const kind = printable / Math.min(512, head.length) > 0.9 ? 'text in no known trace format' : 'binary data in no known trace format';
  throw new InputError(
    path,
    `unknown format: ${kind} (expected ftrace text, trace-cmd report, systrace/atrace, trace-cmd .dat or Perfetto protobuf)`,
    { offset: 0 },
  );
}

/** Read one trace file (any supported format, optionally gzip/zstd compressed) into tables. */
export async function ingest(path: string, opts: IngestOptions = {}): Promise<Trace> {
  const reader = await detectReader(path);
  return reader.read(path, opts);
}
