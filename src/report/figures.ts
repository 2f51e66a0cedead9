import type { CompareResult, CompareScenarioInput } from '../metrics/compareTypes.js';
import type { ProbeLatency } from '../metrics/types.js';
import { plotlyText } from './escape.js';

// Plotly figures (data + layout, plain JSON) for the comparison. Pure: the same inputs give the
// same JSON. Raw samples are reduced (CDF points, histogram bins) so pages stay small.

export const CHART_KINDS = ['cdf', 'histogram', 'bars', 'deadlines', 'timeline'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

export interface Figure {
  id: string;
  kind: ChartKind;
  title: string;
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
}

const RUN_COLORS: Record<string, string> = { trace: '#555555', vanilla: '#1f77b4', dynamic: '#2ca02c', static: '#d62728' };
const PALETTE = ['#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

export function runColor(run: string, runs: string[]): string {
  return RUN_COLORS[run] ?? PALETTE[Math.max(0, runs.indexOf(run)) % PALETTE.length]!;
}

const runLabel = (run: string) => (run === 'trace' ? 'trace (measured)' : run);

export function baseLayout(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: plotlyText(title), font: { size: 15 } },
    margin: { l: 70, r: 20, t: 80, b: 60 },
    height: 400,
    // Above the plot: below it, the legend collides with x-axis titles and tick labels.
    legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' },
    font: { family: 'system-ui, sans-serif', size: 12 },
    ...extra,
  };
}

/** Probes of one scenario per run: trace first, then the replayed policies in order. */
function probeRuns(input: CompareScenarioInput, policies: string[], machine: string, task: string): Array<[string, ProbeLatency]> {
  const out: Array<[string, ProbeLatency]> = [];
  const m = input.measured.find((p) => p.machine === machine && p.task === task);
  if (m) out.push(['trace', m]);
  for (const pol of policies) {
    const r = input.replays.find((x) => x.result.policy === pol);
    const p = r?.probes.find((x) => x.machine === machine && x.task === task);
    if (p) out.push([pol, p]);
  }
  return out;
}

function probesOf(input: CompareScenarioInput): Array<[string, string]> {
  const keys = new Set<string>();
  for (const p of [...input.measured, ...input.replays.flatMap((r) => r.probes)]) keys.add(`${p.machine}\u0000${p.task}`);
  return [...keys].map((k) => k.split('\u0000') as [string, string]).sort(([a], [b]) => Number(a === 'host') - Number(b === 'host'));
}

/** At most `max` points of the empirical CDF, always keeping the maximum. */
export function cdfPoints(latencyNs: Float64Array, max = 800): { xUs: number[]; y: number[] } {
  const sorted = Float64Array.from(latencyNs).sort();
  const n = sorted.length;
  const xUs: number[] = [];
  const y: number[] = [];
  if (!n) return { xUs, y };
  const step = Math.max(1, Math.ceil(n / max));
  for (let i = 0; i < n; i += step) {
    xUs.push(sorted[i]! / 1000);
    y.push((i + 1) / n);
  }
  if (xUs[xUs.length - 1] !== sorted[n - 1]! / 1000 || y[y.length - 1] !== 1) {
    xUs.push(sorted[n - 1]! / 1000);
    y.push(1);
  }
  return { xUs, y };
}

const scenarioTitle = (input: CompareScenarioInput) => input.aligned.name || input.aligned.scenario.name;

export function cdfFigures(inputs: CompareScenarioInput[], policies: string[]): Figure[] {
  const runs = ['trace', ...policies];
  const figs: Figure[] = [];
  inputs.forEach((input, si) => {
    for (const [machine, task] of probesOf(input)) {
      const data = probeRuns(input, policies, machine, task).map(([run, p]) => {
        const { xUs, y } = cdfPoints(p.latencyNs);
        return { type: 'scatter', mode: 'lines', name: runLabel(run), x: xUs, y, line: { color: runColor(run, runs), shape: 'hv', width: 2 } };
      });
      figs.push({
        id: `cdf-${si}-${machine}-${task}`,
        kind: 'cdf',
        title: `${scenarioTitle(input)}: ${machine}/${task} latency CDF`,
        data,
        layout: baseLayout(`${scenarioTitle(input)}: ${machine}/${task} wakeup latency CDF`, {
          xaxis: { title: { text: 'latency (µs, log)' }, type: 'log' },
          yaxis: { title: { text: 'fraction of activations ≤ x' }, range: [0, 1.02] },
        }),
      });
    }
  });
  return figs;
}

