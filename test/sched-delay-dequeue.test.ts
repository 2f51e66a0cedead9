// Two refinements measured against the QEMU-TCG lab captures (docs/replay.md, Validation):
// EEVDF DELAY_DEQUEUE/DELAY_ZERO (sched-model.md §3.7) and the TCG guest's emulated
// interrupt-exit -> switch path taken from the guest trace.
import { describe, expect, it } from 'vitest';
import { RunQueue } from '../src/replay/engine/runQueue.js';
import { Entity, Policy } from '../src/replay/engine/entity.js';
import { defaultSchedParams, kernelHasDelayDequeue, resolveSched } from '../src/replay/engine/params.js';
import { replayDemand } from '../src/replay/replayDemand.js';
import { vanillaPolicy } from '../src/replay/policies/vanilla.js';
import { WakeupKind } from '../src/tables/schema.js';
import type { Demand } from '../src/replay/demand/types.js';
import type { TraceTables } from '../src/tables/index.js';
import { oneVcpuGuest } from './helpers/guestDemand.js';

const MS = 1_000_000;
const US = 1_000;

function ent(id: number): Entity {
  const e = new Entity(id);
  e.setSched(Policy.NORMAL, 0, 0);
  return e;
}
function rq(delayDequeue: boolean): RunQueue {
  return new RunQueue(0, resolveSched({ ...defaultSchedParams(1, 'eevdf', 1000), baseSliceNs: 3 * MS, delayDequeue }), true);
}
/** A hog `a` at v = 0 and `b` at v = 2 ms (V = 1 ms): b blocks 1 ms in debt. Then a runs to `aV`. */
function blockInDebtThenWake(delayDequeue: boolean, aV: number): Entity {
  const r = rq(delayDequeue);
  const a = ent(1);
  const b = ent(2);
  r.enqueue(a, 0, 'start');
  r.enqueue(b, 0, 'start');
  a.vruntime = 0;
  b.vruntime = 2 * MS;
  b.deadline = 4 * MS;
  r.dequeue(b, 0, true);
  expect(b.vlag).toBe(-1 * MS);
  a.vruntime = aV; // V = aV while b sleeps (a is alone)
  r.enqueue(b, 0, 'wakeup');
  return b;
}

describe('EEVDF DELAY_DEQUEUE (>= 6.12)', () => {
  it('off: the debt survives any sleep (inflated by (W + w)/W at placement)', () => {
    const b = blockInDebtThenWake(false, 5 * MS);
    expect(b.vruntime).toBe(5 * MS + 2 * MS);
    expect(b.deadline).toBe(10 * MS);
  });

  it('on: a sleep long enough for V to pass the task wakes it with lag 0 (DELAY_ZERO)', () => {
    const b = blockInDebtThenWake(true, 5 * MS);
    expect(b.vruntime).toBe(5 * MS);
    expect(b.deadline).toBe(8 * MS);
  });

  it('on: a short sleep keeps the remaining debt: vruntime and deadline unchanged (requeue_delayed_entity)', () => {
    const b = blockInDebtThenWake(true, 1.5 * MS);
    expect(b.vruntime).toBe(2 * MS);
    expect(b.deadline).toBe(4 * MS);
  });

  it('on: a delayed task still counts in V but is not runnable; once eligible it leaves with lag 0', () => {
    const r = rq(true);
    const a = ent(1);
    const b = ent(2);
    r.enqueue(a, 0, 'start');
    r.enqueue(b, 0, 'start');
    a.vruntime = 0;
    b.vruntime = 2 * MS;
    r.dequeue(b, 0, true);
    expect(r.nrRunning).toBe(1);
    expect(r.avgVruntime()).toBe(1 * MS);
    a.vruntime = 1.9 * MS; // V = 1.95 ms: b still in debt
    expect(r.pickNext(0)).toBe(a);
    expect(r.delayed).toEqual([b]);
    a.vruntime = 3 * MS; // V = 2.5 ms: b eligible
    r.pickNext(0);
    expect(r.delayed).toEqual([]);
    expect(b.vlag).toBe(0);
    expect(b.delayedRq).toBeNull();
  });

  it('on: a task that blocked with positive lag is placed as before', () => {
    const r = rq(true);
    const a = ent(1);
    const b = ent(2);
    r.enqueue(a, 0, 'start');
    r.enqueue(b, 0, 'start');
    a.vruntime = 2 * MS;
    b.vruntime = 0;
    r.dequeue(b, 0, true);
    expect(b.vlag).toBe(1 * MS);
    r.enqueue(b, 0, 'wakeup');
    expect(b.vruntime).toBe(2 * MS - 2 * MS);
  });

  it('kernel versions: 6.12 and later have it; the replay turns it on from the host kernel unless told', () => {
    expect(kernelHasDelayDequeue('6.11.9')).toBe(false);
    expect(kernelHasDelayDequeue('6.12.0')).toBe(true);
    expect(kernelHasDelayDequeue('6.18.44-fc-v595')).toBe(true);
    const d = (kernel: string): Demand => ({ name: 't', startNs: 0, durationNs: MS, host: { cpus: 1, kernel, hz: 1000, tasks: [] }, guests: [], warnings: [] });
    expect(replayDemand(d('6.11.0'), vanillaPolicy()).params['hostDelayDequeue']).toBe(false);
    expect(replayDemand(d('6.18.0'), vanillaPolicy()).params['hostDelayDequeue']).toBe(true);
    expect(replayDemand(d('6.18.0'), vanillaPolicy(), { delayDequeue: false }).params['hostDelayDequeue']).toBe(false);
  });
});

