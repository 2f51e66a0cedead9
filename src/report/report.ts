import { compareTables } from '../metrics/compareTables.js';
import type { CompareResult, CompareScenarioInput, ScenarioFacts } from '../metrics/compareTypes.js';
import { escapeHtml } from './escape.js';
import { barFigures, cdfFigures, deadlineFigures, histogramFigures, type ChartKind, type Figure } from './figures.js';
import { chartDivs, renderChartPage, renderPage, renderTableHtml } from './html.js';
import { timelineFigure } from './timelineFigure.js';
import type { Window } from './timelineLanes.js';

// The self-contained HTML report: tables, charts, scenario facts and the exact command line.

export interface ReportOptions {
  /** The command line that reproduces this report. */
  command: string;
  /** Every option that shaped the result (policies, buffers, replay parameters...). */
  options: Record<string, unknown>;
  /** Timeline window per scenario (default: around the worst captured guest activation). */
  window?: Window;
  /** Tool name and version for the footer. */
  generator?: string;
}

/** Figures of one kind, or of every kind in report order. */
export function buildFigures(result: CompareResult, inputs: CompareScenarioInput[], kind?: ChartKind, window?: Window): Figure[] {
  const want = (k: ChartKind) => !kind || kind === k;
  return [
    ...(want('bars') ? barFigures(result) : []),
    ...(want('deadlines') ? deadlineFigures(result) : []),
    ...(want('cdf') ? cdfFigures(inputs, result.policies) : []),
    ...(want('histogram') ? histogramFigures(inputs, result.policies) : []),
    ...(want('timeline') ? inputs.map((inp, i) => timelineFigure(inp, result.policies, window, i)) : []),
  ];
}

const fmtNs = (ns: number) => (ns >= 1e9 ? `${(ns / 1e9).toFixed(3)} s` : ns >= 1e6 ? `${(ns / 1e6).toFixed(3)} ms` : `${(ns / 1e3).toFixed(1)} µs`);

function kvTable(rows: Array<[string, unknown]>): string {
  rows = rows.filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (!rows.length) return '<p class="note">(none)</p>';
  const val = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(val(v))}</td></tr>`).join('')}</table>`;
}

/** Nested capture facts (versions, clock sync, buffer stats) as dotted keys, one level per object. */
function flatten(o: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(o).flatMap(([k, v]): Array<[string, unknown]> =>
    v && typeof v === 'object' && !Array.isArray(v) ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [[`${prefix}${k}`, v]],
  );
}

function gridTable(head: string[], rows: unknown[][]): string {
  const cell = (v: unknown) => escapeHtml(v === null || v === undefined ? '-' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v));
  return `<div class="scroll"><table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

function scenarioSection(f: ScenarioFacts, result: CompareResult): string {
  const out = [`<h3>${escapeHtml(f.scenario)}</h3>`];
  if (f.description) out.push(`<p>${escapeHtml(f.description)}</p>`);
  out.push(
    kvTable([
      ['directory', f.dir],
      ['captured policy', f.capturedPolicy ?? 'unknown'],
      ['host load', f.load ?? 'not recorded'],
      ['probe interval µs', f.intervalUs ?? 'not recorded'],
      ...flatten(Object.fromEntries(Object.entries(f.capture).filter(([k]) => !['load', 'intervalUs'].includes(k)))),
    ]),
  );
  out.push('<h4>Machines</h4>');
  out.push(
    gridTable(
      ['machine', 'format', 'source', 'kernel', 'CPUs', 'clock', 'span', 'lost windows', 'lost events', 'warnings'],
      f.machines.map((m) => [m.name, m.format, m.source, m.kernel, m.cpus, m.clock, fmtNs(m.spanNs), m.lost, m.lost ? (m.lostEvents ?? 'unknown') : 0, m.warnings.join('; ') || '-']),
    ),
  );
  if (f.alignment.length) {
    out.push('<h4>Alignment</h4>');
    out.push(
      gridTable(
        ['guest', 'clock source', 'offset ns', 'uncertainty', 'vCPU map source', 'vCPU → host tid'],
        f.alignment.map((a) => [a.guest, a.clockSource, a.offsetNs, fmtNs(a.uncertaintyNs), a.vcpuSource, Object.entries(a.vcpus).map(([c, t]) => `${c}→${t}`).join(' ')]),
      ),
    );
  }
  if (Object.keys(f.toolReported).length) {
    out.push('<h4>What the probe tool printed</h4>');
    out.push(gridTable(['machine', 'tool', 'task', 'count', 'avg µs', 'max µs'], Object.entries(f.toolReported).map(([m, t]) => [m, t.tool, t.task, t.count, Number(t.avgUs.toFixed(1)), t.maxUs])));
  }
  const hi = result.hostImpact.filter((r) => r.scenario === f.scenario && r.share);
  if (hi.length) {
    out.push('<h4>Busiest non-vCPU host threads</h4>');
    out.push(gridTable(['run', 'thread', 'tid', 'CPU %'], hi.flatMap((r) => r.share!.topOther.map((t) => [r.policy, t.comm, t.tid, Number((t.share * 100).toFixed(2))]))));
  }
  if (Object.keys(f.replayParams).length) {
    out.push('<h4>Replay parameters</h4>');
    out.push(kvTable(Object.entries(f.replayParams)));
  }
  if (f.warnings.length) out.push(`<ul class="warn">${f.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`);
  return out.join('\n');
}

export function buildReportHtml(result: CompareResult, inputs: CompareScenarioInput[], opts: ReportOptions): string {
  const figures = buildFigures(result, inputs, undefined, opts.window);
  const names = result.scenarios.map((s) => s.scenario);
  const body = [
    `<h1>vCPU policy comparison: ${escapeHtml(names.join(', '))}</h1>`,
    `<p>Replayed policies: <b>${escapeHtml(result.policies.join(', '))}</b>. Captured traces are measured as they are (column <i>trace</i>).</p>`,
    `<p>Reproduce with:</p><pre id="command">${escapeHtml(opts.command)}</pre>`,
    '<h2>Results</h2>',
    ...compareTables(result).map(renderTableHtml),
    result.warnings.length ? `<h3>Warnings</h3><ul class="warn">${result.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : '',
    '<h2>Charts</h2>',
    '<p class="note">Timelines: each guest CPU lane sits above the host lane of its vCPU thread (running, boosted, runnable = steal, halted), for the captured run and each replay.</p>',
    chartDivs(figures),
    '<h2>Scenarios</h2>',
    ...result.scenarios.map((f) => scenarioSection(f, result)),
    '<h2>Options</h2>',
    kvTable(Object.entries(opts.options)),
    `<p class="note">Generated by ${escapeHtml(opts.generator ?? 'vcpu-replay')}.</p>`,
  ].join('\n');
  return renderPage({ title: `vcpu-replay report: ${names.join(', ')}`, bodyHtml: body, figures });
}

export function buildChartHtml(result: CompareResult, inputs: CompareScenarioInput[], kind: ChartKind, window?: Window): { html: string; figures: Figure[] } {
  const figures = buildFigures(result, inputs, kind, window);
  return { html: renderChartPage(`vcpu-replay ${kind}: ${result.scenarios.map((s) => s.scenario).join(', ')}`, figures), figures };
}
