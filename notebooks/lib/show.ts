// Display helpers for the notebooks (Deno Jupyter kernel). Tables become HTML tables with a
// plain-text twin; Plotly figures go out as Plotly JSON with an SVG twin drawn by headless
// Chromium, so a saved notebook still shows its charts where no JavaScript runs (code hosts).
// Every string that can come from a trace (comm names, scenario names) is escaped here.
import { chromiumAvailable, escapeHtml, renderChartPage, renderSvgs } from '../../dist/index.js';
import type { ColumnsSpec, Table } from '../../dist/index.js';

const DISPLAY = Symbol.for('Jupyter.display');

type JupyterApi = { display(bundle: Record<string, unknown>, o: { raw: true }): Promise<void> };
/** `Deno.jupyter`, looked up at call time so the tables part also loads outside the kernel (tests). */
function jupyter(): JupyterApi {
  const api = (globalThis as { Deno?: { jupyter?: JupyterApi } }).Deno?.jupyter;
  if (!api) throw new Error('showPlots() needs the Deno Jupyter kernel (Deno.jupyter)');
  return api;
}

/** Anything the Deno kernel shows as a rich output: a cell's last value, or `Deno.jupyter.display(x)`. */
export interface Displayable {
  [DISPLAY](): Record<string, unknown>;
}

function displayable(bundle: Record<string, unknown>): Displayable {
  return { [DISPLAY]: () => bundle };
}

export type Cell = string | number | boolean | null | undefined;
export type Row = Record<string, Cell>;

export interface TableOptions {
  /** Column order (default: keys of the first row, then any new keys in order of appearance). */
  columns?: string[];
  caption?: string;
  /** Decimals for non-integer numbers (default 1). */
  digits?: number;
}

function columnsOf(rows: Row[], given?: string[]): string[] {
  if (given) return given;
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function formatCell(v: Cell, digits: number): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toFixed(digits) : String(v);
  return String(v);
}

/** Rows as an HTML table (every cell escaped) plus an aligned text table. */
export function table(rows: Row[], opts: TableOptions = {}): Displayable {
  const cols = columnsOf(rows, opts.columns);
  const digits = opts.digits ?? 1;
  const cells = rows.map((r) => cols.map((c) => formatCell(r[c], digits)));
  const numeric = cols.map((c) => rows.length > 0 && rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'));
  const th = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = cells
    .map((r) => `<tr>${r.map((v, j) => `<td style="text-align:${numeric[j] ? 'right' : 'left'}">${escapeHtml(v)}</td>`).join('')}</tr>`)
    .join('\n');
  const caption = opts.caption ? `<caption style="text-align:left;font-weight:600">${escapeHtml(opts.caption)}</caption>` : '';
  const empty = rows.length ? '' : `<tr><td colspan="${cols.length}"><i>(none)</i></td></tr>`;
  const html = `<table>${caption}<thead><tr>${th}</tr></thead><tbody>\n${body}${empty}\n</tbody></table>`;
  const widths = cols.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j]!.length)));
  const line = (r: string[]) => r.map((v, j) => (numeric[j] ? v.padStart(widths[j]!) : v.padEnd(widths[j]!))).join('  ').trimEnd();
  const text = [...(opts.caption ? [opts.caption] : []), line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line), ...(rows.length ? [] : ['(none)'])].join('\n');
  return displayable({ 'text/html': html, 'text/plain': text });
}

/**
 * Display now. Prefer this to leaving a value as a cell's last expression: under nbconvert the
 * Deno kernel sometimes reports the cell done before its execute_result, and the output is lost.
 */
export async function show(...items: Displayable[]): Promise<void> {
  for (const d of items) await send(d[DISPLAY]());
}

/**
 * One display_data message. The kernel queues it and returns before it is on the wire; without
 * a pause a cell can end (status idle) first, and nbconvert then drops the output.
 */
async function send(bundle: Record<string, unknown>): Promise<void> {
  await jupyter().display(bundle, { raw: true });
  await new Promise((r) => setTimeout(r, 50));
}

/** A key/value object as a two-column table. */
export function facts(obj: Record<string, unknown>, caption?: string): Displayable {
  const rows = Object.entries(obj).map(([key, v]) => ({ key, value: typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as Cell) }));
  return table(rows, { columns: ['key', 'value'], ...(caption ? { caption } : {}) });
}

