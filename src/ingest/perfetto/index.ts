export { readPerfetto, sniffPerfetto, perfettoReader } from './reader.js';
export { PerfettoDecoder } from './decoder.js';
export { clockSyncEstimate, type RemoteClockSync } from './clocks.js';
export { WireReader, WireError } from './wire.js';
