import { describe, expect, it } from 'vitest';
import { compare } from '../src/metrics/compare.js';
import { buildFigures, buildReportHtml } from '../src/report/report.js';
import { escapeHtml, jsonForScript } from '../src/report/escape.js';
import { cdfPoints, histogramCounts, logBins } from '../src/report/figures.js';
import { guestCpuSpans, vcpuThreadSpans } from '../src/report/timelineLanes.js';
import { defaultWindow, parseWindow, timelineFigure } from '../src/report/timelineFigure.js';
import { SAMPLE_HOSTILE_COMM, SAMPLE_VCPU_TID, sampleCompareInput } from '../src/report/sampleData.js';

const input = sampleCompareInput();
const result = compare([input]);

describe('escaping', () => {
  it('HTML and script-embedded JSON', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const j = jsonForScript({ comm: '</script><script>alert(1)</script>', n: NaN, s: '\u2028' });
    expect(j).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(j)).toEqual({ comm: '</script><script>alert(1)</script>', n: null, s: '\u2028' });
  });
});

describe('report page', () => {
  const html = buildReportHtml(result, [input], { command: `vcpu-replay report '<b>' -o r.html`, options: { policies: result.policies } });

  it('never carries trace-derived markup unescaped', () => {
    // The comm appears, escaped, in the host-thread table and (escaped for Plotly) in chart data.
    expect(html).not.toContain(SAMPLE_HOSTILE_COMM);
    expect(html).toContain(escapeHtml(SAMPLE_HOSTILE_COMM));
    expect(html).toContain(`vcpu-replay report &#39;&lt;b&gt;&#39; -o r.html`);
    const json = /<script type="application\/json" id="vr-figures">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(json).not.toContain('<');
    // A CSP forbids loading anything: the page is self-contained and offline.
    expect(html).toContain(`default-src 'none'`);
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it('has every table and one chart container per figure', () => {
    for (const id of ['guest-latency', 'host-latency', 'deadlines', 'host-impact']) expect(html).toContain(`id="table-${id}"`);
    const figs = buildFigures(result, [input]);
    expect(figs.map((f) => f.kind)).toEqual(['bars', 'bars', 'deadlines', 'cdf', 'cdf', 'histogram', 'histogram', 'timeline']);
    expect(html.match(/<div class="chart" id="chart-\d+"/g)!.length).toBe(figs.length);
  });

  it('is deterministic', () => {
    const again = buildReportHtml(compare([sampleCompareInput()]), [sampleCompareInput()], { command: `vcpu-replay report '<b>' -o r.html`, options: { policies: result.policies } });
    expect(again === html).toBe(true);
  });
});

describe('chart data', () => {
  it('CDF keeps the maximum and reaches 1', () => {
    const p = cdfPoints(Float64Array.from({ length: 10_000 }, (_, i) => (i + 1) * 1000), 100);
    expect(p.xUs.length).toBeLessThanOrEqual(101);
    expect(p.xUs[p.xUs.length - 1]).toBe(10_000);
    expect(p.y[p.y.length - 1]).toBe(1);
    expect(p.y[0]).toBe(1 / 10_000);
  });

  it('histogram bins are log-spaced and count every sample once', () => {
    const edges = logBins(10, 9000, 10);
    expect(edges[0]).toBeCloseTo(10, 9);
    expect(edges[edges.length - 1]).toBeGreaterThanOrEqual(9000);
    const lat = input.replays[0]!.probes[0]!.latencyNs; // vanilla: 197 x 10, 100, 3000, 9000 µs
    const counts = histogramCounts(lat, edges);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(200);
    expect(counts[0]).toBe(197);
    expect(counts.filter((c) => c > 0)).toEqual([197, 1, 1, 1]);
  });
});

describe('timeline lanes', () => {
  // Vanilla replay, period 150: activation 3.001 s; the vCPU wakes 5 µs early, is preempted by the
  // hostile thread for 8990 µs, runs again, the probe runs 50 µs, the vCPU halts 5 µs later.
  const a = 1e6 + 150 * 20e6;
  const w = { startNs: a - 100e3, endNs: a + 10e6 };
  const vanilla = input.replays.find((r) => r.result.policy === 'vanilla')!.result.trace;

  it('vCPU thread: halted, running, steal, running, halted', () => {
    const spans = vcpuThreadSpans(vanilla.machines[0]!, SAMPLE_VCPU_TID, w);
    expect(spans.map((s) => [s.state, (s.startNs - a) / 1000, (s.endNs - a) / 1000])).toEqual([
      ['halted', -100, -5],
      ['running', -5, 0],
      ['steal', 0, 8990],
      ['running', 8990, 9055], // probe runs 9000..9050, vCPU halts 5 µs later
      ['halted', 9055, 10000],
    ]);
    expect(spans[2]!.label).toBe(`preempted by ${SAMPLE_HOSTILE_COMM} (7000) on host CPU 0`);
  });

  it('dynamic boosts show as boosted running', () => {
    const dyn = input.replays.find((r) => r.result.policy === 'dynamic')!.result.trace;
    const spans = vcpuThreadSpans(dyn.machines[0]!, SAMPLE_VCPU_TID, w);
    expect(spans.filter((s) => s.state === 'boosted').map((s) => (s.endNs - s.startNs) / 1000)).toEqual([5, 65]); // 30 µs steal, then 40 - 30 + 50 + 5 µs boosted
  });

  it('guest CPU: the probe burst after the host delay', () => {
    const spans = guestCpuSpans(vanilla.machines[1]!, 0, w, new Set([100]));
    expect(spans.map((s) => [s.state, s.label, (s.startNs - a) / 1000, (s.endNs - a) / 1000])).toEqual([['probe', 'cyclictest (100)', 9000, 9050]]);
  });

  it('default window surrounds the worst captured activation; --window parses units', () => {
    const d = defaultWindow(input);
    expect([(d.startNs - a) / 1e6, (d.endNs - a) / 1e6]).toEqual([-8, 16]);
    expect(parseWindow('3:3.01', 0)).toEqual({ startNs: 3e9, endNs: 3.01e9 });
    expect(parseWindow('3000ms:3010000us', 5)).toEqual({ startNs: 3e9 + 5, endNs: 3.01e9 + 5 });
    expect(() => parseWindow('3:2', 0)).toThrow(/after START/);
    expect(() => parseWindow('x:2', 0)).toThrow(/not a time/);
    const fig = timelineFigure(input, result.policies, w);
    const lanes = (fig.layout['yaxis'] as { categoryarray: string[] }).categoryarray;
    expect(lanes).toEqual([
      'trace · guest0 CPU 0',
      'trace · host CPU 0/KVM (5000)',
      'vanilla · guest0 CPU 0',
      'vanilla · host CPU 0/KVM (5000)',
      'dynamic · guest0 CPU 0',
      'dynamic · host CPU 0/KVM (5000)',
      'static · guest0 CPU 0',
      'static · host CPU 0/KVM (5000)',
    ]);
  });
});
