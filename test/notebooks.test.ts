import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from './helpers/shared.js';

// Executes every notebook in notebooks/ headless (nbconvert + the Deno Jupyter kernel) into a temp
// dir, never touching the committed files, and checks that the cells tagged "key-output" produced
// real output. Needs Jupyter (Debian: jupyter-nbconvert python3-nbclient jupyter-client
// python3-ipykernel) and the Deno kernelspec (`npx deno jupyter --install`).

const NB_DIR = join(REPO_DIR, 'notebooks');
const NOTEBOOKS = readdirSync(NB_DIR).filter((f) => f.endsWith('.ipynb')).sort();
const CI = !!process.env['CI'];

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}
interface NbCell {
  cell_type: string;
  metadata: { tags?: string[] };
  source: string | string[];
  outputs?: Output[];
}
interface Notebook {
  cells: NbCell[];
  metadata: { kernelspec?: { name?: string } };
}

const joinText = (v: unknown): string => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '');
const keyCells = (nb: Notebook) => nb.cells.filter((c) => c.cell_type === 'code' && c.metadata.tags?.includes('key-output'));

/** What is missing for headless execution, or null when everything is there. */
function missingTooling(): string | null {
  const v = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return 'jupyter nbconvert not found (Debian: apt-get install jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel)';
  const k = spawnSync('jupyter', ['kernelspec', 'list', '--json'], { encoding: 'utf8' });
  const specs = k.status === 0 ? (JSON.parse(k.stdout) as { kernelspecs: Record<string, unknown> }).kernelspecs : {};
  if (!specs['deno']) return 'the Deno Jupyter kernel is not installed (run `npx deno jupyter --install` in the repository)';
  return null;
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtimeMs(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return newest;
}

/** The notebooks import ../dist/index.js: build it when it is missing or older than src/. */
function ensureDist(): void {
  const index = join(REPO_DIR, 'dist', 'index.js');
  let built = 0;
  try {
    built = statSync(index).mtimeMs;
  } catch {
    /* missing: build */
  }
  if (built >= newestMtimeMs(join(REPO_DIR, 'src'))) return;
  const r = spawnSync(join(REPO_DIR, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: REPO_DIR, encoding: 'utf8' });
  if (r.status !== 0) {
    const msg = `npx tsc -p tsconfig.build.json failed:\n${r.stdout}${r.stderr}`;
    // tsc still emits; in a shared working tree another change may be half done.
    if (CI) throw new Error(msg);
    process.stderr.write(`WARNING notebooks: ${msg}\n`);
  }
}

/** Facts each notebook's key outputs must show (text of tables, names of chart traces). */
const EXPECT: Record<string, string[]> = {
  '01-ingest-and-inspect.ipynb': ['sched_switch', 'hrtimer_start', 'CPU 0/TCG', 'qemu-tcg', 'Dictionary<Int32, Utf8>'],
  '02-latency-breakdown.ipynb': ['guest0/cyclictest', 'host-caused avg µs', 'slowest 1%', 'idle-vanilla-i500', 'busy-vanilla-i500'],
  '03-replay-and-compare.ipynb': ['trace (measured)', 'vanilla', 'dynamic', 'static', 'guest0/cyclictest', 'vCPU runnable, not running (steal)'],
  '04-dynamic-sweep.ipynb': ['dynamic cap=0 pd=off HZ=250', 'dynamic cap=3000 pd=on HZ=1000', 'vanilla HZ=1000', 'cap hits'],
};

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

const missing = missingTooling();
if (missing) {
  if (CI) {
    describe('notebooks', () => {
      it('tooling is installed', () => {
        throw new Error(`notebooks cannot run: ${missing}`);
      });
    });
  } else process.stderr.write(`SKIPPED notebooks: ${missing}\n`);
}

describe.skipIf(!!missing)('notebooks (executed headless with the Deno kernel)', () => {
  let outDir = '';
  const committedHash = new Map<string, string>();

  beforeAll(() => {
    ensureDist();
    outDir = mkdtempSync(join(tmpdir(), 'vcpu-replay-notebooks-'));
    for (const f of NOTEBOOKS) committedHash.set(f, sha(join(NB_DIR, f)));
  }, 180_000);
  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('there are at least the four documented notebooks', () => {
    for (const prefix of ['01-', '02-', '03-', '04-']) expect(NOTEBOOKS.some((f) => f.startsWith(prefix))).toBe(true);
  });

  for (const file of NOTEBOOKS) {
    describe(file, () => {
      const committed = JSON.parse(readFileSync(join(NB_DIR, file), 'utf8')) as Notebook;

      it('is saved with the outputs of its key cells, and uses the deno kernel', () => {
        expect(committed.metadata.kernelspec?.name).toBe('deno');
        const keys = keyCells(committed);
        expect(keys.length).toBeGreaterThanOrEqual(2);
        for (const c of keys) expect(c.outputs?.some((o) => o.data), `committed outputs of:\n${joinText(c.source).slice(0, 200)}`).toBe(true);
        // Saved charts carry an SVG copy, so they show where no JavaScript runs (code hosts).
        for (const o of committed.cells.flatMap((c) => c.outputs ?? []))
          if (o.data?.['application/vnd.plotly.v1+json']) expect(joinText(o.data['image/svg+xml'])).toMatch(/^<svg[\s\S]*<\/svg>$/);
      });

      it('runs without a cell error, and its key cells show tables or charts', () => {
        const r = spawnSync(
          'jupyter',
          [
            'nbconvert', '--to', 'notebook', '--execute', join(NB_DIR, file),
            '--output-dir', outDir,
            '--ExecutePreprocessor.kernel_name=deno',
            '--ExecutePreprocessor.timeout=240',
            '--ExecutePreprocessor.record_timing=False',
          ],
          // No SVG copies here (one Chromium start per chart cell); the committed files are checked for them above.
          { cwd: REPO_DIR, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', VCPU_REPLAY_NOTEBOOK_SVG: '0' } },
        );
        // nbconvert exits non-zero on the first failing cell and prints it with the error.
        expect(r.status, `nbconvert failed for ${file}:\n${(r.stderr ?? '').slice(-4000)}`).toBe(0);
        const nb = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as Notebook;
        const errors = nb.cells.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === 'error'));
        expect(errors.map((e) => `${e.ename}: ${e.evalue}`)).toEqual([]);
        const keys = keyCells(nb);
        expect(keys.length).toBe(keyCells(committed).length);
        for (const c of keys) {
          const what = joinText(c.source).slice(0, 200);
          const rich = (c.outputs ?? []).filter((o) => o.data);
          expect(rich.length, `no rich output from:\n${what}`).toBeGreaterThan(0);
          for (const o of rich) {
            const d = o.data!;
            const plot = d['application/vnd.plotly.v1+json'] as { data?: Array<Record<string, unknown>> } | undefined;
            if (plot) {
              // A chart with traces that carry points (x, y or values).
              expect(plot.data?.length, `empty chart from:\n${what}`).toBeGreaterThan(0);
              const points = plot.data!.reduce((n, t) => n + Math.max(...['x', 'y', 'values'].map((k) => (Array.isArray(t[k]) ? (t[k] as unknown[]).length : 0))), 0);
              expect(points, `chart without points from:\n${what}`).toBeGreaterThan(0);
            } else {
              const html = joinText(d['text/html']);
              // A table with at least one body row, or other non-empty HTML/text.
              if (html.includes('<table')) {
                expect(html, `empty table from:\n${what}`).toMatch(/<tbody>\s*<tr>/);
                expect(html, `table without rows from:\n${what}`).not.toContain('<i>(none)</i>');
              }
              expect((html || joinText(d['text/plain'])).trim().length, `empty output from:\n${what}`).toBeGreaterThan(0);
            }
          }
        }
        const shown = keys
          .flatMap((c) => c.outputs ?? [])
          .map((o) => joinText(o.data?.['text/plain']) + JSON.stringify((o.data?.['application/vnd.plotly.v1+json'] as { data?: Array<{ name?: string }> } | undefined)?.data?.map((t) => t.name) ?? []))
          .join('\n');
        expect(EXPECT[file], `${file}: add its expected key facts to EXPECT`).toBeDefined();
        for (const want of EXPECT[file] ?? []) expect(shown, `${file}: key outputs do not show "${want}"`).toContain(want);
        // The committed notebook is only read.
        expect(sha(join(NB_DIR, file))).toBe(committedHash.get(file));
      }, 300_000);
    });
  }
});

