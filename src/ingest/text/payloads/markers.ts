import { MarkerKind } from '../../../tables/index.js';
import { SP, detach, find, trimEnd } from '../scan.js';
import { commonRow, type PayloadParser } from './common.js';

// trace_marker writes and trace_printk. print/bprint/bputs carry a caller before `: `
// (`0xffff00000819ff24s: text`, `thermal_gpu_power_get: text`); tracing_mark_write is just text.

export const parseMarker: PayloadParser = (m, ev, s, a, e, kind) => {
  const t = m.b.markers;
  const i = commonRow(t, m, ev);
  const c = t.c;
  c.kind[i] = kind;
  c.ip[i] = -1;
  e = trimEnd(s, a, e);
  if (kind !== MarkerKind.TRACING_MARK_WRITE) {
    const colon = find(s, ': ', a, e);
    if (colon > a) {
      let spaced = false;
      for (let p = a; p < colon; p++) if (s.charCodeAt(p) === SP) { spaced = true; break; }
      if (!spaced) {
        c.ip[i] = m.intern(s, a, colon);
        c.text[i] = detach(s.slice(colon + 2, e));
        return true;
      }
    }
  }
  c.text[i] = detach(s.slice(a, e));
  return true;
};

export const parseGeneric: PayloadParser = (m, ev, s, a, e) => {
  const t = m.b.generic;
  const i = commonRow(t, m, ev);
  t.c.event[i] = ev.nameId;
  t.c.fields[i] = detach(s.slice(a, trimEnd(s, a, e)));
  return true;
};
