import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { DEFAULT_POLICIES, runCompare, type CompareRunOptions } from '../metrics/comparePipeline.js';
import { DEFAULT_BUFFER_FRAMES, DEFAULT_SAMPLE_RATE_HZ, type CompareResult, type CompareScenarioInput } from '../metrics/compareTypes.js';
import { renderCompareText, renderCompareMarkdown } from '../metrics/compareText.js';
import { renderCompareCsv } from '../metrics/compareCsv.js';
import { writeCompareDir } from '../metrics/compareArrow.js';
import { addScenarioArgs, resolveScenarios, type ScenarioArgOpts } from './scenarioArgs.js';
import { addReplayOptions, parseReplayOptions, type ReplayCliOpts } from './replay.js';
import { progress } from './progress.js';
import { UsageError } from './main.js';

// `vcpu-replay compare`: replay scenarios under several policies and print the RFC-style tables.
// The options shared with `chart` and `report` (what to replay and how) are defined here.

export interface CompareCliOpts extends ScenarioArgOpts, ReplayCliOpts {
  policies: string;
  task?: string;
  buffers: string;
  rate: string;
  fromSpec?: boolean;
}

/**
 * Scenario arguments, every `replay` option (engine and policy parameters, shared with
 * `vcpu-replay replay`), and the comparison's own options.
 */
export function addCompareOptions(cmd: Command): Command {
  return addReplayOptions(addScenarioArgs(cmd))
    .option('--policies <list>', 'policies to replay, comma-separated: built-in names (vanilla, dynamic, static, dynamic-v3, crosvm-rt) or policy module paths', DEFAULT_POLICIES.join(','))
    .option('--from-spec', 'for generated scenarios: replay the generator spec instead of the demand extracted from the traces')
    .option('--task <name|pid>', 'probe task on every machine (default: scenario "probes", else cyclictest)')
    .option('--buffers <frames>', 'audio buffer sizes for deadline misses, frames, comma-separated', DEFAULT_BUFFER_FRAMES.join(','))
    .option('--rate <hz>', 'audio sample rate for the buffer durations, Hz', String(DEFAULT_SAMPLE_RATE_HZ));
}

function positiveList(flag: string, s: string): number[] {
  const xs = s.split(',').map((x) => Number(x.trim()));
  if (!xs.length || xs.some((x) => !Number.isFinite(x) || x <= 0)) throw new UsageError(`${flag} takes positive numbers separated by commas, got '${s}'`);
  return xs;
}

/** Command-line options -> CompareRunOptions (throws UsageError on bad values). */
export function compareRunOptions(o: CompareCliOpts): CompareRunOptions {
  const policies = o.policies.split(',').map((p) => p.trim()).filter(Boolean);
  if (!policies.length) throw new UsageError('--policies needs at least one policy');
  const parsed = parseReplayOptions(o);
  const task = o.task === undefined ? undefined : /^\d+$/.test(o.task) ? Number(o.task) : o.task;
  return {
    policies,
    policyParams: parsed.policyParams,
    engine: parsed.engine,
    extract: parsed.extract,
    ...(o.fromSpec ? { fromSpec: true } : {}),
    ...(task !== undefined ? { task } : {}),
    bufferFrames: positiveList('--buffers', o.buffers),
    sampleRateHz: positiveList('--rate', o.rate)[0]!,
  };
}

/** The arguments the program was run with (main(argv) may be called with other than process.argv). */
export function rawArgsOf(cmd: Command): string[] {
  let root = cmd;
  while (root.parent) root = root.parent;
  // commander keeps the parsed argv as rawArgs (not in its typings).
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs;
  return raw && raw.length >= 2 ? raw.slice(2) : process.argv.slice(2);
}

/** Shell-quoted command line that reproduces this run. */
export function commandLine(argv = process.argv.slice(2)): string {
  const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['vcpu-replay', ...argv.map(q)].join(' ');
}

/** Resolve scenarios and run the comparison with progress on a TTY. */
export async function compareFromCli(args: string[], o: CompareCliOpts): Promise<{ result: CompareResult; inputs: CompareScenarioInput[]; options: CompareRunOptions }> {
  const options = compareRunOptions(o);
  const scenarios = await resolveScenarios(args, o);
  const p = progress('compare');
  try {
    const out = await runCompare(scenarios, { ...options, onProgress: (label, fraction) => p.update(fraction * 1000, 1000, label) });
    return { ...out, options };
  } finally {
    p.done();
  }
}

interface CompareOpts extends CompareCliOpts {
  markdown?: boolean;
  csv?: boolean;
  json?: boolean;
  output?: string;
  format: string;
}

export function registerCompare(program: Command): void {
  addCompareOptions(
    program
      .command('compare')
      .description(
        'replay scenarios under several vCPU policies and compare: probe latency (guest and host: count, avg, p99, max, next to what the trace measured), ' +
          'deadline misses per audio buffer size, and host impact (host probe latency, CPU share of other host threads, RT throttling, boosts)',
      ),
  )
    .option('--markdown', 'print Markdown tables')
    .option('--csv', 'print one tidy CSV (table, scenario, ..., run, metric, value)')
    .option('--json', 'print the full comparison as JSON')
    .option('-o, --output <dir>', 'also write compare_latency, compare_deadlines and compare_host_impact tables plus compare.json to DIR')
    .option('--format <fmt>', 'table format for -o: arrow or parquet', 'arrow')
    .action(async (args: string[], o: CompareOpts, cmd: Command) => {
      if (o.format !== 'arrow' && o.format !== 'parquet') throw new UsageError(`--format must be arrow or parquet, got '${o.format}'`);
      if ([o.markdown, o.csv, o.json].filter(Boolean).length > 1) throw new UsageError('give at most one of --markdown, --csv, --json');
      const { result, options } = await compareFromCli(args, o);
      const out = o.json ? JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n' : o.csv ? renderCompareCsv(result) : o.markdown ? renderCompareMarkdown(result) : renderCompareText(result);
      process.stdout.write(out);
      if (o.output) {
        const files = await writeCompareDir(o.output, result, o.format, { command: commandLine(rawArgsOf(cmd)), options: { ...options, onProgress: undefined } });
        process.stderr.write(`wrote ${files.length} files to ${o.output}\n`);
      }
    });
}

/** Write a file, saying where (stderr: stdout may be piped). */
export async function writeOutput(file: string, data: string | Uint8Array): Promise<void> {
  await writeFile(file, data);
  process.stderr.write(`wrote ${file}\n`);
}
