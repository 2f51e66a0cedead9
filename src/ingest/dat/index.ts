import { registerReader } from '../registry.js';
import { hasDatMagic } from './layout.js';
import { readDat } from './reader.js';

// trace-cmd .dat: sniffed by its magic (\x17\x08Dtracing), never by file name.
registerReader({
  format: 'trace-cmd-dat',
  priority: 100,
  sniff: (head) => hasDatMagic(head),
  read: readDat,
});

export { readDat, readDatBytes } from './reader.js';
export { parseLayout, hasDatMagic, type DatLayout } from './layout.js';
