import { registerReader } from '../../registry.js';
import { readTextTrace } from '../readTextTrace.js';
import { looksLikeText, isSystraceHtml } from '../sniff.js';

registerReader({
  format: 'systrace-html',
  priority: 90,
  sniff: (head, text) => looksLikeText(head) && isSystraceHtml(text),
  read: (path, opts) => readTextTrace(path, 'systrace-html', opts),
});
