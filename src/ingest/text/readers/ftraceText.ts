import { registerReader } from '../../registry.js';
import { readTextTrace } from '../readTextTrace.js';
import { looksLikeText, hasFtraceLines } from '../sniff.js';

registerReader({
  format: 'ftrace-text',
  priority: 10,
  sniff: (head, text) => looksLikeText(head) && hasFtraceLines(text),
  read: (path, opts) => readTextTrace(path, 'ftrace-text', opts),
});
