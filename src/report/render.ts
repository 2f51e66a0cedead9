import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core; nothing downloaded)
// for PNG/SVG export and for the browser test.

export const CHROMIUM_PATH = process.env['VCPU_REPLAY_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

type Ctx = import('playwright-core').BrowserContext;
type Page = import('playwright-core').Page;

/**
 * Open an HTML string in a fresh headless Chromium profile (its own --user-data-dir, removed
 * afterwards), wait for the charts, run `fn`, close everything.
 */
export async function withPage<T>(html: string, fn: (page: Page, consoleErrors: string[]) => Promise<T>, viewport = { width: 1300, height: 900 }): Promise<T> {
  if (!chromiumAvailable()) throw Object.assign(new Error(`headless Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set VCPU_REPLAY_CHROMIUM)`), { userError: true });
  const { chromium } = await import('playwright-core');
  const dir = await mkdtemp(join(tmpdir(), 'vcpu-replay-chromium-'));
  let ctx: Ctx | null = null;
  try {
    const file = join(dir, 'page.html');
    await writeFile(file, html);
    ctx = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, viewport });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // Browser-side code is given as strings: this package compiles without the DOM typings.
    await page.waitForFunction('window.vrChartsReady !== undefined', null, { timeout: 30_000 });
    await page.evaluate('window.vrChartsReady');
    return await fn(page, errors);
  } finally {
    await ctx?.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** Screenshot the whole page as PNG. */
export async function renderPng(html: string, outFile: string): Promise<void> {
  await withPage(html, async (page) => {
    await page.screenshot({ path: outFile, fullPage: true });
  });
}

/** Each chart of the page as an SVG document (Plotly.toImage), in page order. */
export async function renderSvgs(html: string): Promise<string[]> {
  return withPage(html, async (page) =>
    page.evaluate(`(async () => {
      const out = [];
      for (const gd of Array.from(document.querySelectorAll('.chart'))) {
        const r = gd.getBoundingClientRect();
        const url = await Plotly.toImage(gd, { format: 'svg', width: Math.round(r.width), height: Math.round(r.height) });
        out.push(decodeURIComponent(url.slice(url.indexOf(',') + 1)));
      }
      return out;
    })()`) as Promise<string[]>,
  );
}