/** sched_waking -> sched_switch-in gaps of `tid` on a machine. */
function wakeToSwitchNs(t: TraceTables, tid: number): number[] {
  const ev: Array<[number, number]> = [];
  const w = t.sched_wakeup.cols;
  for (let i = 0; i < t.sched_wakeup.length; i++) if (w.tid[i] === tid && w.kind[i] === WakeupKind.WAKING) ev.push([w.tsNs[i]!, 0]);
  const s = t.sched_switch.cols;
  for (let i = 0; i < t.sched_switch.length; i++) if (s.nextPid[i] === tid) ev.push([s.tsNs[i]!, 1]);
  ev.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: number[] = [];
  let at = -1;
  for (const [ts, k] of ev) {
    if (k === 0) at = ts;
    else if (at >= 0) {
      out.push(ts - at);
      at = -1;
    }
  }
  return out;
}

describe('TCG guest: interrupt exit -> switch cost from the guest trace', () => {
  const guest = oneVcpuGuest(
    'tcg',
    { name: 'probe', tid: 7, sched: { policy: 'normal', rtPrio: 0, nice: 0 }, probe: true, behaviour: { kind: 'periodic', periodNs: 1 * MS, startNs: 1 * MS, burstNs: 10 * US, slackNs: 0 } },
    { platform: { timerWakeNs: 60 * US, wakeSwitchNs: 30 * US } },
  );
  const demand: Demand = { name: 't', startNs: 0, durationNs: 20 * MS, host: { cpus: 1, kernel: '6.1.0', hz: 1000, tasks: [] }, guests: [guest], warnings: [] };

  it('off: the guest switches in at its wakeup; on: the measured floor separates them', () => {
    const off = wakeToSwitchNs(replayDemand(demand, vanillaPolicy(), { tcgReschedFromTrace: false }).trace.machines[1]!, 7);
    const onR = replayDemand(demand, vanillaPolicy()); // on by default
    const on = wakeToSwitchNs(onR.trace.machines[1]!, 7);
    expect(off.length).toBeGreaterThan(15);
    expect(on.length).toBe(off.length);
    expect(Math.max(...off)).toBe(0);
    // Alone on its pCPU the vCPU is never preempted: every gap is exactly the floor.
    expect(new Set(on)).toEqual(new Set([30 * US]));
    expect((onR.params['guests'] as Array<{ reschedNs: number }>)[0]!.reschedNs).toBe(30 * US);
  });

  it('KVM guests are unaffected', () => {
    const kvm: Demand = { ...demand, guests: [{ ...guest, accel: 'kvm', vcpuNames: ['CPU 0/KVM'] }] };
    const on = wakeToSwitchNs(replayDemand(kvm, vanillaPolicy(), { tcgReschedFromTrace: true }).trace.machines[1]!, 7);
    expect(Math.max(...on)).toBe(0);
  });
});
