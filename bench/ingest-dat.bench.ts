// trace-cmd .dat reader vs `trace-cmd report FILE > /dev/null` on the same >= 500k-event file.
//
// The file: $DAT_BENCH_FILE, else /tmp/vcpu-replay-dat-bench/big.dat, recorded on first use with
// test/fixtures/dat/record.sh (needs root + tracefs: sched/irq/timer events, stress-ng load, a
// 40 MB-per-CPU buffer). trace-cmd writes v7+zstd; a v6 uncompressed copy is made with
// `trace-cmd convert` so that decode speed is also measured without the zstd cost.
//
// Both wall and CPU time are printed: the bench machine is shared, so wall time is noisy and
// CPU time (user+sys of this process, its I/O threads and its zstd child, vs. the trace-cmd
// child) is the steadier comparison. The readers run interleaved (DAT_BENCH_RUNS times each,
// median reported); trace-cmd is timed best of 2. The 1-minute load average is printed too.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { readDat, readDatBytes } from '../src/ingest/dat/index.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT = '/tmp/vcpu-replay-dat-bench/big.dat';

function ensureFile(): string | null {
  const f = process.env['DAT_BENCH_FILE'] ?? DEFAULT;
  if (existsSync(f)) return f;
  if (process.env['DAT_BENCH_FILE'] || process.getuid?.() !== 0) return null;
  mkdirSync(dirname(f), { recursive: true });
  process.stderr.write(`ingest-dat bench: recording ${f} (about 10 s)...\n`);
  execFileSync(join(REPO, 'test/fixtures/dat/record.sh'), [f, '40000', '4'], { stdio: 'inherit' });
  return existsSync(f) ? f : null;
}

function ensureV6(f: string): string | null {
  const out = f.replace(/\.dat$/, '') + '-v6.dat';
  if (existsSync(out)) return out;
  const r = spawnSync('trace-cmd', ['convert', '-i', f, '-o', out, '--file-version', '6', '--compression', 'none'], { stdio: 'ignore' });
  return r.status === 0 && existsSync(out) ? out : null;
}

/** CPU ms of finished child processes (the zstd command), from /proc/self/stat cutime+cstime. */
function childCpuMs(): number {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[13]) + Number(rest[14])) * 10; // fields 16, 17; 100 ticks/s
  } catch {
    return 0;
  }
}

interface ReaderRun {
  events: number;
  wallMs: number;
  cpuMs: number;
}

async function timeReader(f: string): Promise<ReaderRun> {
  const c0 = process.cpuUsage();
  const k0 = childCpuMs();
  const t0 = performance.now();
  const t = await readDat(f);
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const kids = childCpuMs() - k0;
  const events = Object.values(t.machines[0]!.meta.eventCounts).reduce((a, b) => a + b, 0);
  return { events, wallMs, cpuMs: (c.user + c.system) / 1000 + kids };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function timeTraceCmd(f: string, runs: number): { wallMs: number; cpuMs: number } {
  let best = { wallMs: Infinity, cpuMs: Infinity };
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    // bash's `times` prints the children's user and sys time on its second line.
    const out = execFileSync('bash', ['-c', 'trace-cmd report "$1" > /dev/null 2>&1; times', 'bench', f], { encoding: 'utf8' });
    const wallMs = performance.now() - t0;
    const line = out.trim().split('\n')[1] ?? '';
    const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    const cpuMs = ((secs[0] ?? NaN) + (secs[1] ?? NaN)) * 1000;
    if (wallMs < best.wallMs) best = { wallMs, cpuMs };
  }
  return best;
}

/** Hash of a machine's meta and every column: readDat() decompresses v7 zstd on background
 * processes, readDatBytes() synchronously; the fixtures in test/ are too small for the former. */
function machineDigest(m: unknown): string {
  const h = createHash('sha256');
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return void h.update(JSON.stringify(v) ?? 'undefined');
    if (ArrayBuffer.isView(v)) return void h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    for (const k of Object.keys(v).sort()) {
      h.update(k);
      walk((v as Record<string, unknown>)[k]);
    }
  };
  walk(m);
  return h.digest('hex');
}

export async function run(): Promise<Record<string, number | string>> {
  const f = ensureFile();
  if (!f) return { skipped: `no bench file: set DAT_BENCH_FILE or run as root to record ${DEFAULT}` };
  if (spawnSync('trace-cmd', ['--version']).status === null) return { skipped: 'trace-cmd is not installed' };
  const out: Record<string, number | string> = { file: f, 'file MB': statSync(f).size / 1e6 };
  const variants: Array<[string, string | null]> = [
    ['v7 zstd', f],
    ['v6 uncompressed', ensureV6(f)],
  ];
  const async = machineDigest((await readDat(f)).machines[0]);
  out['v7 zstd: readDat == readDatBytes'] = async === machineDigest(readDatBytes(readFileSync(f), f).machines[0]) ? 'yes' : 'NO';
  const files = variants.filter((v): v is [string, string] => v[1] !== null);
  // Interleaved, so that the machine's other load falls on every variant alike.
  const RUNS = Number(process.env['DAT_BENCH_RUNS'] ?? 5);
  const runs = new Map<string, ReaderRun[]>(files.map(([name]) => [name, []]));
  out['load average at start'] = loadavg()[0]!;
  for (const [, file] of files) await timeReader(file); // warm-up: JIT and page cache
  for (let r = 0; r < RUNS; r++) for (const [name, file] of r % 2 ? [...files].reverse() : files) runs.get(name)!.push(await timeReader(file));
  for (const [name, file] of files) {
    const rs = runs.get(name)!;
    const wallMs = median(rs.map((x) => x.wallMs));
    const cpuMs = median(rs.map((x) => x.cpuMs));
    const events = rs[0]!.events;
    const tc = timeTraceCmd(file, 2);
    out[`${name}: events`] = events;
    out[`${name}: reader wall ms (median of ${RUNS})`] = wallMs;
    out[`${name}: reader wall ms (min)`] = Math.min(...rs.map((x) => x.wallMs));
    out[`${name}: reader cpu ms incl. zstd (median)`] = cpuMs;
    out[`${name}: reader M events/s (wall)`] = events / wallMs / 1000;
    out[`${name}: reader M events/s (cpu)`] = events / cpuMs / 1000;
    out[`${name}: trace-cmd report wall ms`] = tc.wallMs;
    out[`${name}: trace-cmd report cpu ms`] = tc.cpuMs;
    out[`${name}: speedup vs trace-cmd (wall)`] = tc.wallMs / wallMs;
    out[`${name}: speedup vs trace-cmd (cpu)`] = tc.cpuMs / cpuMs;
  }
  out['load average at end'] = loadavg()[0]!;
  return out;
}
