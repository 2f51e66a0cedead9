import { escapeHtml, jsonForScript } from './escape.js';
import { plotlySource } from './plotlyBundle.js';
import { formatCell, type Cell, type TableModel } from '../metrics/compareTables.js';
import type { Figure } from './figures.js';

// Self-contained HTML pages: inline CSS, plotly inlined, chart data as JSON in a
// <script type="application/json"> element. The CSP forbids every network fetch, so a page
// works (and stays) offline, and an injected <img>/<script> could not load or run anyway.

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:";

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1600px;padding:16px 24px;color:#222}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:6px 0 4px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top;font-size:13px}
.scroll td,.scroll th{white-space:nowrap}
.scroll td.wrap{white-space:normal;max-width:9em}th{background:#f4f4f4;font-weight:600;text-align:left}
td.r{text-align:right}th.grp{text-align:center;background:#e9eef5}
.note{color:#666;font-size:12px;margin:2px 0}
.chart{width:100%;min-height:260px;margin:10px 0 18px}
code,pre{font:12px ui-monospace,monospace;background:#f6f6f6;border-radius:3px}
pre{padding:8px;white-space:pre-wrap;word-break:break-all}
.warn{color:#8a4b00}
.scroll{overflow-x:auto}
`;

/** A comparison table as HTML, with group headers; every cell escaped. */
export function renderTableHtml(t: TableModel): string {
  const groups: Array<{ label: string; span: number }> = [];
  for (const c of t.columns) {
    const g = groups[groups.length - 1];
    const label = c.group ?? '';
    if (g && g.label === label && label) g.span++;
    else groups.push({ label, span: 1 });
  }
  const hasGroups = t.columns.some((c) => c.group);
  const out = [`<h3>${escapeHtml(t.title)}</h3>`, `<div class="scroll"><table id="table-${escapeHtml(t.id)}">`, '<thead>'];
  if (hasGroups) out.push('<tr>' + groups.map((g) => `<th colspan="${g.span}" class="${g.label ? 'grp' : ''}">${escapeHtml(g.label)}</th>`).join('') + '</tr>');
  out.push('<tr>' + t.columns.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('') + '</tr></thead><tbody>');
  const td = (v: Cell, j: number) => {
    const text = escapeHtml(formatCell(v));
    // Per-run counts ("12871/13855/...") may break after each slash instead of widening the table.
    const wrap = typeof v === 'string' && /^[\d/-]+$/.test(v) && v.includes('/');
    const cls = [t.columns[j]!.align === 'right' ? 'r' : '', wrap ? 'wrap' : ''].filter(Boolean).join(' ');
    return `<td${cls ? ` class="${cls}"` : ''}>${wrap ? text.replace(/\//g, '/<wbr>') : text}</td>`;
  };
  for (const r of t.rows) out.push('<tr>' + r.map(td).join('') + '</tr>');
  out.push('</tbody></table></div>');
  for (const n of t.notes) out.push(`<p class="note">${escapeHtml(n)}</p>`);
  return out.join('\n');
}

/** Chart containers get positional ids: figure ids contain trace-derived names. */
export function chartDivs(figures: Figure[], from = 0): string {
  return figures.map((f, i) => `<div class="chart" id="chart-${from + i}" data-kind="${escapeHtml(f.kind)}"></div>`).join('\n');
}

export function renderPage(opts: { title: string; bodyHtml: string; figures: Figure[] }): string {
  const payload = opts.figures.map((f, i) => ({ id: `chart-${i}`, data: f.data, layout: f.layout }));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title)}</title>
<style>${CSS}</style>
</head>
<body>
${opts.bodyHtml}
<script type="application/json" id="vr-figures">${jsonForScript(payload)}</script>
<script>${plotlySource()}</script>
<script>
(function () {
  var figs = JSON.parse(document.getElementById('vr-figures').textContent);
  var config = { displaylogo: false, responsive: true };
  window.vrChartsReady = Promise.all(figs.map(function (f) {
    return Plotly.newPlot(document.getElementById(f.id), f.data, f.layout, config);
  })).then(function () { return figs.length; });
})();
</script>
</body>
</html>
`;
}

/** A page with only charts (the `chart` command). */
export function renderChartPage(title: string, figures: Figure[]): string {
  return renderPage({ title, figures, bodyHtml: `<h1>${escapeHtml(title)}</h1>\n${chartDivs(figures)}` });
}
