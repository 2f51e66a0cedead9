import { escapeHtml, plotlyText } from '../report/escape.js';
import { baseLayout, type Figure } from '../report/figures.js';
import { renderPage } from '../report/html.js';
import type { Chart } from './sweepCharts.js';

// The batch report page: counts, failed cells and the sweep charts, on the report module's
// self-contained page (plotly inlined, strict CSP, chart data as escaped JSON). Everything from
// traces or manifests is escaped.

export { escapeHtml };

export interface ReportInput {
  name: string;
  counts: { ok: number; failed: number; missing: number };
  failures: Array<{ scenario: string; policy: string; params: string; seed: number; error: string }>;
  charts: Chart[];
  notes: string[];
}

const MAX_FAILURES_SHOWN = 200;
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#393b79', '#637939'];

/** A sweep chart as a Plotly figure: one line per combination of the other parameters. */
function sweepFigure(c: Chart, i: number): Figure {
  return {
    id: `sweep-${i}`,
    // renderPage reads only data and layout; 'sweep' is not one of the compare chart kinds.
    kind: 'sweep' as unknown as Figure['kind'],
    title: c.title,
    data: c.series.map((s, j) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name: plotlyText(s.name),
      x: s.x,
      y: s.y,
      line: { color: PALETTE[j % PALETTE.length] },
    })),
    layout: baseLayout(c.title, { xaxis: { title: { text: plotlyText(c.xLabel) } }, yaxis: { title: { text: plotlyText(c.yLabel) }, rangemode: 'tozero' } }),
  };
}

export function reportHtml(r: ReportInput): string {
  const e = escapeHtml;
  const figures = r.charts.map(sweepFigure);
  const failRows = r.failures
    .slice(0, MAX_FAILURES_SHOWN)
    .map((f) => `<tr><td>${e(f.scenario)}</td><td>${e(f.policy)}</td><td><code>${e(f.params)}</code></td><td class="r">${f.seed}</td><td>${e(f.error)}</td></tr>`)
    .join('\n');
  const body = [
    `<h1>${e(r.name)}</h1>`,
    `<p>${r.counts.ok} cells ok, ${r.counts.failed} failed, ${r.counts.missing} missing. Data: results.parquet (long format), cells.parquet, summary.parquet / summary.csv.</p>`,
    ...r.notes.map((n) => `<p class="note warn">${e(n)}</p>`),
    r.failures.length
      ? `<h2>Failed cells</h2>${r.failures.length > MAX_FAILURES_SHOWN ? `<p class="note">First ${MAX_FAILURES_SHOWN} of ${r.failures.length}; cells.parquet has all.</p>` : ''}` +
        `<div class="scroll"><table><thead><tr><th>scenario</th><th>policy</th><th>params</th><th>seed</th><th>error</th></tr></thead><tbody>\n${failRows}</tbody></table></div>`
      : '',
    '<h2>Sweeps</h2>',
    figures.length ? '<p class="note">Each point is the mean over scenarios and seeds; summary.csv has n, min and max.</p>' : '<p>No swept numeric parameter to chart.</p>',
    // renderPage plots figure i into the element with id chart-i.
    figures.map((_f, i) => `<div class="chart" id="chart-${i}" data-kind="sweep"></div>`).join('\n'),
  ].join('\n');
  return renderPage({ title: `${r.name} - vcpu-replay batch`, bodyHtml: body, figures });
}
