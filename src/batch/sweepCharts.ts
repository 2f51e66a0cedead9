import type { StoredPlan } from './storedPlan.js';
import type { SummaryRow } from './summary.js';
import type { ParamValue } from './types.js';

// Line charts of the sweep: a metric against one swept numeric parameter (latency vs static
// priority, glitches vs cap...), one line per combination of the other parameters.

export interface Series {
  name: string;
  x: number[];
  y: Array<number | null>;
}

export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}

const PREFERRED_METRICS = ['p99Us', 'maxUs', 'deadlineMisses_256f', 'boosts'];
const MAX_SERIES = 12;
const MAX_CHARTS = 60;

/** The metrics to chart: the manifest's choice, else preferred ones present, else the first two. */
export function chartMetricsOf(plan: StoredPlan, rows: SummaryRow[]): string[] {
  const present = [...new Set(rows.map((r) => r.metric))].sort();
  if (plan.chartMetrics) return plan.chartMetrics.filter((m) => present.includes(m));
  const pref = PREFERRED_METRICS.filter((m) => present.includes(m));
  return pref.length ? pref : present.slice(0, 2);
}

const label = (p: Record<string, ParamValue>): string =>
  Object.entries(p).map(([k, v]) => `${k}=${String(v)}`).join(' ') || 'all';

export function sweepCharts(plan: StoredPlan, rows: SummaryRow[]): { charts: Chart[]; notes: string[] } {
  const metrics = chartMetricsOf(plan, rows);
  const notes: string[] = [];
  const charts: Chart[] = [];
  if (plan.chartMetrics) for (const m of plan.chartMetrics) if (!metrics.includes(m)) notes.push(`charts.metrics names "${m}", which no cell produced`);
  const policies = [...new Set(rows.map((r) => r.policy))];
  for (const policy of policies) {
    const prow = rows.filter((r) => r.policy === policy);
    const swept = plan.paramKeys.filter((k) => plan.paramTypes[k] === 'number' && new Set(prow.map((r) => r.params[k])).size > 1);
    for (const k of swept) {
      for (const metric of metrics) {
        const mrows = prow.filter((r) => r.metric === metric && typeof r.params[k] === 'number');
        const targets = [...new Set(mrows.map((r) => JSON.stringify([r.machine, r.probe])))];
        for (const t of targets) {
          const [machine, probe] = JSON.parse(t) as [string, string];
          const trows = mrows.filter((r) => r.machine === machine && r.probe === probe);
          const bySeries = new Map<string, Array<[number, number | null]>>();
          for (const r of trows) {
            const { [k]: _x, ...others } = r.params;
            const name = label(others);
            let pts = bySeries.get(name);
            if (!pts) bySeries.set(name, (pts = []));
            pts.push([r.params[k] as number, r.mean]);
          }
          const names = [...bySeries.keys()];
          if (names.length > MAX_SERIES) notes.push(`${policy} ${metric} vs ${k} (${machine} ${probe}): showing ${MAX_SERIES} of ${names.length} lines; the summary table has all`);
          const series = names.slice(0, MAX_SERIES).map((name) => {
            const pts = bySeries.get(name)!.sort((a, b) => a[0] - b[0]);
            return { name, x: pts.map((p) => p[0]), y: pts.map((p) => p[1]) };
          });
          if (charts.length === MAX_CHARTS) {
            notes.push(`more than ${MAX_CHARTS} charts; the rest are left out (name fewer metrics in charts.metrics)`);
            return { charts, notes };
          }
          const where = [machine, probe].filter(Boolean).join(' / ');
          charts.push({ title: `${policy}: ${metric} vs ${k}${where ? ` (${where})` : ''}`, xLabel: k, yLabel: metric, series });
        }
      }
    }
  }
  return { charts, notes };
}
