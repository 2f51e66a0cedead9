// One CPU's run queue: RT (FIFO/RR by priority) above fair (CFS <= 6.5 or EEVDF >= 6.6), with the
// kernel's decision points (sched-model.md §1.3): update_curr at ticks, enqueue/dequeue and wakeup
// checks, never in continuous time. The clock is whatever the owner passes as `now`: host time for
// a pCPU, accumulated guest-mode time for a vCPU (so steal time is never charged to guest tasks).
//
// Assumptions recorded in the replay params: flat hierarchy (no cgroups), no CFS buddies, EEVDF
// without PREEMPT_SHORT, DELAY_DEQUEUE for >= 6.12 (delayed entities leave once eligible rather
// than when picked), no fair deadline server.

import { Entity, Policy } from './entity.js';
import type { ResolvedSched } from './params.js';

const NICE0 = 1024;

export class RunQueue {
  curr: Entity | null = null;
  /** Queued fair entities, including curr when it is fair. Insertion order breaks ties. */
  readonly fair: Entity[] = [];
  /** Queued RT entities including curr, highest priority first, FIFO within a priority. */
  readonly rt: Entity[] = [];
  /**
   * EEVDF DELAY_DEQUEUE: fair entities that blocked in debt. They still count in V and W (as in the
   * kernel's tree) but are never picked; once eligible they leave with lag 0 (DELAY_ZERO).
   */
  readonly delayed: Entity[] = [];
  minVruntime = 0;
  rtTimeNs = 0;
  rtThrottled = false;
  throttles = 0;
  /** Set by any rule that wants a reschedule; the owner consumes it. */
  needResched = false;

  constructor(
    readonly cpu: number,
    readonly p: ResolvedSched,
    /** RT bandwidth throttling applies (host kernels <= 6.11). */
    readonly throttleRt: boolean,
  ) {}

  get nrRunning(): number {
    return this.fair.length + this.rt.length;
  }

  // ---- accounting -------------------------------------------------------------------------

  updateCurr(now: number): void {
    const c = this.curr;
    if (!c) return;
    const delta = now - c.execStartNs;
    if (delta <= 0) return;
    c.execStartNs = now;
    c.sumExecNs += delta;
    if (c.isRt) {
      // RT time is not charged to fair vruntime (rfc-mechanism §14.6).
      if (this.throttleRt && this.p.rtRuntimeNs >= 0) {
        this.rtTimeNs += delta;
        if (!this.rtThrottled && this.rtTimeNs > this.p.rtRuntimeNs) {
          this.rtThrottled = true;
          this.throttles++;
          this.needResched = true;
        }
      }
      return;
    }
    c.vruntime += (delta * NICE0) / c.weight;
    if (this.p.fair === 'cfs') this.updateMinVruntime();
    else if (c.vruntime >= c.deadline) {
      // update_deadline(): a new request; reschedule if anyone else competes.
      c.deadline = c.vruntime + this.vslice(c);
      if (this.fair.length > 1) this.needResched = true;
    }
  }

  /** RT period timer: give back one runtime per period (do_sched_rt_period_timer). */
  rtPeriod(): void {
    this.rtTimeNs = Math.max(0, this.rtTimeNs - this.p.rtRuntimeNs);
    if (this.rtThrottled && this.rtTimeNs < this.p.rtRuntimeNs) {
      this.rtThrottled = false;
      if (this.rt.length) this.needResched = true;
    }
  }

  /** Scheduler tick for curr (after updateCurr): CFS slice rule, RR slice. */
  tick(now: number): void {
    this.updateCurr(now);
    const c = this.curr;
    if (!c) return;
    if (c.isRt) {
      if (c.policy === Policy.RR && --c.rrTicksLeft <= 0) {
        c.rrTicksLeft = this.p.rrTicks;
        // Requeue to the tail only if another task waits at the same priority.
        const i = this.rt.indexOf(c);
        const peer = this.rt.some((e) => e !== c && e.rtPrio === c.rtPrio);
        if (peer && i >= 0) {
          removeAt(this.rt, i);
          this.insertRt(c, false);
          this.needResched = true;
        }
      }
      return;
    }
    if (this.p.fair === 'cfs' && this.fair.length > 1) this.cfsCheckPreemptTick(c);
  }

  // ---- enqueue / dequeue ------------------------------------------------------------------

