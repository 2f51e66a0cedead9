// A trace whose sched_switch into a task is missing (seen on a 6.18 host in a VM): CPU time and
// demand must start the run at the wakeup, not at the CPU's previous switch (idle time) and not drop it.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingest } from '../src/ingest/index.js';
import { missingSwitchIns } from '../src/tables/missingSwitchIns.js';
import { cpuTimeByThread, summarizeTrace } from '../src/metrics/traceSummary.js';

const TRACE = `# tracer: nop
#
          <idle>-0       [001] d..2.   100.000000: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=worker next_pid=42 next_prio=120
          worker-42      [001] d..2.   100.000100: sched_switch: prev_comm=worker prev_pid=42 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120
          <idle>-0       [001] d.h3.   100.000900: sched_waking: comm=qemu pid=7 prio=120 target_cpu=001
          <idle>-0       [001] dNh4.   100.000901: sched_wakeup: comm=qemu pid=7 prio=120 target_cpu=001
            qemu-7       [001] d..2.   100.001000: sched_switch: prev_comm=qemu prev_pid=7 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120
          <idle>-0       [001] d..2.   100.002000: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=qemu next_pid=7 next_prio=120
            qemu-7       [001] d..2.   100.002050: sched_switch: prev_comm=qemu prev_pid=7 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120
`;

async function load() {
  const dir = mkdtempSync(join(tmpdir(), 'vr-missing-'));
  const f = join(dir, 'trace.txt');
  writeFileSync(f, TRACE);
  return (await ingest(f)).machines[0]!;
}

describe('switch-ins missing from a trace', () => {
  it('are found and start at the wakeup', async () => {
    const t = await load();
    const m = missingSwitchIns(t);
    expect(m.count).toBe(1);
    expect(m.fromIdle).toBe(1);
    const row = [...m.startNs].findIndex((x) => !Number.isNaN(x));
    expect(t.sched_switch.cols.prevPid[row]).toBe(7);
    expect(m.startNs[row]).toBe(100_000_901_000); // its last wakeup (sched_wakeup 100.000901), after the CPU's last switch (100.000100)
  });

  it('count as CPU time from the wakeup, and are reported', async () => {
    const t = await load();
    const cpu = cpuTimeByThread(t);
    // 99 us estimated (wakeup -> switch-out) + 50 us logged; not the 900 us the CPU spent idle before.
    expect(cpu.get(7)!.ns).toBe(149_000);
    expect(cpu.get(42)!.ns).toBe(100_000);
    const s = summarizeTrace(t);
    expect(s.warnings.some((w) => /1 sched_switch events .* switch-in is not in the trace \(1 after idle\)/.test(w))).toBe(true);
  });
});