export interface RowsOptions<C extends ColumnsSpec> {
  start?: number;
  count?: number;
  columns?: Array<keyof C & string>;
}

/**
 * Rows `start..start+count` of a columnar table as plain objects, dictionary strings decoded.
 * For display only: analysis code should read the typed-array columns directly.
 */
export function tableRows<C extends ColumnsSpec>(t: Table<C>, strings: readonly string[], o: RowsOptions<C> = {}): Row[] {
  const start = Math.max(0, o.start ?? 0);
  const end = Math.min(t.length, start + (o.count ?? 10));
  const cols = o.columns ?? (Object.keys(t.spec.columns) as Array<keyof C & string>);
  const out: Row[] = [];
  for (let i = start; i < end; i++) {
    const r: Row = {};
    for (const c of cols) {
      const v = (t.cols[c] as ArrayLike<number | string>)[i];
      r[c] = t.spec.columns[c] === 'str' ? ((v as number) >= 0 ? strings[v as number] : null) : v;
    }
    out.push(r);
  }
  return out;
}

/** HTML from a template: interpolated values are escaped, the template text is not. */
export function html(parts: TemplateStringsArray, ...values: unknown[]): Displayable {
  const s = parts.reduce((acc, p, i) => acc + p + (i < values.length ? escapeHtml(String(values[i])) : ''), '');
  return displayable({ 'text/html': s, 'text/plain': s.replace(/<[^>]*>/g, '') });
}

/** What a chart needs: Plotly data + layout (the library's Figure has more, which is fine). */
export interface FigureLike {
  title?: string;
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
}

/** A Plotly layout in the library's chart style: title on top, legend above the plot. */
export function layout(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: escapeHtml(title), font: { size: 15 } },
    margin: { l: 70, r: 20, t: 90, b: 60 },
    height: 400,
    legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' },
    font: { family: 'system-ui, sans-serif', size: 12 },
    ...extra,
  };
}

/** Text for a Plotly label or title that may contain trace-derived names (Plotly renders some HTML tags). */
export const label = escapeHtml;

/**
 * Plotly draws its own random ids into the SVG (clip paths, trace classes); fixed trace uids
 * and one renamed layout uid make a re-executed notebook byte-identical.
 */
function stableFigure(f: FigureLike, k: number): FigureLike {
  return { ...f, data: f.data.map((d, i) => ({ ...d, uid: `f${k}t${i}` })) };
}

function stableSvg(svg: string, k: number): string {
  const m = /id="clip([0-9a-f]{6})/.exec(svg);
  return m ? svg.split(m[1]!).join(`fig${k}`) : svg;
}

/** VCPU_REPLAY_NOTEBOOK_SVG=0 skips the SVG copies (the test does: one Chromium start per call). */
function svgWanted(): boolean {
  const env = (globalThis as { Deno?: { env: { get(k: string): string | undefined } } }).Deno?.env;
  return env?.get('VCPU_REPLAY_NOTEBOOK_SVG') !== '0';
}

/**
 * Display figures inline: Plotly JSON (interactive in JupyterLab / VS Code) and, when headless
 * Chromium is present, an SVG of the same chart. All figures of one call share one browser.
 */
export async function showPlots(figures: FigureLike[]): Promise<void> {
  const figs = figures.map(stableFigure);
  let svgs: string[] = [];
  if (svgWanted() && chromiumAvailable() && figs.length) {
    svgs = await renderSvgs(renderChartPage('notebook figures', figs.map((f, i) => ({ id: `f${i}`, kind: 'bars' as const, title: f.title ?? '', ...f }))));
  }
  for (const [i, f] of figs.entries()) {
    const bundle: Record<string, unknown> = {
      'application/vnd.plotly.v1+json': { data: f.data, layout: f.layout },
      'text/plain': `[chart] ${f.title ?? (f.layout['title'] as { text?: string } | undefined)?.text ?? ''}`,
    };
    if (svgs[i]) bundle['image/svg+xml'] = stableSvg(svgs[i]!, i);
    await send(bundle);
  }
}