  /**
   * Queue a task. `wakeup`: placement as a sleeper; `initial`: new task (START_DEBIT /
   * PLACE_DEADLINE_INITIAL); neither: restore (migration or class change).
   */
  enqueue(e: Entity, now: number, how: 'wakeup' | 'initial' | 'restore' | 'start'): void {
    this.updateCurr(now);
    // Woken elsewhere (or moved to RT): it leaves the queue it was delayed on.
    if (e.delayedRq && (e.delayedRq !== this || how !== 'wakeup' || e.isRt)) (e.delayedRq as RunQueue).dropDelayed(e);
    e.cpu = this.cpu;
    e.onRq = true;
    if (e.isRt) {
      e.queuedRt = true;
      if (e.rrTicksLeft <= 0) e.rrTicksLeft = this.p.rrTicks;
      this.insertRt(e, false);
      return;
    }
    e.queuedRt = false;
    if (this.p.fair === 'cfs') this.cfsPlace(e, how);
    else this.eevdfPlace(e, how);
    this.fair.push(e);
    if (this.p.fair === 'cfs') this.updateMinVruntime();
  }

  /** Remove a task (sleep, migration, class change). Records its lag (EEVDF) first. */
  dequeue(e: Entity, now: number, sleep = false): void {
    this.updateCurr(now);
    if (!e.onRq) return;
    e.delayedRq = null;
    if (e.queuedRt) {
      const i = this.rt.indexOf(e);
      if (i >= 0) removeAt(this.rt, i);
    } else {
      if (this.p.fair === 'eevdf') e.vlag = this.clampLag(e, this.avgVruntime() - e.vruntime);
      const i = this.fair.indexOf(e);
      if (i >= 0) removeAt(this.fair, i);
      // Blocking in debt under DELAY_DEQUEUE: it stays in V with its vruntime until it wakes here
      // or becomes eligible.
      if (sleep && this.p.delayDequeue && this.p.fair === 'eevdf' && e.vlag < 0) {
        e.delayedRq = this;
        this.delayed.push(e);
      }
      if (this.p.fair === 'cfs') this.updateMinVruntime();
    }
    e.onRq = false;
    if (this.curr === e) this.curr = null;
  }

  /** A task moves to this CPU from `src` (CFS renormalises vruntime; EEVDF carries lag). */
  migrateIn(e: Entity, src: RunQueue): void {
    if (this.p.fair === 'cfs' && !e.isRt) e.vruntime = e.vruntime - src.minVruntime + this.minVruntime;
  }

  // ---- picking ----------------------------------------------------------------------------

  /** A delayed entity leaves this queue (woken elsewhere, class change). */
  dropDelayed(e: Entity): void {
    const i = this.delayed.indexOf(e);
    if (i >= 0) removeAt(this.delayed, i);
    if (e.delayedRq === this) e.delayedRq = null;
  }

  /** Delayed entities that have become eligible are dequeued for real with lag 0 (DELAY_ZERO). */
  private purgeDelayed(): void {
    for (let i = this.delayed.length - 1; i >= 0; i--) {
      const e = this.delayed[i]!;
      if (!this.eligible(e)) continue;
      removeAt(this.delayed, i);
      e.delayedRq = null;
      e.vlag = 0;
    }
  }

  /** __schedule(): pick the next task and make it curr (null = idle). */
  pickNext(now: number): Entity | null {
    this.updateCurr(now);
    if (this.delayed.length) this.purgeDelayed();
    this.needResched = false;
    let next: Entity | null = null;
    if (this.rt.length && !this.rtThrottled) next = this.rt[0]!;
    else if (this.fair.length) next = this.p.fair === 'cfs' ? this.cfsPick() : this.eevdfPick();
    if (next !== this.curr && this.curr) this.curr.prevSumExecNs = this.curr.sumExecNs;
    if (next) {
      if (next !== this.curr) {
        next.execStartNs = now;
        next.prevSumExecNs = next.sumExecNs;
      }
      if (!next.isRt && this.p.fair === 'eevdf') next.protectDeadline = next.deadline;
    }
    this.curr = next;
    return next;
  }

