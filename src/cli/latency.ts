import type { Command } from 'commander';
import { alignScenario } from '../align/alignScenario.js';
import type { AlignedScenario } from '../align/types.js';
import { measureScenarioLatency, type ProbeMeasurement } from '../metrics/latency.js';
import { formatHistogram, latencyHistogram } from '../metrics/histogram.js';
import type { ScenarioOnDisk } from '../scenario/index.js';
import { addScenarioArgs, resolveScenarios, type ScenarioArgOpts } from './scenarioArgs.js';
import { progress } from './progress.js';
import { UsageError } from './main.js';

// `vcpu-replay latency`: what the captured probes really saw, measured from the traces.

interface LatencyOpts extends ScenarioArgOpts {
  task?: string;
  json?: boolean;
  histogram?: string | boolean;
}

export function registerLatency(program: Command): void {
  addScenarioArgs(
    program
      .command('latency')
      .description(
        'measured latency of probe tasks (cyclictest-style: programmed timer expiry -> task running) on the host and in each guest, ' +
          'with the part of each guest latency caused by the host not running the vCPU',
      ),
  )
    .option('--task <name|pid>', 'probe task name or tid (default: scenario "probes", else cyclictest)')
    .option('--json', 'print JSON: per scenario, the alignment and for each machine and probe count, minUs, avgUs, p50Us, p99Us, p999Us, maxUs')
    .option('--histogram [maxUs]', "also print a latency histogram in cyclictest's -h layout with maxUs 1 µs buckets (default 200)")
    .action(async (args: string[], o: LatencyOpts) => {
      const task = o.task === undefined ? undefined : /^\d+$/.test(o.task) ? Number(o.task) : o.task;
      let buckets = 0;
      if (o.histogram !== undefined && o.histogram !== false) {
        buckets = o.histogram === true ? 200 : Number(o.histogram);
        if (!Number.isInteger(buckets) || buckets <= 0) throw new UsageError(`--histogram takes a positive whole number of µs, got '${String(o.histogram)}'`);
      }
      const scenarios = await resolveScenarios(args, o);
      const results = [];
      for (const sc of scenarios) {
        const aligned = await alignWithProgress(sc);
        const probes = measureScenarioLatency(aligned, task === undefined ? {} : { task });
        results.push({ aligned, probes });
        if (!o.json) {
          process.stdout.write(formatText(sc, aligned, probes));
          if (buckets) for (const p of probes) process.stdout.write(`# ${printable(p.machine)} ${printable(p.task)}\n` + formatHistogram(latencyHistogram([p.latencyNs], buckets)));
        }
      }
      if (o.json) {
        const doc = results.map(({ aligned, probes }) => latencyJson(aligned, probes, buckets));
        process.stdout.write(JSON.stringify(doc.length === 1 ? doc[0] : doc, null, 2) + '\n');
      }
    });
}

export async function alignWithProgress(sc: ScenarioOnDisk): Promise<AlignedScenario> {
  let label = '';
  const p = progress(`aligning ${sc.scenario.name}`);
  try {
    return await alignScenario(sc, { onStage: (l) => (label = l), onProgress: (n, total) => p.update(n, total, label) });
  } finally {
    p.done();
  }
}

const r1 = (v: number) => Math.round(v * 10) / 10;

function probeJson(p: ProbeMeasurement, aligned: AlignedScenario, buckets: number) {
  const s = p.stats;
  const measured = aligned.scenario.measured?.[p.machine];
  return {
    machine: p.machine,
    task: p.task,
    tids: p.tids,
    method: p.method,
    count: s.count,
    minUs: r1(s.minUs),
    avgUs: r1(s.avgUs),
    p50Us: r1(s.p50Us),
    p99Us: r1(s.p99Us),
    p999Us: r1(s.p999Us),
    maxUs: r1(s.maxUs),
    ...(p.hostCausedStats
      ? { hostCaused: { avgUs: r1(p.hostCausedStats.avgUs), p99Us: r1(p.hostCausedStats.p99Us), maxUs: r1(p.hostCausedStats.maxUs), shareOfAvg: s.avgUs > 0 ? Math.round((p.hostCausedStats.avgUs / s.avgUs) * 1000) / 1000 : 0 } }
      : {}),
    ...(measured ? { measuredByTool: measured.threads.map((t) => ({ thread: t.thread, tid: t.tid, count: t.count, minUs: t.minUs, avgUs: t.avgUs, maxUs: t.maxUs })) } : {}),
    clockMapping: p.monoToTrace.source,
    warnings: p.warnings,
    ...(buckets ? { histogram: Array.from(latencyHistogram([p.latencyNs], buckets).counts[0]!) } : {}),
  };
}

export function latencyJson(aligned: AlignedScenario, probes: ProbeMeasurement[], buckets = 0) {
  return {
    scenario: aligned.name,
    dir: aligned.dir,
    alignment: aligned.guests.map((g) => ({
      guest: g.name,
      vcpus: Object.fromEntries([...g.vcpus.tids].map(([c, t]) => [String(c), t])),
      vcpuSource: g.vcpus.source,
      clock: g.clock,
    })),
    probes: probes.map((p) => probeJson(p, aligned, buckets)),
    warnings: aligned.warnings,
  };
}

/** Trace-derived text on a terminal: no control characters. */
function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function formatText(sc: ScenarioOnDisk, a: AlignedScenario, probes: ProbeMeasurement[]): string {
  const lines: string[] = [sc.file.startsWith('(') ? printable(a.name) : `${printable(a.name)} (${sc.file})`];
  for (const g of a.guests) {
    const v = [...g.vcpus.tids].map(([c, t]) => `${c}->${t}`).join(' ');
    lines.push(
      `  guest ${printable(g.name)}: vCPUs ${v || '(none)'} [${g.vcpus.source}]; clock offset ${(g.clock.offsetNs / 1e3).toFixed(1)} µs` +
        `${g.clock.scale !== 1 ? ` scale ${g.clock.scale.toFixed(9)}` : ''} ± ${(g.clock.uncertaintyNs / 1e3).toFixed(1)} µs [${g.clock.source}]`,
    );
  }
  const head = ['machine', 'task', 'count', 'min', 'avg', 'p50', 'p99', 'p99.9', 'max', 'host-caused avg/max', 'tool said count/avg/max'];
  const rows: string[][] = [head];
  for (const p of probes) {
    const s = p.stats;
    const m = a.scenario.measured?.[p.machine];
    const tool = m ? m.threads.map((t) => `${t.count}/${t.avgUs}/${t.maxUs}`).join(', ') : '';
    rows.push([
      printable(p.machine),
      printable(p.task),
      String(s.count),
      s.minUs.toFixed(1),
      s.avgUs.toFixed(1),
      s.p50Us.toFixed(1),
      s.p99Us.toFixed(1),
      s.p999Us.toFixed(1),
      s.maxUs.toFixed(1),
      p.hostCausedStats ? `${p.hostCausedStats.avgUs.toFixed(1)}/${p.hostCausedStats.maxUs.toFixed(1)}` : '',
      tool,
    ]);
  }
  const w = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) lines.push(('  ' + r.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).trimEnd());
  lines.push('  (latencies in µs)');
  for (const wmsg of [...a.warnings, ...probes.flatMap((p) => p.warnings)]) lines.push(`  warning: ${printable(wmsg)}`);
  return lines.join('\n') + '\n';
}
