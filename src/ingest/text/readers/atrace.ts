import { registerReader } from '../../registry.js';
import { readTextTrace } from '../readTextTrace.js';
import { looksLikeText, isAtrace } from '../sniff.js';
import { ctraceDataOffset } from '../ctrace.js';

registerReader({
  format: 'atrace',
  priority: 70,
  sniff: (head, text) => (looksLikeText(head) && isAtrace(text)) || ctraceDataOffset(head) >= 0,
  read: (path, opts) => readTextTrace(path, 'atrace', opts),
});
