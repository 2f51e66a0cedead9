import { describe, expect, it } from 'vitest';
import { compare } from '../src/metrics/compare.js';
import { buildReportHtml } from '../src/report/report.js';
import { CHROMIUM_PATH, chromiumAvailable, renderSvgs, withPage } from '../src/report/render.js';
import { SAMPLE_HOSTILE_COMM, sampleCompareInput } from '../src/report/sampleData.js';

// The report in a real browser: Debian's headless Chromium driven by playwright-core.

const HAS_CHROMIUM = chromiumAvailable();
if (!HAS_CHROMIUM) process.stderr.write(`\n*** SKIPPED browser tests: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium) ***\n\n`);

describe.skipIf(!HAS_CHROMIUM)('report in headless Chromium', () => {
  // The second scenario's name tries to close the chart-data <script> element and inject markup.
  const HOSTILE_NAME = 'idle</script><img src=x onerror=alert(2)>';
  const inputs = [sampleCompareInput(), sampleCompareInput({ name: HOSTILE_NAME, load: 'idle' })];
  const result = compare(inputs);
  const html = buildReportHtml(result, inputs, { command: 'vcpu-replay report -o r.html', options: {} });

  it('renders every chart, logs no errors, and shows a hostile thread name as text', async () => {
    const seen = await withPage(html, async (page, errors) => {
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const charts = await page.$$eval('.chart', (els) =>
        els.map((el) => ({
          svg: el.querySelectorAll('svg.main-svg').length,
          // Drawn marks: bar paths, line paths of scatter traces.
          marks: el.querySelectorAll('.barlayer .point path, .scatterlayer .trace path.js-line').length,
        })),
      );
      const hostileCells = await page.getByText(SAMPLE_HOSTILE_COMM, { exact: true }).count();
      const nameHeading = await page.locator('h3', { hasText: HOSTILE_NAME }).count();
      const chartTitles = await page.locator('.chart .gtitle', { hasText: HOSTILE_NAME }).count();
      // Hover the timeline's steal bars: their labels name the hostile host thread that preempted the vCPU.
      const hover = await page.evaluate(`(() => {
        const gd = document.querySelector('.chart[data-kind="timeline"]');
        const curve = gd.data.findIndex((t) => t.name.startsWith('vCPU runnable'));
        const i = gd.data[curve].hovertext.findIndex((h) => h.includes('preempted by'));
        Plotly.Fx.hover(gd, [{ curveNumber: curve, pointNumber: i }]);
        return gd.querySelector('.hoverlayer').textContent;
      })()`);
      const images = await page.locator('img').count();
      return { charts, hostileCells, nameHeading, chartTitles, hover, images, errors: [...errors], dialogs };
    });
    expect(seen.errors).toEqual([]);
    expect(seen.charts.length).toBe(13); // 2 bars + deadlines + 2x(2 CDF + 2 histograms) + 2 timelines
    for (const c of seen.charts) {
      expect(c.svg).toBeGreaterThan(0);
      expect(c.marks).toBeGreaterThan(0);
    }
    // 4 runs x 2 scenarios have the hostile thread among the busiest host threads, except static (starved).
    expect(seen.hostileCells).toBe(6);
    expect(seen.nameHeading).toBe(1);
    expect(seen.chartTitles).toBe(5); // 2 CDFs, 2 histograms, 1 timeline of that scenario
    expect(seen.hover).toContain(`preempted by ${SAMPLE_HOSTILE_COMM} (7000)`);
    expect(seen.images).toBe(0);
    expect(seen.dialogs).toEqual([]);
  }, 60_000);

  it('exports charts as SVG documents', async () => {
    const small = buildReportHtml(compare([inputs[0]!]), [inputs[0]!], { command: 'x', options: {} });
    const svgs = await renderSvgs(small);
    expect(svgs.length).toBe(8);
    for (const s of svgs) expect(s.startsWith('<svg')).toBe(true);
    expect(svgs.join('')).not.toContain(SAMPLE_HOSTILE_COMM);
  }, 60_000);
});
