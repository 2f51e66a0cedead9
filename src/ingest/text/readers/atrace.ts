import { registerReader } from '../../registry.js';
import { readTextTrace } from '../readTextTrace.js';
import { looksLikeText, isAtrace } from '../sniff.js';

registerReader({
  format: 'atrace',
  priority: 20,
  sniff: (head, text) => looksLikeText(head) && isAtrace(text),
  read: (path, opts) => readTextTrace(path, 'atrace', opts),
});
