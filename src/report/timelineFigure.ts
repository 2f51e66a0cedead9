import type { CompareScenarioInput } from '../metrics/compareTypes.js';
import { traceMachine } from '../metrics/compare.js';
import { plotlyText } from './escape.js';
import { baseLayout, type Figure } from './figures.js';
import { comboLanes, type RunSchedule, type SpanState, type Window } from './timelineLanes.js';

// The KVM combo view as a Plotly figure: horizontal bars per lane, one trace per state so the
// legend explains the colours. x is milliseconds since the start of the host trace.

const STATE_STYLE: Record<SpanState, { name: string; color: string }> = {
  probe: { name: 'guest: probe task', color: '#ff7f0e' },
  task: { name: 'guest: other task', color: '#9ecae1' },
  running: { name: 'vCPU running', color: '#2ca02c' },
  boosted: { name: 'vCPU running boosted (RT)', color: '#9467bd' },
  steal: { name: 'vCPU runnable, not running (steal)', color: '#d62728' },
  halted: { name: 'vCPU halted', color: '#dddddd' },
};

/** Spans beyond this are dropped (and said so in the title): a browser cannot draw millions of bars. */
const MAX_SPANS = 20_000;

export function runSchedules(input: CompareScenarioInput, policies: string[]): RunSchedule[] {
  const a = input.aligned;
  const probeTids = (machine: string, probes: CompareScenarioInput['measured']) => new Set(probes.filter((p) => p.machine === machine).flatMap((p) => p.tids));
  const runs: RunSchedule[] = [
    { run: 'trace', host: a.host, guests: a.guests.map((g) => ({ name: g.name, tables: g.tables, vcpus: g.vcpus.tids, probeTids: probeTids(g.name, input.measured) })) },
  ];
  for (const pol of policies) {
    const r = input.replays.find((x) => x.result.policy === pol);
    if (!r) continue;
    const host = traceMachine(r.result.trace, 'host', a);
    if (!host) continue;
    runs.push({
      run: pol,
      host,
      guests: a.guests.map((g) => ({ name: g.name, tables: traceMachine(r.result.trace, g.name, a), vcpus: g.vcpus.tids, probeTids: probeTids(g.name, r.probes) })),
    });
  }
  return runs;
}

/** Default window: around the captured guest probe's worst activation, else the first 50 ms. */
export function defaultWindow(input: CompareScenarioInput): Window {
  const a = input.aligned;
  const probe = input.measured.find((p) => p.machine !== 'host') ?? input.measured[0];
  if (probe && probe.latencyNs.length) {
    let k = 0;
    for (let i = 1; i < probe.latencyNs.length; i++) if (probe.latencyNs[i]! > probe.latencyNs[k]!) k = i;
    const act = probe.activationTsNs[k]!;
    const lat = probe.latencyNs[k]!;
    const pad = Math.max(2e6, Math.min(lat, 20e6));
    return { startNs: Math.max(a.host.meta.startNs, act - pad), endNs: act + lat + pad };
  }
  return { startNs: a.host.meta.startNs, endNs: a.host.meta.startNs + 50e6 };
}

export function timelineFigure(input: CompareScenarioInput, policies: string[], window?: Window, index = 0): Figure {
  const w = window ?? defaultWindow(input);
  const originNs = input.aligned.host.meta.startNs;
  const lanes = runSchedules(input, policies).flatMap((s) => comboLanes(s, w));
  let total = 0;
  const byState = new Map<SpanState, { y: string[]; base: number[]; x: number[]; text: string[] }>();
  for (const lane of lanes) {
    for (const s of lane.spans) {
      if (total >= MAX_SPANS) break;
      total++;
      let t = byState.get(s.state);
      if (!t) byState.set(s.state, (t = { y: [], base: [], x: [], text: [] }));
      t.y.push(plotlyText(lane.name));
      t.base.push((s.startNs - originNs) / 1e6);
      t.x.push((s.endNs - s.startNs) / 1e6);
      t.text.push(plotlyText(`${STATE_STYLE[s.state].name}${s.label ? ': ' + s.label : ''} · ${((s.endNs - s.startNs) / 1000).toFixed(1)} µs`));
    }
  }
  const truncated = lanes.reduce((n, l) => n + l.spans.length, 0) > MAX_SPANS;
  const data = (Object.keys(STATE_STYLE) as SpanState[])
    .filter((st) => byState.has(st))
    .map((st) => {
      const t = byState.get(st)!;
      return {
        type: 'bar',
        orientation: 'h',
        name: STATE_STYLE[st].name,
        y: t.y,
        base: t.base,
        x: t.x,
        hovertext: t.text,
        hoverinfo: 'text',
        marker: { color: STATE_STYLE[st].color, line: { width: 0 } },
        width: 0.7,
      };
    });
  const name = input.aligned.name || input.aligned.scenario.name;
  const ms = (ns: number) => ((ns - originNs) / 1e6).toFixed(3);
  const title = `${name}: guest CPUs over their vCPU threads, ${ms(w.startNs)}–${ms(w.endNs)} ms${truncated ? ` (first ${MAX_SPANS} spans)` : ''}`;
  return {
    id: `timeline-${index}`,
    kind: 'timeline',
    title,
    data,
    layout: baseLayout(title, {
      barmode: 'overlay',
      height: Math.max(260, 120 + 26 * lanes.length),
      margin: { l: 230, r: 20, t: 90, b: 50 },
      xaxis: { title: { text: 'ms since host trace start' }, range: [Number(ms(w.startNs)), Number(ms(w.endNs))], zeroline: false },
      yaxis: { type: 'category', categoryorder: 'array', categoryarray: lanes.map((l) => plotlyText(l.name)), autorange: 'reversed', automargin: true },
    }),
  };
}

/**
 * Parse `--window START:END`: times since the host trace start, in seconds unless suffixed
 * with ms, us or ns (e.g. `1.2:1.25`, `1200ms:1250ms`).
 */
export function parseWindow(spec: string, originNs: number): Window {
  const part = (s: string): number => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(s|ms|us|µs|ns)?\s*$/.exec(s);
    if (!m) throw new Error(`--window: "${s}" is not a time (seconds, or a number with ms/us/ns)`);
    const f = { s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1 }[(m[2] ?? 's') as 's'];
    return originNs + Number(m[1]) * f;
  };
  const bits = spec.split(':');
  if (bits.length !== 2) throw new Error(`--window must be START:END (got "${spec}")`);
  const w = { startNs: part(bits[0]!), endNs: part(bits[1]!) };
  if (!(w.endNs > w.startNs)) throw new Error(`--window: END must be after START (got "${spec}")`);
  return w;
}
