// Facts the lab needs from a captured ftrace text: sync markers, ring-buffer completeness, which
// thread ids appear. Streams the file line by line (host traces are tens of MB); .gz/.zst are
// decompressed on the fly by the project's own byte reader.
import { openBytes } from '../../../src/ingest/open.js';
import { parseSyncMarker, type SyncMarker } from './syncClock.js';

export interface TraceFacts {
  markers: SyncMarker[];
  /** From the `# entries-in-buffer/entries-written: A/B #P:N` header. */
  entriesInBuffer?: number;
  entriesWritten?: number;
  cpus?: number;
  eventLines: number;
  /** "CPU:n [LOST ...]" lines. */
  lostLines: number;
  /** pids seen in the comm-pid column. */
  pids: Set<number>;
  /** pid -> first comm seen for it in the comm-pid column. */
  comms: Map<number, string>;
  firstTsNs?: number;
  lastTsNs?: number;
}

const HEADER_RE = /^# entries-in-buffer\/entries-written: (\d+)\/(\d+)\s+#P:(\d+)/;
// comm-pid, optional (tgid), [cpu], flags, timestamp
const EVENT_RE = /^\s*(.*?)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\]\s+(?:\S+\s+)?(\d+)\.(\d+):/;

async function* lines(path: string): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of openBytes(path)) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    yield* parts;
  }
  rest += decoder.decode();
  if (rest) yield rest;
}

export async function readTraceFacts(path: string): Promise<TraceFacts> {
  const facts: TraceFacts = { markers: [], eventLines: 0, lostLines: 0, pids: new Set(), comms: new Map() };
  for await (const line of lines(path)) {
    if (line.startsWith('#')) {
      const h = HEADER_RE.exec(line);
      if (h) [facts.entriesInBuffer, facts.entriesWritten, facts.cpus] = [Number(h[1]), Number(h[2]), Number(h[3])];
      continue;
    }
    if (/^CPU:\d+ \[(LOST|\d+ EVENTS DROPPED)/.test(line)) {
      facts.lostLines++;
      continue;
    }
    const m = EVENT_RE.exec(line);
    if (!m) continue;
    facts.eventLines++;
    const pid = Number(m[2]);
    if (!facts.pids.has(pid)) {
      facts.pids.add(pid);
      facts.comms.set(pid, m[1]);
    }
    const tsNs = Number(m[3]) * 1e9 + Number(m[4]) * 10 ** (9 - m[4].length);
    if (facts.firstTsNs === undefined) facts.firstTsNs = tsNs;
    facts.lastTsNs = tsNs;
    const marker = parseSyncMarker(line);
    if (marker) facts.markers.push(marker);
  }
  return facts;
}

export interface BufferStats {
  overrun: number;
  dropped: number;
  entries: number;
}

/** Sums per-CPU `per_cpu/cpuN/stats` dumps ("== cpuN" separated). */
export function parseBufferStats(text: string): BufferStats {
  const sum = (key: string): number => {
    let total = 0;
    for (const m of text.matchAll(new RegExp(`^${key}:\\s*(\\d+)`, 'gm'))) total += Number(m[1]);
    return total;
  };
  return { overrun: sum('overrun'), dropped: sum('dropped events'), entries: sum('entries') };
}