  /** Would `e`, just enqueued here, preempt curr? (wakeup_preempt) */
  checkPreemptWakeup(e: Entity, now: number): boolean {
    const c = this.curr;
    if (!c) return true;
    if (c === e) return false;
    if (e.isRt) {
      if (this.rtThrottled) return false;
      return !c.isRt || e.kernelPrio < c.kernelPrio;
    }
    if (c.isRt && !this.rtThrottled) return false;
    if (c.isRt) return true; // curr only runs because... (throttled RT never runs)
    if (c.policy === Policy.IDLE && e.policy !== Policy.IDLE) return true;
    if (e.policy !== Policy.NORMAL) return false;
    this.updateCurr(now);
    if (this.p.fair === 'cfs') {
      const gran = (this.p.wakeupGranularityNs * NICE0) / e.weight;
      return c.vruntime - e.vruntime > gran;
    }
    return this.eevdfPick() === e;
  }

  /** Does a queued RT task outrank curr? (after push/pull or class changes) */
  rtBeatsCurr(): boolean {
    if (!this.rt.length || this.rtThrottled) return false;
    const c = this.curr;
    return !c || !c.isRt || this.rt[0]!.kernelPrio < c.kernelPrio;
  }

  // ---- class change (sched_setscheduler, sched-model.md §4.4) ----------------------------

  /** Change policy/priority of a task queued here (running or not). Sets needResched as the kernel would. */
  changeSched(e: Entity, policy: number, rtPrio: number, nice: number, now: number): void {
    const running = this.curr === e;
    const wasRt = e.isRt;
    if (e.delayedRq) (e.delayedRq as RunQueue).dropDelayed(e);
    const oldPrio = e.kernelPrio;
    this.updateCurr(now);
    if (e.onRq) {
      if (e.queuedRt) removeAt(this.rt, this.rt.indexOf(e));
      else {
        if (this.p.fair === 'eevdf') e.vlag = this.clampLag(e, this.avgVruntime() - e.vruntime);
        else e.relVruntime = e.vruntime - this.minVruntime;
        removeAt(this.fair, this.fair.indexOf(e));
      }
    } else if (!wasRt && this.p.fair === 'cfs') e.relVruntime = e.vruntime - this.minVruntime;
    e.setSched(policy, rtPrio, nice);
    // Leaving the fair class (6.12+): lag is meaningless after an excursion into another class.
    if (!wasRt && e.isRt && this.p.fair === 'eevdf' && this.p.lagResetOnClassChange) e.vlag = 0;
    if (e.onRq) {
      if (e.isRt) {
        e.queuedRt = true;
        this.insertRt(e, e.kernelPrio > oldPrio);
      } else {
        e.queuedRt = false;
        if (this.p.fair === 'cfs') {
          if (wasRt) e.vruntime = this.minVruntime + e.relVruntime;
        } else this.eevdfPlace(e, 'restore');
        this.fair.push(e);
        if (this.p.fair === 'cfs') this.updateMinVruntime();
      }
    }
    if (running) {
      e.execStartNs = now;
      if (wasRt && !e.isRt) this.needResched = true; // switched_to_fair: resched_curr
      else if (e.isRt && this.rtBeatsCurr()) this.needResched = true;
    } else if (e.onRq) {
      if (this.checkPreemptWakeup(e, now)) this.needResched = true;
    }
  }

  // ---- CFS --------------------------------------------------------------------------------

  private updateMinVruntime(): void {
    let m = Infinity;
    for (const e of this.fair) if (e.vruntime < m) m = e.vruntime;
    if (m !== Infinity && m > this.minVruntime) this.minVruntime = m;
  }

  /** sched_slice() with ALT_PERIOD and BASE_SLICE. */
  cfsSlice(e: Entity): number {
    let n = this.fair.length;
    let W = 0;
    for (const x of this.fair) W += x.weight;
    if (!e.onRq || e.queuedRt) {
      n++;
      W += e.weight;
    }
    const period = n > 8 ? n * this.p.minGranularityNs : this.p.latencyNs;
    return Math.max((period * e.weight) / W, this.p.minGranularityNs);
  }

  private cfsPlace(e: Entity, how: string): void {
    if (how === 'start') e.vruntime = this.minVruntime;
    else if (how === 'initial') e.vruntime = Math.max(e.vruntime, this.minVruntime + (this.cfsSlice(e) * NICE0) / e.weight);
    else if (how === 'wakeup') e.vruntime = Math.max(e.vruntime, this.minVruntime - this.p.latencyNs / 2);
  }

  private cfsPick(): Entity {
    let best = this.fair[0]!;
    for (let i = 1; i < this.fair.length; i++) if (this.fair[i]!.vruntime < best.vruntime) best = this.fair[i]!;
    return best;
  }

