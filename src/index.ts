// The library API. The CLI is a thin layer over these functions.
export * from './tables/index.js';
export { ingest, detectReader, InputError } from './ingest/index.js';
export type { IngestOptions, TraceReader } from './ingest/index.js';
export * from './scenario/index.js';
export type * from './align/types.js';
export type * from './metrics/types.js';
export type * from './replay/types.js';
export { readTextTrace } from './ingest/text/readTextTrace.js';
export { summarizeTrace, cpuTimeByThread } from './metrics/traceSummary.js';
export type { TraceSummary, ThreadCpuTime } from './metrics/traceSummary.js';
export { detectVcpuThreads, vcpuFromThreadName } from './align/vcpuThreadNames.js';
export type { VcpuThread, VcpuNameStyle } from './align/vcpuThreadNames.js';
export { formatFtraceText, ftraceTextChunks, writeFtraceTextFile, flagsToText } from './tables/ftraceTextWriter.js';
export { runBatch, mergeBatches, loadManifest, parseManifest, planBatch, parseShard, shardCells, cellId, ManifestError, OUTPUT_FILES } from './batch/index.js';
export type { BatchOptions, BatchRunSummary, MergeSummary, Manifest, BatchPlan, Shard, CellSpec, CellOutput, CellRunner, CellRecord, MetricRow } from './batch/index.js';
