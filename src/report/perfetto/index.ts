export { writePerfetto, writePerfettoFile, encodePerfetto, type PerfettoWriteInput, type PerfettoWriteOptions } from './writer.js';
export { sideBySide, TID_STRIDE } from './sideBySide.js';
export { loadPerfettoInputs } from './loadInputs.js';
export { ProtoWriter } from './protoWriter.js';
