// Text ingest throughput: a >= 500k-event ftrace text trace generated from the bundled real
// capture (its event lines repeated with increasing timestamps), read to finished tables.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { loadavg } from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readTextTrace } from '../src/ingest/text/readTextTrace.js';
import { splitByteLines, splitLines } from '../src/ingest/text/lineSplitter.js';
import { openBytes } from '../src/ingest/open.js';
import { EVENT_TABLES, type Table } from '../src/tables/index.js';

const EVENTS = Number(process.env['BENCH_TEXT_EVENTS'] ?? 1_000_000);
const OUT = '/tmp/vcpu-replay-bench-ingest-text.txt';

/** Repeat the sample's event lines, shifting each copy's timestamps past the previous copy. */
async function generate(): Promise<number> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const text = gunzipSync(await readFile(join(dir, '../traces/samples/host-ftrace-sample.txt.gz'))).toString('utf8');
  const lines = text.split('\n');
  const header = lines.filter((l) => l.startsWith('#'));
  const events = lines.filter((l) => l && !l.startsWith('#'));
  const tsRe = /\] (\S+) +(\d+)\.(\d{6}): /;
  const parsed = events.map((l) => {
    const m = tsRe.exec(l)!;
    return { head: l.slice(0, m.index! + 2 + m[1]!.length + 1), us: Number(m[2]) * 1e6 + Number(m[3]), tail: l.slice(m.index! + m[0].length - 2) };
  });
  const spanUs = parsed[parsed.length - 1]!.us - parsed[0]!.us + 1;
  const ws = createWriteStream(OUT);
  header[2] = `# entries-in-buffer/entries-written: ${EVENTS}/${EVENTS}   #P:2`;
  ws.write(header.join('\n') + '\n');
  let n = 0;
  for (let copy = 0; n < EVENTS; copy++) {
    const out: string[] = [];
    for (const p of parsed) {
      if (n++ >= EVENTS) break;
      const us = p.us + copy * spanUs;
      const ts = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`.padStart(12);
      out.push(p.head + ts + p.tail);
    }
    if (!ws.write(out.join('\n') + '\n')) await once(ws, 'drain');
  }
  ws.end();
  await once(ws, 'finish');
  return (await stat(OUT)).size;
}

/** CPU seconds to read, decode and split the file into lines with nothing parsed (the old string path's floor). */
async function splitOnlyCpuSec(): Promise<number> {
  let chars = 0;
  const c0 = process.cpuUsage();
  await splitLines(openBytes(OUT), { line: (_s, a, e) => void (chars += e - a) });
  const c = process.cpuUsage(c0);
  if (chars === 0) throw new Error('split read nothing');
  return (c.user + c.system) / 1e6;
}

/** CPU seconds to read and split the file into byte ranges, nothing decoded: the floor under the byte path. */
async function splitBytesOnlyCpuSec(): Promise<number> {
  let bytes = 0;
  const c0 = process.cpuUsage();
  await splitByteLines(openBytes(OUT), { lineBytes: (_b, a, e) => void (bytes += e - a) });
  const c = process.cpuUsage(c0);
  if (bytes === 0) throw new Error('split read nothing');
  return (c.user + c.system) / 1e6;
}

/** CPU ns per character of a bare charCodeAt loop: how fast this (possibly shared) machine is right now. */
async function referenceNsPerChar(): Promise<number> {
  const s = (await readFile(OUT)).subarray(0, 32 << 20).toString('latin1');
  const c0 = process.cpuUsage();
  let x = 0;
  for (let i = 0; i < s.length; i++) x = (x + s.charCodeAt(i)) | 0;
  const c = process.cpuUsage(c0);
  if (x === 42) process.stdout.write('');
  return ((c.user + c.system) * 1000) / s.length;
}

export async function run(): Promise<Record<string, number | string>> {
  const bytes = await generate();
  const rssBefore = process.memoryUsage().rss;
  const load = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const trace = await readTextTrace(OUT, 'ftrace-text');
  const sec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const m = trace.machines[0]!;
  const events = Object.values(m.meta.eventCounts).reduce((a, b) => a + b, 0);
  if (events !== EVENTS || m.meta.unparsed.count) throw new Error(`bench trace read wrong: ${events} events, ${m.meta.unparsed.count} unparsed`);
  // Heap still in use with the finished tables alive: must track the tables, not the input size.
  v8.setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  const heapAfter = process.memoryUsage().heapUsed;
  let tableBytes = 0;
  for (const spec of EVENT_TABLES) {
    for (const col of Object.values((m[spec.name] as Table).cols)) tableBytes += (col as { byteLength?: number }).byteLength ?? 0;
  }
  if (trace.machines.length !== 1) throw new Error('unexpected machines');
  const maxRssMb = process.resourceUsage().maxRSS / 1e3;
  const refNs = await referenceNsPerChar();
  const splitSec = await splitOnlyCpuSec();
  const splitBytesSec = await splitBytesOnlyCpuSec();
  return {
    'input events': events,
    'input MB': bytes / 1e6,
    'ingest s (wall)': sec,
    'ingest s (process CPU)': cpuSec,
    'events/s (wall)': events / sec,
    'events/s (per CPU second)': events / cpuSec,
    'MB/s (wall)': bytes / 1e6 / sec,
    'load average before (2-core box is shared)': load,
    'reference: bare charCodeAt loop, CPU ns/char': refNs,
    'reference: read + decode + split lines only, CPU s': splitSec,
    'reference: read + split into byte ranges only, CPU s': splitBytesSec,
    'rss before ingest MB': rssBefore / 1e6,
    'peak rss MB (process maxRSS)': maxRssMb,
    'event table columns MB': tableBytes / 1e6,
    'JS heap after gc, tables alive MB (excl. typed arrays)': heapAfter / 1e6,
  };
}