  private cfsCheckPreemptTick(c: Entity): void {
    const ideal = Math.min(this.cfsSlice(c), this.p.latencyNs);
    const ran = c.sumExecNs - c.prevSumExecNs;
    if (ran > ideal) {
      this.needResched = true;
      return;
    }
    if (ran < this.p.minGranularityNs) return;
    let left: Entity | null = null;
    for (const e of this.fair) if (e !== c && (!left || e.vruntime < left.vruntime)) left = e;
    if (left && c.vruntime - left.vruntime > ideal) this.needResched = true;
  }

  // ---- EEVDF ------------------------------------------------------------------------------

  private vslice(e: Entity): number {
    return (this.p.baseSliceNs * NICE0) / e.weight;
  }

  /** V = sum(w*v)/sum(w) over queued entities (curr included). */
  avgVruntime(): number {
    let W = 0;
    let S = 0;
    const v0 = this.fair.length ? this.fair[0]!.vruntime : this.delayed.length ? this.delayed[0]!.vruntime : 0;
    for (const e of this.fair) {
      W += e.weight;
      S += e.weight * (e.vruntime - v0);
    }
    for (const e of this.delayed) {
      W += e.weight;
      S += e.weight * (e.vruntime - v0);
    }
    return W ? v0 + S / W : this.minVruntime;
  }

  private clampLag(e: Entity, vlag: number): number {
    const L = (Math.max(2 * this.p.baseSliceNs, this.p.tickNs) * NICE0) / e.weight;
    return Math.max(-L, Math.min(L, vlag));
  }

  private eevdfPlace(e: Entity, how: string): void {
    let vslice = this.vslice(e);
    let lag = 0;
    let W = 0;
    if (e.delayedRq === this && how === 'wakeup') {
      // requeue_delayed_entity(): still in debt -> keeps vruntime and deadline; debt waited off
      // while it slept -> DELAY_ZERO places it with lag 0. V includes it (it is still queued).
      const lagged = this.avgVruntime() - e.vruntime >= 0;
      this.dropDelayed(e);
      if (lagged && (this.fair.length || this.delayed.length)) {
        // Re-placed with lag 0 after leaving the tree: at the others' V.
        const V = this.avgVruntime();
        e.vruntime = V;
        e.deadline = V + vslice;
      }
      return;
    }
    for (const x of this.fair) if (x !== e) W += x.weight;
    for (const x of this.delayed) if (x !== e) W += x.weight;
    const V = W ? this.avgVruntime() : this.minVruntime;
    if (how !== 'start' && how !== 'initial' && W > 0) lag = (e.vlag * (W + e.weight)) / W;
    e.vruntime = V - lag;
    if (how === 'initial') vslice /= 2;
    e.deadline = e.vruntime + vslice;
    if (!W) this.minVruntime = e.vruntime;
  }

  eligible(e: Entity): boolean {
    // v <= V without division: sum(w_j (v_j - v_e)) >= 0
    let s = 0;
    for (const x of this.fair) s += x.weight * (x.vruntime - e.vruntime);
    for (const x of this.delayed) s += x.weight * (x.vruntime - e.vruntime);
    return s >= 0;
  }

  private eevdfPick(): Entity {
    if (this.fair.length === 1) return this.fair[0]!;
    const c = this.curr && !this.curr.isRt && this.curr.onRq ? this.curr : null;
    if (c && this.p.runToParity && c.protectDeadline === c.deadline && this.eligible(c)) return c; // RUN_TO_PARITY
    let best: Entity | null = null;
    for (const e of this.fair) if ((!best || e.deadline < best.deadline) && this.eligible(e)) best = e;
    return best ?? this.fair[0]!;
  }

  private insertRt(e: Entity, head: boolean): void {
    const p = e.kernelPrio;
    let i = 0;
    if (head) while (i < this.rt.length && this.rt[i]!.kernelPrio < p) i++;
    else while (i < this.rt.length && this.rt[i]!.kernelPrio <= p) i++;
    // Insert without splice (it allocates): shift the tail by one.
    this.rt.push(e);
    for (let j = this.rt.length - 1; j > i; j--) this.rt[j] = this.rt[j - 1]!;
    this.rt[i] = e;
  }
}

/** Remove index i keeping order, without allocating. */
function removeAt<T>(a: T[], i: number): void {
  if (i < 0) return;
  for (let j = i + 1; j < a.length; j++) a[j - 1] = a[j]!;
  a.length--;
}
