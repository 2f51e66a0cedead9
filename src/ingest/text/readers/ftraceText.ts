import { registerReader } from '../../registry.js';
import { readTextTrace } from '../readTextTrace.js';
import { looksLikeText, hasFtraceLines } from '../sniff.js';

// Text readers run before Perfetto (50): their sniffs need printable text with trace lines, which
// protobuf never is, while a text file starting with a blank line looks like a protobuf tag (0x0a).
registerReader({
  format: 'ftrace-text',
  priority: 60,
  sniff: (head, text) => looksLikeText(head) && hasFtraceLines(text),
  read: (path, opts) => readTextTrace(path, 'ftrace-text', opts),
});
