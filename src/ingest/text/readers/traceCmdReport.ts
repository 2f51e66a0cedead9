import { registerReader } from '../../registry.js';
import { readTextTrace } from '../readTextTrace.js';
import { looksLikeText, isTraceCmdReport } from '../sniff.js';

registerReader({
  format: 'trace-cmd-report',
  priority: 80,
  sniff: (head, text) => looksLikeText(head) && isTraceCmdReport(text),
  read: (path, opts) => readTextTrace(path, 'trace-cmd-report', opts),
});
