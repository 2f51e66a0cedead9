// Demand extraction rules on hand-written host tables (sched-model.md §9.2, docs/replay.md).
import { describe, expect, it } from 'vitest';
import { TraceOut } from '../src/replay/engine/traceOut.js';
import { demandFromAligned, inferHz, asPeriodic } from '../src/replay/demand/fromTrace.js';
import { Op } from '../src/replay/demand/types.js';
import { replayDemand } from '../src/replay/replayDemand.js';
import { vanillaPolicy } from '../src/replay/policies/vanilla.js';
import { HrtimerKind } from '../src/tables/schema.js';
import type { AlignedScenario } from '../src/align/types.js';
import type { TraceTables } from '../src/tables/index.js';

const US = 1000;
const S = 1; // TaskState.S
const R = 0;

function aligned(host: TraceTables): AlignedScenario {
  return { name: 't', dir: '.', scenario: { version: 1, name: 't', host: { trace: 'h' }, guests: [] }, host, guests: [], warnings: [] };
}

/** A (tid 10) arms a timer for 1000 us and sleeps; wakes at 1010, runs 20 us, wakes B (tid 11) from task context. */
function hostTables(): TraceTables {
  const o = new TraceOut('hand', 'host', 2, '6.1.0');
  const a = o.comm('timer-task');
  const b = o.comm('worker');
  const hog = o.comm('hog');
  o.sched_switch(0, 0, -1, -1, 120, R, 10, a, 120);
  o.sched_switch(0, 1, -1, -1, 120, R, 12, hog, 120);
  o.hrtimer_start(50 * US, 0, 10, o.comm('0x1'), 1000 * US, 1050 * US);
  o.sched_switch(60 * US, 0, 10, a, 120, S, 11, b, 120); // A ran 60 us, sleeps; B runs
  o.sched_switch(100 * US, 0, 11, b, 120, S, -1, -1, 120); // B ran 40 us, waits
  o.sched_waking(1060 * US, 0, -1, 10, a, 120, 0); // timer (interrupt context: no task)
  o.sched_switch(1065 * US, 0, -1, -1, 120, R, 10, a, 120);
  o.sched_waking(1085 * US, 0, 10, 11, b, 120, 0); // A wakes B after 20 us of its run
  o.sched_switch(1100 * US, 0, 10, a, 120, S, 11, b, 120);
  o.sched_switch(1130 * US, 0, 11, b, 120, S, -1, -1, 120);
  for (let t = 4000; t <= 60_000; t += 4000) o.sched_switch(t * US, 1, 12, hog, 120, R, 12, hog, 120); // hog preempted and re-picked
  return o.finish();
}

const prog = (t: { behaviour: { kind: string } }) => {
  const b = t.behaviour as { kind: 'program'; program: { kind: Uint8Array; arg: Float64Array; length: number } };
  expect(b.kind).toBe('program');
  return Array.from({ length: b.program.length }, (_, i) => [b.program.kind[i]!, b.program.arg[i]!]);
};

describe('demand extraction', () => {
  const d = demandFromAligned(aligned(hostTables()));
  const byTid = new Map(d.host.tasks.map((t) => [t.tid, t]));

  it('timer sleeps keep their absolute expiry; wakes by a thread become WAKE at the same point of the waker', () => {
    const iB = d.host.tasks.findIndex((t) => t.tid === 11);
    // Its last sleep (at 1100 us) has no wakeup in the trace: the program ends there.
    expect(prog(byTid.get(10)!)).toEqual([
      [Op.RUN, 60 * US],
      [Op.SLEEP_TIMER, 1000 * US],
      [Op.RUN, 20 * US],
      [Op.WAKE, iB],
      [Op.RUN, 15 * US],
      [Op.END, 0],
    ]);
  });

  it('a thread woken by another thread waits for it (SLEEP_WAIT), not for the captured time', () => {
    expect(prog(byTid.get(11)!)).toEqual([
      [Op.RUN, 40 * US],
      [Op.SLEEP_WAIT, -1],
      [Op.RUN, 30 * US],
      [Op.END, 0],
    ]);
  });

  it('never woken, never blocked, switch-outs logged: a hog; affinity and start CPU as observed', () => {
    const h = byTid.get(12)!;
    expect(h.behaviour.kind).toBe('hog');
    expect(h.cpus).toEqual([1]);
    expect(h.startCpu).toBe(1);
  });

  it('slack and platform costs are measured (timer hard expiry -> waking, waking -> switch-in)', () => {
    expect(byTid.get(10)!.slackNs).toBe(50 * US);
    expect(d.host.platform!.timerWakeNs).toBe(10 * US);
    expect(d.host.platform!.wakeSwitchNs).toBe(5 * US);
  });

  it('HZ from tick handler intervals', () => {
    const o = new TraceOut('hand', 'host', 1, null);
    const fn = o.comm('tick_nohz_handler');
    const b = o.b;
    for (let k = 0; k < 20; k++) {
      const i = b.hrtimer.row();
      b.hrtimer.c.tsNs[i] = k * 4_000_000 + (k % 3) * 1000;
      b.hrtimer.c.seq[i] = b.seq();
      b.hrtimer.c.cpu[i] = 0;
      b.hrtimer.c.pid[i] = 0;
      b.hrtimer.c.flags[i] = 0xffff;
      b.hrtimer.c.kind[i] = HrtimerKind.EXPIRE_ENTRY;
      b.hrtimer.c.hrtimer[i] = -1;
      b.hrtimer.c.function[i] = fn;
      b.hrtimer.c.expiresNs[i] = -1;
      b.hrtimer.c.softexpiresNs[i] = -1;
      b.hrtimer.c.nowNs[i] = -1;
      b.hrtimer.c.mode[i] = -1;
    }
    expect(inferHz(o.finish())).toBe(250);
    expect(inferHz(hostTables())).toBeNull();
  });

  it('timer-only programs spaced by one period become periodic tasks (skipping missed periods)', () => {
    const kind: number[] = [Op.RUN];
    const arg: number[] = [5000];
    for (const k of [1, 2, 3, 5, 6, 7, 8, 9, 12]) {
      kind.push(Op.SLEEP_TIMER, Op.RUN);
      arg.push(k * 500_000, 7000);
    }
    kind.push(Op.END);
    arg.push(0);
    const p = { kind: Uint8Array.from(kind), arg: Float64Array.from(arg), length: kind.length };
    expect(asPeriodic(p, 50_000)).toEqual({ kind: 'periodic', periodNs: 500_000, startNs: 500_000, burstNs: 7000, slackNs: 50_000 });
    // A task that exited (cyclictest -D) stops after its last armed expiry; the engine arms no more.
    const exited = asPeriodic(p, 50_000, true)!;
    expect(exited.endNs).toBe(12 * 500_000);
    const r = replayDemand(
      { name: 't', startNs: 0, durationNs: 20 * 500_000, host: { cpus: 1, kernel: '6.5.0', hz: 1000, tasks: [{ name: 'ct', tid: 5, sched: { policy: 'normal', rtPrio: 0, nice: 0 }, behaviour: exited }] }, guests: [], warnings: [] },
      vanillaPolicy(),
    );
    const armed = r.trace.machines[0]!.hrtimer;
    expect(armed.length).toBe(12);
    expect(Math.max(...armed.cols.softexpiresNs)).toBe(12 * 500_000);
    arg[3] = 510_000 * 2; // one expiry off the grid: not periodic
    expect(asPeriodic({ ...p, arg: Float64Array.from(arg) }, 0)).toBeNull();
  });
});