describe('notebooks/lib/show.ts', () => {
  it('typechecks (strict) against the built library', () => {
    ensureDist();
    const r = spawnSync(join(REPO_DIR, 'node_modules', '.bin', 'tsc'), ['-p', join(NB_DIR, 'tsconfig.json')], { cwd: REPO_DIR, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);

  it('escapes trace-derived strings in HTML tables', async () => {
    ensureDist();
    const show = (await import(pathToFileURL(join(NB_DIR, 'lib', 'show.ts')).href)) as {
      table: (rows: Array<Record<string, unknown>>, o?: { caption?: string }) => Record<symbol, () => Record<string, string>>;
      html: (parts: TemplateStringsArray, ...v: unknown[]) => Record<symbol, () => Record<string, string>>;
    };
    const hostile = '<img src=x onerror=alert(1)>';
    const d = show.table([{ comm: hostile, tid: 7 }], { caption: `top ${hostile}` })[Symbol.for('Jupyter.display')]!();
    expect(d['text/html']).not.toContain('<img');
    expect(d['text/html']).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(d['text/html']).toMatch(/<td style="text-align:right">7<\/td>/);
    expect(d['text/plain']).toContain(hostile);
    const h = show.html`<b>${hostile}</b>`[Symbol.for('Jupyter.display')]!();
    expect(h['text/html']).toBe('<b>&lt;img src=x onerror=alert(1)&gt;</b>');
  });
});
