// Facts the lab needs from a captured ftrace text: sync markers, ring-buffer completeness, and the
// comm of a few thread ids. Scans decompressed chunks with indexOf instead of parsing every line
// (a 10 s host trace is ~750k lines, ~110 MB). .zst goes through the zstd program when it is
// installed (the pure-JS decoder needs ~15 s for one host trace on the shared machine); otherwise,
// and for .gz, through the project's own byte reader.
import { spawn, spawnSync } from 'node:child_process';
import { openBytes } from '../../../src/ingest/open.js';
import { parseSyncMarker, type SyncMarker } from './syncClock.js';

export interface TraceFacts {
  markers: SyncMarker[];
  /** From the `# entries-in-buffer/entries-written: A/B #P:N` header. */
  entriesInBuffer?: number;
  entriesWritten?: number;
  cpus?: number;
  /** Lines that are neither header (`#`) nor loss markers. */
  eventLines: number;
  /** "CPU:n [LOST ...]" / "[... EVENTS DROPPED]" lines. */
  lostLines: number;
  /** Requested pid -> comm of the first event line it appears in as the comm-pid column
   *  (`<...>`, an uncached comm, is skipped). */
  comms: Map<number, string>;
  /** Requested pid -> its name in sched_switch payloads (`prev_comm=X prev_pid=pid`), which the
   *  kernel copies from the task at event time; the comm column can be `<...>` throughout when
   *  the kernel's saved_cmdlines does not record (seen on the 6.18 lab host). */
  switchComms: Map<number, string>;
}

const HEADER_RE = /^# entries-in-buffer\/entries-written: (\d+)\/(\d+)\s+#P:(\d+)/m;
// comm-pid, optional (tgid), [cpu]
const CONTEXT_RE = /^\s*(.*?)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\]/;
const SWITCH_COMM_RE = /prev_comm=(.*) prev_pid=(\d+) /;
const LOST_RE = /^CPU:\d+ \[(?:LOST|\d* ?EVENTS DROPPED)/;

function lineAt(text: string, i: number): string {
  const start = text.lastIndexOf('\n', i) + 1;
  const end = text.indexOf('\n', i);
  return text.slice(start, end < 0 ? text.length : end);
}

let zstdOnPath: boolean | undefined;
async function* bytesOf(path: string): AsyncGenerator<Uint8Array> {
  zstdOnPath ??= spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!path.endsWith('.zst') || !zstdOnPath) {
    yield* openBytes(path);
    return;
  }
  const child = spawn('zstd', ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('close', res));
  for await (const chunk of child.stdout) yield chunk as Buffer;
  const code = await exited;
  if (code !== 0) throw new Error(`${path}: zstd -dc failed (${code}): ${stderr.trim()}`);
}

/** Scans one ftrace text file (plain, .gz or .zst). `pids`: thread ids whose comm to report. */
export async function readTraceFacts(path: string, pids: number[] = []): Promise<TraceFacts> {
  const facts: TraceFacts = { markers: [], eventLines: 0, lostLines: 0, comms: new Map(), switchComms: new Map() };
  const decoder = new TextDecoder();
  let rest = '';
  let lines = 0;
  let headerLines = 0;
  let first = true;
  const scan = (text: string): void => {
    if (first) {
      first = false;
      const h = HEADER_RE.exec(text);
      if (h) [facts.entriesInBuffer, facts.entriesWritten, facts.cpus] = [Number(h[1]), Number(h[2]), Number(h[3])];
      for (let i = 0; text.startsWith('#', i); i = text.indexOf('\n', i) + 1) headerLines++;
    }
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    for (let i = text.indexOf('vcpu-replay-sync'); i >= 0; i = text.indexOf('vcpu-replay-sync', i + 1)) {
      const m = parseSyncMarker(lineAt(text, i));
      if (m) facts.markers.push(m);
    }
    for (const needle of ['[LOST', 'EVENTS DROPPED]']) {
      for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) if (LOST_RE.test(lineAt(text, i))) facts.lostLines++;
    }
    for (const pid of pids) {
      if (facts.comms.has(pid)) continue;
      const needle = `-${pid} `;
      for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
        const c = CONTEXT_RE.exec(lineAt(text, i));
        if (c && Number(c[2]) === pid && c[1] !== '<...>') {
          facts.comms.set(pid, c[1]);
          break;
        }
      }
    }
  };
  const switchComms = (text: string): void => {
    for (const pid of pids) {
      if (facts.switchComms.has(pid)) continue;
      const needle = ` prev_pid=${pid} `;
      const i = text.indexOf(needle);
      if (i < 0) continue;
      const m = SWITCH_COMM_RE.exec(lineAt(text, i));
      if (m && Number(m[2]) === pid) facts.switchComms.set(pid, m[1]);
    }
  };
  for await (const chunk of bytesOf(path)) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const cut = text.lastIndexOf('\n') + 1; // scan whole lines only
    scan(text.slice(0, cut));
    switchComms(text.slice(0, cut));
    rest = text.slice(cut);
  }
  rest += decoder.decode();
  if (rest) {
    scan(rest + '\n');
    switchComms(rest + '\n');
  }
  facts.eventLines = lines - headerLines - facts.lostLines;
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
