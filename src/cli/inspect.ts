import type { Command } from 'commander';
import { ingest } from '../ingest/index.js';
import type { IngestOptions } from '../ingest/index.js';
import { summarizeTrace, type TraceSummary } from '../metrics/traceSummary.js';
import { progress } from './progress.js';
import { UsageError } from './main.js';

// `vcpu-replay inspect FILE...`: what is in a trace, before trusting it.

interface InspectOpts {
  json?: boolean;
  tscHz?: string;
  strict?: boolean;
  top?: string;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('summarise trace files: format, clock, CPUs, time range, event counts, top threads, vCPU threads, lost data, warnings')
    .argument('<file...>', 'trace files (ftrace text, trace-cmd report, atrace, systrace HTML, .dat, Perfetto; .gz/.zst ok)')
    .option('--json', 'print JSON: one object per file (an array for several files)')
    .option('--tsc-hz <hz>', 'counter frequency for raw-counter clocks (x86-tsc, counter): convert timestamps to ns')
    .option('--strict', 'fail on the first unparseable line instead of counting it')
    .option('--top <n>', 'number of threads to list by CPU time', '10')
    .action(async (files: string[], o: InspectOpts) => {
      const ingestOpts = ingestOptionsFrom(o);
      const top = Number(o.top ?? 10);
      if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top must be a non-negative integer, got '${o.top}'`);
      const results = [];
      for (const file of files) {
        const p = progress(`reading ${file}`);
        const trace = await ingest(file, { ...ingestOpts, onProgress: (n, total) => p.update(n, total) });
        p.done();
        const machines = trace.machines.map((m) => summarizeTrace(m, { topThreads: top }));
        results.push({ file, ...machines[0]!, machines });
        if (!o.json) process.stdout.write(machines.map((s) => formatSummary(file, s)).join('\n') + '\n');
      }
      if (o.json) process.stdout.write(JSON.stringify(results.length === 1 ? results[0] : results, null, 2) + '\n');
    });
}

export function ingestOptionsFrom(o: { tscHz?: string; strict?: boolean }): IngestOptions {
  const opts: IngestOptions = { strict: !!o.strict };
  if (o.tscHz !== undefined) {
    const hz = Number(o.tscHz);
    if (!(hz > 0) || !Number.isFinite(hz)) throw new UsageError(`--tsc-hz must be a positive number of Hz, got '${o.tscHz}'`);
    opts.tscHz = hz;
  }
  return opts;
}

/** Trace-derived text (comms, marker text) shown on a terminal: no control characters. */
function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function secs(ns: number, unit: 'ns' | 'ticks'): string {
  return unit === 'ticks' ? `${ns} ticks` : `${(ns / 1e9).toFixed(6)} s`;
}

export function formatSummary(file: string, s: TraceSummary): string {
  const L: string[] = [];
  L.push(`${printable(file)}${s.machine !== 'host' ? ` [${printable(s.machine)}]` : ''}: ${s.formatDetail}`);
  L.push(`  clock ${s.clock}${s.timeUnit === 'ticks' ? ' (raw counter ticks; pass --tsc-hz to convert)' : ''}, ${s.cpus ?? '?'} CPUs${s.kernelVersion ? `, kernel ${s.kernelVersion}` : ''}`);
  L.push(`  time ${secs(s.startNs, s.timeUnit)} .. ${secs(s.endNs, s.timeUnit)} (${secs(s.durationNs, s.timeUnit)})`);
  L.push(`  ${s.totalEvents.toLocaleString('en-US')} events, ${s.threads} threads`);
  const names = Object.entries(s.events).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const w = Math.max(10, ...names.map(([n]) => n.length));
  for (const [n, c] of names) L.push(`    ${printable(n).padEnd(w)} ${String(c).padStart(9)}`);
  if (s.topThreads.length) {
    L.push(`  top threads by CPU time (sched_switch):`);
    for (const t of s.topThreads) {
      const time = s.timeUnit === 'ticks' ? `${t.cpuTimeNs} ticks` : `${(t.cpuTimeNs / 1e6).toFixed(3)} ms`;
      L.push(`    ${String(t.tid).padStart(8)}  ${printable(t.comm).padEnd(16)} ${time.padStart(14)}  ${t.switchIns} switch-ins`);
    }
  } else L.push(`  top threads: no sched_switch events`);
  if (s.vcpuThreads.length) {
    L.push(`  vCPU threads (by name):`);
    for (const v of s.vcpuThreads) L.push(`    vcpu ${v.vcpu}: tid ${v.tid}${v.tgid >= 0 ? ` (tgid ${v.tgid})` : ''} ${printable(v.comm)} [${v.style}]`);
  } else L.push(`  vCPU threads: none recognised by name`);
  if (s.lost.length) {
    L.push(`  lost data (${s.lost.length} window(s)):`);
    for (const l of s.lost.slice(0, 20)) {
      L.push(`    ${l.kind} cpu ${l.cpu < 0 ? 'all' : l.cpu}: ${secs(l.startNs, s.timeUnit)} .. ${secs(l.endNs, s.timeUnit)}, ${l.events ?? 'unknown'} events`);
    }
    if (s.lost.length > 20) L.push(`    ... ${s.lost.length - 20} more`);
  } else L.push(`  lost data: none reported`);
  for (const wmsg of s.warnings) L.push(`  warning: ${printable(wmsg)}`);
  if (s.unparsed.count) {
    L.push(`  unparsed: ${s.unparsed.count} line(s)/record(s); first:`);
    for (const ex of s.unparsed.examples) {
      L.push(`    ${ex.line !== undefined ? `line ${ex.line}` : `byte ${ex.offset}`}${ex.reason ? ` (${ex.reason})` : ''}: ${printable(ex.text)}`);
    }
  } else L.push(`  unparsed: none`);
  return L.join('\n');
}
