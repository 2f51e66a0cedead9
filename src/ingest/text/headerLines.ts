import type { LostWindow } from '../../tables/index.js';

// Lines that are not events: `#` headers, trace-cmd report headers, loss markers (formats.md
// §1.1, §1.4, §1.6). Rare, so plain regexes are fine here.

export type NonEventLine =
  | { type: 'blank' }
  | { type: 'tracer'; tracer: string }
  | { type: 'entries'; inBuffer: number; written: number; cpus: number | null }
  | { type: 'enabled-events'; events: string[] }
  | { type: 'comment' }
  | { type: 'version'; version: string }
  | { type: 'cpus'; prefix: string | null; cpus: number }
  | { type: 'lost'; cpu: number; kind: LostWindow['kind']; events: number | null; text: string }
  | { type: 'ignore'; why: string }
  | { type: 'warning'; text: string };

const ENTRIES = /^#\s*entries-in-buffer\/entries-written:\s*(\d+)\/(\d+)(?:\s+#P:(\d+))?/;
const BUFFER_STARTED = /^#+\s*CPU\s+(\d+)\s+buffer started\s*#*\s*$/;
const LOST = /^CPU:(\d+)\s+\[LOST(?:\s+(\d+))?\s+EVENTS\]\s*$/;
const DROPPED = /^CPU:(\d+)\s+\[(?:(\d+)\s+)?EVENTS DROPPED\]\s*$/;
const CPUS = /^(?:(.*\S):\s+)?cpus=(\d+)\s*$/;

/** Classify a line that did not scan as an event; null when it is not a known non-event line either. */
export function classifyLine(text: string): NonEventLine | null {
  const t = text.trim();
  if (t === '') return { type: 'blank' };
  if (t.startsWith('#')) {
    let m = ENTRIES.exec(t);
    if (m) return { type: 'entries', inBuffer: Number(m[1]), written: Number(m[2]), cpus: m[3] ? Number(m[3]) : null };
    m = BUFFER_STARTED.exec(t);
    if (m) return { type: 'lost', cpu: Number(m[1]), kind: 'buffer-started', events: null, text: t };
    m = /^#\s*tracer:\s*(\S*)/.exec(t);
    if (m) return { type: 'tracer', tracer: m[1]! };
    m = /^#\s*enabled events:\s*(.*)$/.exec(t);
    if (m) return { type: 'enabled-events', events: m[1]!.split(/\s+/).filter(Boolean) };
    return { type: 'comment' };
  }
  let m = LOST.exec(t);
  if (m) return { type: 'lost', cpu: Number(m[1]), kind: 'lost', events: m[2] ? Number(m[2]) : null, text: t };
  m = DROPPED.exec(t);
  if (m) return { type: 'lost', cpu: Number(m[1]), kind: 'dropped', events: m[2] ? Number(m[2]) : null, text: t };
  m = /^version\s*=\s*(\S+)\s*$/.exec(t);
  if (m) return { type: 'version', version: m[1]! };
  m = CPUS.exec(t);
  if (m) return { type: 'cpus', prefix: m[1] ?? null, cpus: Number(m[2]) };
  if (/^CPU:\d+\s+\[SUBBUFFER START\]$/.test(t)) return { type: 'ignore', why: 'subbuffer' };
  if (/^CPU \d+ is empty$/.test(t)) return { type: 'ignore', why: 'empty cpu' };
  if (/^(TRACE:|capturing trace\.\.\.|done$)/.test(t)) return { type: 'ignore', why: 'atrace preamble' };
  if (/^(WARNING|warning|trace-cmd: )/.test(t)) return { type: 'warning', text: t };
  return null;
}
