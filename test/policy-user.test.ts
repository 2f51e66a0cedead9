// User policies load from a module path through the same interface as the built-ins.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_DIR } from './helpers/shared.js';
import { loadPolicy, PolicyError } from '../src/replay/policies/index.js';
import { demandFromSpec } from '../src/replay/demand/synthetic.js';
import { replayDemand } from '../src/replay/replayDemand.js';
import { latencyStats, probeSamples, tidsByName } from '../src/replay/measure.js';

const spec = {
  name: 'u',
  durationMs: 100,
  host: { cpus: 1, kernel: '6.5.0', hz: 250, tasks: [{ kind: 'hog' as const }] },
  guests: [{ name: 'g', vcpus: 1, idlePollUs: -1, tasks: [{ kind: 'cyclictest' as const, intervalUs: 1000, slackUs: 0 }] }],
};

describe('user policies', () => {
  it('examples/my-policy.ts boosts on guest timers and unboosts at the next quiet exit', async () => {
    const pol = await loadPolicy(resolve(REPO_DIR, 'examples/my-policy.ts'), { rtPrio: 12 });
    expect(pol.name).toBe('timer-boost');
    expect(pol.params).toEqual({ rtPrio: 12 });
    const d = demandFromSpec(spec);
    const r = replayDemand(d, pol);
    // Timers that fire while the vCPU is preempted go through the host path and boost.
    expect(r.boost.byReason['timer']).toBeGreaterThan(10);
    const avg = (m: import('../src/tables/index.js').TraceTables) => latencyStats(probeSamples(m, tidsByName(m, 'cyclictest')).latencyNs).avgUs;
    const vanilla = replayDemand(d, await loadPolicy('vanilla'));
    expect(avg(r.trace.machines[1]!) * 10).toBeLessThan(avg(vanilla.trace.machines[1]!));
    const sw = r.trace.machines[0]!.sched_switch.cols;
    const prios = new Set<number>();
    for (let i = 0; i < r.trace.machines[0]!.sched_switch.length; i++) if (sw.nextPid[i] === 3000) prios.add(sw.nextPrio[i]!);
    expect([...prios]).toContain(99 - 12);
  });

  it('rejects modules that export no policy, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vr-pol-'));
    const f = join(dir, 'bad.mjs');
    writeFileSync(f, 'export const x = 1;\n');
    await expect(loadPolicy(f)).rejects.toThrow(PolicyError);
    await expect(loadPolicy(f)).rejects.toThrow(/bad\.mjs/);
    await expect(loadPolicy(join(dir, 'missing.js'))).rejects.toThrow(/cannot load policy module/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('unknown built-in names list the alternatives', async () => {
    await expect(loadPolicy('turbo')).rejects.toThrow(/vanilla, static, dynamic, dynamic-v3, crosvm-rt/);
  });
});
