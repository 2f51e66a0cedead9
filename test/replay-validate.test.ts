// Identity and cross-policy validation. On generated captures (vanilla and static captures of the
// same RFC-shaped workload, written as ftrace text and read back through ingest + align), the
// replay must reproduce each capture under its own policy and predict the other capture. On the
// bundled real captures (traces/*/scenario.json) the same bounds are asserted when they exist.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_DIR } from './helpers/shared.js';
import { generateScenario } from '../src/replay/generate.js';
import { loadScenario } from '../src/scenario/index.js';
import { alignScenario } from '../src/align/alignScenario.js';
import { validateCaptures, workloadKey, formatValidation, seedSpread, formatSeedSpread, type ValidationCapture } from '../src/replay/validate.js';
import { parseSeeds } from '../src/cli/validate.js';
import { demandFromAligned } from '../src/replay/demand/fromTrace.js';
import type { WorkloadSpec } from '../src/replay/demand/synthetic.js';

const base = JSON.parse(readFileSync(resolve(REPO_DIR, 'examples/rfc-busy.json'), 'utf8')) as WorkloadSpec;

describe('validation on generated captures', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vr-validate-'));
  const caps: ValidationCapture[] = [];
  for (const pol of ['vanilla', 'static']) {
    const spec: WorkloadSpec = { ...base, name: `busy-${pol}`, durationMs: 1500, capturedPolicy: { name: pol } };
    await generateScenario(spec, join(dir, pol));
    const aligned = await alignScenario(await loadScenario(join(dir, pol)));
    caps.push({ aligned, workload: workloadKey(aligned) });
  }
  rmSync(dir, { recursive: true, force: true });

  it('replays every pair under each seed and reports the spread per row', async () => {
    const { rows } = await validateCaptures(caps, { seeds: [1, 2] });
    expect(rows.every((r) => r.seed === 1 || r.seed === 2)).toBe(true);
    const sp = seedSpread(rows);
    expect(rows.length).toBe(2 * sp.length);
    for (const g of sp) {
      const mine = rows.filter((r) => r.source === g.source && r.policy === g.policy && r.machine === g.machine);
      expect(g.seeds).toEqual([1, 2]);
      expect(g.avgUs.min).toBe(Math.min(...mine.map((r) => r.replayed.avgUs)));
      expect(g.p99Us.max).toBe(Math.max(...mine.map((r) => r.replayed.p99Us)));
      expect(g.passed).toBe(mine.filter((r) => r.pass).length);
    }
    expect(formatSeedSpread(rows)).toMatch(/seeds: 1,2; within bounds: \d+\/\d+ rows/);
    // the same seed gives the same row
    const again = await validateCaptures(caps, { seeds: [2] });
    expect(again.rows.map((r) => r.replayed)).toEqual(rows.filter((r) => r.seed === 2).map((r) => r.replayed));
  });

  it('--seeds takes ranges and lists', () => {
    expect(parseSeeds('1-3,7')).toEqual([1, 2, 3, 7]);
    expect(parseSeeds('4')).toEqual([4]);
    expect(() => parseSeeds('3-1')).toThrow(/ascending/);
    expect(() => parseSeeds('a')).toThrow(/--seeds/);
  });

  it('groups captures of one workload by name', () => {
    expect(caps.map((c) => c.workload)).toEqual(['busy', 'busy']);
  });

  it('extracts timer-driven probes as periodic tasks and hogs as hogs', () => {
    const d = demandFromAligned(caps[0]!.aligned);
    expect(d.host.tasks.filter((t) => t.behaviour.kind === 'hog').length).toBe(4);
    const probe = d.guests[0]!.tasks.find((t) => t.name === 'cyclictest')!;
    expect(probe.behaviour).toMatchObject({ kind: 'periodic', periodNs: 500_000 });
    expect(d.guests[0]!.idlePollNs).toBe(Infinity); // the vCPU threads never slept: idle=poll
  });

  it('identity: each capture replayed under its captured policy reproduces its probe latency', async () => {
    const { rows } = await validateCaptures(caps);
    const id = rows.filter((r) => r.kind === 'identity');
    expect(id.length).toBe(4); // host + guest probe of two captures
    for (const r of id) {
      expect(r.replayed.count, formatValidation([r])).toBeGreaterThan(0);
      expect(r.pass, formatValidation([r])).toBe(true);
    }
    // The static capture's starved host probe still replays (it was woken but rarely ran).
    expect(id.find((r) => r.source === 'busy-static' && r.machine === 'host')!.measured.maxUs).toBeGreaterThan(900_000);
  });

  it('cross: the vanilla capture under static predicts the static capture, and vice versa', async () => {
    const { rows } = await validateCaptures(caps);
    const cross = rows.filter((r) => r.kind === 'cross' && r.machine === 'guest');
    expect(cross.map((r) => `${r.sourcePolicy}->${r.policy}`).sort()).toEqual(['static->vanilla', 'vanilla->static']);
    for (const r of cross) expect(r.pass, formatValidation([r])).toBe(true);
    // The prediction is not trivial: the two captures differ by more than an order of magnitude.
    const v = cross.find((r) => r.policy === 'vanilla')!;
    expect(v.measured.avgUs).toBeGreaterThan(5 * cross.find((r) => r.policy === 'static')!.measured.avgUs);
  });
});

describe('validation on the bundled captures', async () => {
  // Each bundled capture is ~100 MB of trace text: reading four takes minutes on the shared
  // machine, beyond the per-file test budget, so this runs only when asked for.
  const root = resolve(REPO_DIR, 'traces');
  const dirs = existsSync(root) ? readdirSync(root).filter((d) => existsSync(join(root, d, 'scenario.json'))) : [];
  const loadable = [];
  for (const d of dirs) {
    try {
      loadable.push(await loadScenario(join(root, d)));
    } catch (e) {
      process.stderr.write(`SKIPPED bundled capture ${d}: ${(e as Error).message}\n`);
    }
  }
  if (!loadable.length || !process.env['VCPU_REPLAY_SLOW']) {
    process.stderr.write(
      `SKIPPED bundled-capture validation (${loadable.length} loadable captures in ${root}): set VCPU_REPLAY_SLOW=1 to run it, or run \`vcpu-replay validate\`\n`,
    );
    it.skip('bundled captures (VCPU_REPLAY_SLOW=1)', () => {});
    return;
  }
  const caps: ValidationCapture[] = [];
  for (const sc of loadable) {
    const aligned = await alignScenario(sc);
    caps.push({ aligned, workload: workloadKey(aligned) });
  }
  it('identity and cross rows are within avg 20 % / p99 30 %', async () => {
    const { rows } = await validateCaptures(caps);
    expect(rows.length).toBeGreaterThan(0);
    const bad = rows.filter((r) => !r.pass);
    expect(bad, formatValidation(bad)).toEqual([]);
  }, 600_000);
});
