import type { Command } from 'commander';
import { extname } from 'node:path';
import { CHART_KINDS, type ChartKind } from '../report/figures.js';
import { buildChartHtml } from '../report/report.js';
import { renderPng, renderSvgs } from '../report/render.js';
import { parseWindow } from '../report/timelineFigure.js';
import { addCompareOptions, compareFromCli, writeOutput, type CompareCliOpts } from './compare.js';
import { UsageError } from './main.js';
import { progress } from './progress.js';

// `vcpu-replay chart KIND -o FILE.html|.png|.svg`: one kind of chart for the comparison.

interface ChartOpts extends CompareCliOpts {
  output: string;
  window?: string;
}

export function registerChart(program: Command): void {
  addCompareOptions(
    program
      .command('chart')
      .description(
        `draw one kind of chart of the comparison: ${CHART_KINDS.join(', ')} (timeline = guest CPU lanes over their vCPU thread lanes, for the trace and each policy). ` +
          'HTML works offline; PNG (whole page) and SVG (one file per chart) are drawn by headless /usr/bin/chromium',
      )
      .argument('<kind>', `chart kind: ${CHART_KINDS.join(' | ')}`),
  )
    .requiredOption('-o, --output <file>', 'output file: .html, .png or .svg (several charts: FILE-2.svg, FILE-3.svg, ...)')
    .option('--window <start:end>', 'timeline window, from the host trace start: seconds, or with ms/us/ns (e.g. 1.2:1.25 or 1200ms:1250ms); default: around the worst captured guest latency')
    .action(async (kind: string, args: string[], o: ChartOpts) => {
      if (!(CHART_KINDS as readonly string[]).includes(kind)) throw new UsageError(`unknown chart kind '${kind}' (kinds: ${CHART_KINDS.join(', ')})`);
      const ext = extname(o.output).toLowerCase();
      if (!['.html', '.png', '.svg'].includes(ext)) throw new UsageError(`-o must end in .html, .png or .svg, got '${o.output}'`);
      const { result, inputs } = await compareFromCli(args, o);
      const window = o.window ? parseWindowOrUsage(o.window, inputs[0]!.aligned.host.meta.startNs) : undefined;
      const { html, figures } = buildChartHtml(result, inputs, kind as ChartKind, window);
      if (!figures.length) throw new UsageError(`no ${kind} chart: the comparison has no data for it`);
      if (ext === '.html') await writeOutput(o.output, html);
      else if (ext === '.png') {
        await whileRendering(() => renderPng(html, o.output));
        process.stderr.write(`wrote ${o.output}\n`);
      } else {
        const svgs = await whileRendering(() => renderSvgs(html));
        for (let i = 0; i < svgs.length; i++) await writeOutput(i === 0 ? o.output : o.output.replace(/\.svg$/i, `-${i + 1}.svg`), svgs[i]!);
      }
    });
}

export function parseWindowOrUsage(spec: string, originNs: number) {
  try {
    return parseWindow(spec, originNs);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Chromium gives no progress of its own: show elapsed seconds on a TTY while it works. */
async function whileRendering<T>(fn: () => Promise<T>): Promise<T> {
  const p = progress('rendering in headless Chromium');
  const t0 = Date.now();
  const timer = setInterval(() => p.update(Math.round((Date.now() - t0) / 1000), null, 's'), 250);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
    p.done();
  }
}
