import type { Command } from 'commander';
import { buildReportHtml } from '../report/report.js';
import { addCompareOptions, commandLine, compareFromCli, rawArgsOf, writeOutput, type CompareCliOpts } from './compare.js';
import { parseWindowOrUsage } from './chart.js';

// `vcpu-replay report -o report.html`: the comparison as one self-contained page.

interface ReportOpts extends CompareCliOpts {
  output: string;
  window?: string;
}

export function registerReport(program: Command): void {
  addCompareOptions(
    program
      .command('report')
      .description(
        'replay and compare scenarios, then write one self-contained HTML page (works offline): the tables, every chart, ' +
          'the scenario facts (machines, versions, alignment quality, lost data) and the command line that reproduces it',
      ),
  )
    .requiredOption('-o, --output <file>', 'output HTML file')
    .option('--window <start:end>', 'timeline window, from the host trace start: seconds, or with ms/us/ns; default: around the worst captured guest latency')
    .action(async (args: string[], o: ReportOpts, cmd: Command) => {
      const { result, inputs, options } = await compareFromCli(args, o);
      const window = o.window ? parseWindowOrUsage(o.window, inputs[0]!.aligned.host.meta.startNs) : undefined;
      const html = buildReportHtml(result, inputs, {
        command: commandLine(rawArgsOf(cmd)),
        options: { ...options, onProgress: undefined, ...(o.window ? { window: o.window } : {}) },
        ...(window ? { window } : {}),
        generator: 'vcpu-replay 0.1.0',
      });
      await writeOutput(o.output, html);
    });
}
