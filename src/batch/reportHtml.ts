import type { Chart } from './sweepCharts.js';

// The batch report page: counts, failures and the sweep charts (Plotly, loaded from a file
// copied next to the page). Everything from traces or manifests is escaped.

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export interface ReportInput {
  name: string;
  counts: { ok: number; failed: number; missing: number };
  failures: Array<{ scenario: string; policy: string; params: string; seed: number; error: string }>;
  charts: Chart[];
  notes: string[];
  plotlyFile: string;
}

const MAX_FAILURES_SHOWN = 200;

export function reportHtml(r: ReportInput): string {
  const e = escapeHtml;
  // Plotly renders a few HTML tags in titles and legend names; escaped text shows literally.
  const charts = r.charts.map((c) => ({
    title: e(c.title),
    xLabel: e(c.xLabel),
    yLabel: e(c.yLabel),
    series: c.series.map((s) => ({ ...s, name: e(s.name) })),
  }));
  const failRows = r.failures
    .slice(0, MAX_FAILURES_SHOWN)
    .map((f) => `<tr><td>${e(f.scenario)}</td><td>${e(f.policy)}</td><td><code>${e(f.params)}</code></td><td>${f.seed}</td><td>${e(f.error)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${e(r.name)} - vcpu-replay batch</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}.chart{width:100%;max-width:1000px;height:420px}</style>
</head><body>
<h1>${e(r.name)}</h1>
<p>${r.counts.ok} cells ok, ${r.counts.failed} failed, ${r.counts.missing} missing. Data: results.parquet (long format), cells.parquet, summary.parquet / summary.csv.</p>
${r.notes.length ? `<ul>${r.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : ''}
${r.failures.length ? `<h2>Failed cells</h2>${r.failures.length > MAX_FAILURES_SHOWN ? `<p>First ${MAX_FAILURES_SHOWN} of ${r.failures.length}; cells.parquet has all.</p>` : ''}<table><tr><th>scenario</th><th>policy</th><th>params</th><th>seed</th><th>error</th></tr>\n${failRows}</table>` : ''}
<h2>Sweeps</h2>
${charts.length ? '' : '<p>No swept numeric parameter to chart.</p>'}
<div id="charts"></div>
<script src="${e(r.plotlyFile)}"></script>
<script>
const charts = ${scriptJson(charts)};
const root = document.getElementById('charts');
for (const c of charts) {
  const div = document.createElement('div');
  div.className = 'chart';
  root.appendChild(div);
  Plotly.newPlot(div, c.series.map((s) => ({ type: 'scatter', mode: 'lines+markers', name: s.name, x: s.x, y: s.y })),
    { title: { text: c.title }, xaxis: { title: { text: c.xLabel } }, yaxis: { title: { text: c.yLabel } } }, { responsive: true });
}
</script>
</body></html>
`;
}