/** Log-spaced bin edges, `perDecade` bins per factor of 10, covering [lo, hi]. */
export function logBins(loUs: number, hiUs: number, perDecade = 10): number[] {
  const lo = Math.max(0.1, loUs);
  const a = Math.floor(Math.log10(lo) * perDecade);
  const b = Math.ceil(Math.log10(Math.max(hiUs, lo * 1.0001)) * perDecade);
  const edges: number[] = [];
  for (let k = a; k <= Math.max(b, a + 1); k++) edges.push(10 ** (k / perDecade));
  return edges;
}

export function histogramCounts(latencyNs: Float64Array, edgesUs: number[]): number[] {
  const counts = new Array<number>(edgesUs.length - 1).fill(0);
  for (let i = 0; i < latencyNs.length; i++) {
    const x = latencyNs[i]! / 1000;
    let lo = 0;
    let hi = edgesUs.length - 1;
    // The bin whose [edge, next edge) holds x; out-of-range values go to the first/last bin.
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (edgesUs[mid]! <= x) lo = mid;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts;
}

export function histogramFigures(inputs: CompareScenarioInput[], policies: string[]): Figure[] {
  const runs = ['trace', ...policies];
  const figs: Figure[] = [];
  inputs.forEach((input, si) => {
    for (const [machine, task] of probesOf(input)) {
      const pr = probeRuns(input, policies, machine, task);
      let lo = Infinity;
      let hi = 0;
      for (const [, p] of pr) for (const v of p.latencyNs) { lo = Math.min(lo, v / 1000); hi = Math.max(hi, v / 1000); }
      if (!(hi > 0)) continue;
      const edges = logBins(lo, hi);
      const centers = edges.slice(0, -1).map((e, i) => Math.sqrt(e * edges[i + 1]!));
      const data = pr.map(([run, p]) => ({
        type: 'scatter',
        mode: 'lines',
        name: runLabel(run),
        x: centers,
        y: histogramCounts(p.latencyNs, edges),
        line: { color: runColor(run, runs), shape: 'hvh', width: 2 },
      }));
      figs.push({
        id: `histogram-${si}-${machine}-${task}`,
        kind: 'histogram',
        title: `${scenarioTitle(input)}: ${machine}/${task} latency histogram`,
        data,
        layout: baseLayout(`${scenarioTitle(input)}: ${machine}/${task} latency histogram`, {
          xaxis: { title: { text: 'latency (µs, log bins)' }, type: 'log' },
          yaxis: { title: { text: 'activations (log)' }, type: 'log', range: [-0.1, Math.log10(Math.max(...data.flatMap((d) => d.y))) + 0.2] },
        }),
      });
    }
  });
  return figs;
}

const rowLabel = (r: { scenario: string; load: string | null; intervalUs: number | null }) =>
  [r.scenario, r.load, r.intervalUs !== null ? `${r.intervalUs} µs` : null].filter(Boolean).join(' · ');

/** Grouped bars of avg / p99 / max per scenario, one bar per run, for guest and host probes. */
export function barFigures(result: CompareResult): Figure[] {
  const runs = ['trace', ...result.policies];
  const stats: Array<[string, 'avgUs' | 'p99Us' | 'maxUs']> = [['avg', 'avgUs'], ['p99', 'p99Us'], ['max', 'maxUs']];
  const figs: Figure[] = [];
  for (const side of ['guest', 'host'] as const) {
    const rows = result.latency.filter((r) => r.side === side);
    if (!rows.length) continue;
    const x = rows.map((r) => plotlyText(`${rowLabel(r)}${rows.some((o) => o.machine !== r.machine) ? ` · ${r.machine}` : ''}`));
    const data: Array<Record<string, unknown>> = [];
    stats.forEach(([label, key], si) => {
      for (const run of runs) {
        const y = rows.map((r) => {
          const s = run === 'trace' ? r.measured : r.byPolicy[run];
          return s && s.count ? s[key] : null;
        });
        if (y.every((v) => v === null)) continue;
        data.push({
          type: 'bar',
          name: runLabel(run),
          legendgroup: run,
          showlegend: si === 0,
          x,
          y,
          marker: { color: runColor(run, runs) },
          xaxis: si ? `x${si + 1}` : 'x',
          yaxis: si ? `y${si + 1}` : 'y',
          hovertemplate: `${label} %{y:.1f} µs<extra>${plotlyText(runLabel(run))}</extra>`,
        });
      }
    });
    const axes: Record<string, unknown> = {};
    stats.forEach(([label], si) => {
      const dom = [si / 3 + 0.03, (si + 1) / 3 - 0.03];
      // Log bars grow from the bottom of the range: put it below the smallest value so every bar shows.
      const ys = data.filter((t) => t['yaxis'] === (si ? `y${si + 1}` : 'y')).flatMap((t) => t['y'] as Array<number | null>).filter((v): v is number => v !== null && v > 0);
      const lo = ys.length ? Math.log10(Math.min(...ys)) - 0.3 : 0;
      const hi = ys.length ? Math.log10(Math.max(...ys)) + 0.15 : 1;
      axes[si ? `xaxis${si + 1}` : 'xaxis'] = { domain: dom, anchor: si ? `y${si + 1}` : 'y', automargin: true };
      axes[si ? `yaxis${si + 1}` : 'yaxis'] = { anchor: si ? `x${si + 1}` : 'x', type: 'log', range: [lo, hi], title: { text: `${label} (µs, log)` } };
    });
    figs.push({
      id: `bars-${side}`,
      kind: 'bars',
      title: `${side === 'guest' ? 'Guest' : 'Host'} probe latency by policy`,
      data,
      layout: baseLayout(`${side === 'guest' ? 'Guest' : 'Host'} probe latency by policy: avg, p99, max`, { barmode: 'group', height: 420, ...axes }),
    });
  }
  return figs;
}

export function deadlineFigures(result: CompareResult): Figure[] {
  if (!result.deadlines.length) return [];
  const runs = ['trace', ...result.policies];
  const rows = result.deadlines;
  const x = [rows.map((r) => plotlyText(rowLabel(r))), rows.map((r) => `${r.bufferFrames} (${(r.bufferUs / 1000).toFixed(1)} ms)`)];
  const data = runs
    .map((run) => {
      const y = rows.map((r) => (run === 'trace' ? r.measured : r.byPolicy[run])?.misses ?? null);
      const periods = rows.map((r) => (run === 'trace' ? r.measured : r.byPolicy[run])?.periods ?? null);
      return {
        type: 'bar',
        name: runLabel(run),
        x,
        y,
        customdata: periods,
        marker: { color: runColor(run, runs) },
        hovertemplate: `%{y} misses of %{customdata} periods<extra>${plotlyText(runLabel(run))}</extra>`,
      };
    })
    .filter((t) => t.y.some((v) => v !== null));
  return [
    {
      id: 'deadlines',
      kind: 'deadlines',
      title: 'Deadline misses per buffer size',
      data,
      layout: baseLayout(`Deadline misses per buffer size (${result.sampleRateHz} Hz)`, {
        barmode: 'group',
        height: 420,
        xaxis: { type: 'multicategory', title: { text: 'scenario / buffer frames' } },
        yaxis: { title: { text: 'periods missed' }, rangemode: 'tozero' },
      }),
    },
  ];
}
