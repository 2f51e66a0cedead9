export { writePerfetto, writePerfettoFile, encodePerfetto, type PerfettoWriteInput, type PerfettoWriteOptions } from './writer.js';
export { ProtoWriter } from './protoWriter.js';
