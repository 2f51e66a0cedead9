// The discrete-event replay: host CPUs with their schedulers, vCPU threads whose guest schedulers
// run nested inside them, and a vCPU policy. No wall clock: time is the event queue's. Everything
// random comes from the seeded PRNG, and ties in the queue break by insertion order, so a run is
// a pure function of (demand, policy, options).
//
// Model (sched-model.md §6, §7, §8; rfc-mechanism.md §4-§6):
// - Host decisions happen at ticks (HZ), wakeups, sleeps, class changes and reschedule IPIs.
// - A vCPU thread in guest mode reacts to need-resched only at its next VM exit; a resched IPI,
//   the host tick, a guest timer (hv timer), HLT and the notify MSR are exits. At each exit the
//   policy runs before the host scheduler decides (kvm_vcpu_do_pv_sched before schedule()).
// - Guest work progresses only while the vCPU thread runs on the host; guest timers fire at
//   absolute host time and need the vCPU to run to be handled.
// - Idle guest: poll in guest mode (idlePollNs), then HLT: host halt-polling (KVM) while the pCPU
//   has nothing else runnable, then block until a timer or interrupt.
// - TCG: no halt polling; guest timers go through the QEMU main-loop thread, which kicks the vCPU.

import { EventQueue } from './eventQueue.js';
import { Prng } from './prng.js';
import { DelaySampler } from './delaySampler.js';
import { RunQueue } from './runQueue.js';
import { RunState, Policy } from './entity.js';
import { SimTask, policyId } from './task.js';
import { Vcpu, Seg, Cont } from './vcpu.js';
import { TraceOut } from './traceOut.js';
import { defaultSchedParams, fairModeForKernel, kernelHasDelayDequeue, kernelHasSlice070, resolveSched, type ResolvedSched } from './params.js';
import type { EngineOptions } from './options.js';
import { Op, type Demand, type GuestDemand, type PlatformSamples } from '../demand/types.js';
import type { ExitReason, GuestTaskInfo, InjectKind, PolicyCtx, VcpuPolicy, VcpuView } from '../policies/types.js';
import type { BoostStats } from '../types.js';
import type { TraceTables } from '../../tables/index.js';

const Ev = { TICK: 1, RT_PERIOD: 2, TASK_STEP: 3, TIMER: 4, RESCHED: 5, VCPU_STEP: 6, GTIMER: 7, FORCE_EXIT: 8, GTICK: 9, TCG_KICK: 10, EMU_RUN: 11 } as const;
const S_SLEEP = 1; // TaskState.S
const S_RUN = 0;

interface HostCpu {
  id: number;
  rq: RunQueue;
  running: SimTask | null;
  reschedQueued: boolean;
}

interface GuestRt {
  d: GuestDemand;
  out: TraceOut;
  sched: ResolvedSched;
  irqNs: number;
  switchNs: number;
  /** Interrupt exit -> the guest's sched_switch when it reschedules (TCG: emulated, measured). */
  reschedNs: number;
  /** Empirical guest platform delays (platformDelays 'empirical'), else undefined. */
  samples: PlatformSamples | undefined;
  vcpus: Vcpu[];
  tasks: SimTask[];
}

export interface SimResult {
  host: TraceTables;
  guests: TraceTables[];
  boost: BoostStats;
  events: number;
  params: Record<string, unknown>;
  warnings: string[];
}

export class Simulator {
  private readonly q = new EventQueue(4096);
  private readonly rng: Prng;
  private now = 0;
  private readonly endNs: number;
  private readonly cpus: HostCpu[] = [];
  private readonly hostTasks: SimTask[] = [];
  private readonly all: SimTask[] = [];
  private readonly guests: GuestRt[] = [];
  private readonly vcpus: Vcpu[] = [];
  private readonly hostOut: TraceOut;
  private readonly hs: ResolvedSched;
  private readonly boost: BoostStats = { boosts: 0, boostedNs: 0, byReason: {}, throttles: 0, capHits: 0 };
  private readonly ctx: PolicyCtx;
  private events = 0;
  private readonly warnings: string[] = [];
  private readonly rtThrottle: boolean;
  private balanceRot = 0;
  private readonly timerWakeNs: number;
  private readonly wakeSwitchNs: number;
  /** Empirical host platform delays, when sampled. */
  private readonly hostSamples: PlatformSamples | undefined;
  private readonly delays: DelaySampler;
  /** TCG: the QEMU main-loop thread per guest. */
  private readonly tcgMain: (SimTask | null)[] = [];
  /** TCG: the (first) guest each main-loop thread serves, for its kick work. */
  private readonly tcgGuestOfMain = new Map<SimTask, GuestRt>();

  constructor(
    private readonly demand: Demand,
    private readonly policy: VcpuPolicy,
    private readonly opt: EngineOptions,
  ) {
    this.rng = new Prng(opt.seed);
    this.endNs = demand.startNs + demand.durationNs;
    const h = demand.host;
    const fair = opt.hostFair ?? fairModeForKernel(h.kernel) ?? 'cfs';
    const kv = /(\d+)\.(\d+)/.exec(h.kernel ?? '');
    const kver = kv ? Number(kv[1]) * 1000 + Number(kv[2]) : 0;
    this.rtThrottle = opt.rtThrottle ?? !(kver >= 6012);
    this.timerWakeNs = opt.timerWakeNs ?? h.platform?.timerWakeNs ?? 0;
    this.wakeSwitchNs = opt.wakeSwitchNs ?? h.platform?.wakeSwitchNs ?? 0;
    this.delays = new DelaySampler(opt.seed);
    this.hostSamples = opt.platformDelays === 'empirical' ? h.platform?.samples : undefined;
    this.hs = resolveSched({
      ...defaultSchedParams(h.cpus, fair, opt.hostHz ?? h.hz),
      wakeIdle: opt.wakeIdle,
      slice070: kernelHasSlice070(h.kernel),
      runToParity: opt.runToParity,
      delayDequeue: opt.delayDequeue ?? kver >= 6012,
      lagResetOnClassChange: kver >= 6012,
    });
    this.hostOut = new TraceOut('replay:host', 'host', h.cpus, h.kernel);
    for (let c = 0; c < h.cpus; c++) this.cpus.push({ id: c, rq: new RunQueue(c, this.hs, this.rtThrottle), running: null, reschedQueued: false });
    for (const d of h.tasks) this.addHostTask(SimTask.from(this.all.length, d, -1));
    demand.guests.forEach((g, gi) => this.addGuest(g, gi));
    const self = this;
    this.ctx = {
      nowNs: () => self.now,
      setSched: (v, s, reason) => self.setVcpuSched(v as Vcpu, s, reason),
      forceExit: (v) => self.q.push(self.now, Ev.FORCE_EXIT, (v as Vcpu).id, 0),
      capHit: () => {
        self.boost.capHits++;
      },
    };
  }

  private addHostTask(t: SimTask): SimTask {
    t.comm = this.hostOut.comm(t.name);
    t.timerId = this.hostOut.comm(`0x${(0xffff0000 + t.id * 64).toString(16)}`);
    this.all.push(t);
    this.hostTasks.push(t);
    return t;
  }

  private addGuest(d: GuestDemand, gi: number): void {
    const fair = d.fair ?? fairModeForKernel(d.kernel) ?? 'cfs';
    const sched = resolveSched({
      ...defaultSchedParams(d.vcpuTids.length, fair, d.hz),
      slice070: kernelHasSlice070(d.kernel),
      delayDequeue: this.opt.delayDequeue !== false && kernelHasDelayDequeue(d.kernel),
      lagResetOnClassChange: kernelHasDelayDequeue(d.kernel),
    });
    const out = new TraceOut(`replay:${d.name}`, d.name, d.vcpuTids.length, d.kernel);
    // Guest kernel path costs: the options, or what the guest trace shows when it is slower
    // (TCG emulates them): the interrupt part of timer expiry -> waking, and the waking -> switch-in floor.
    const c = this.opt.costs;
    let irqNs = c.guestIrqNs;
    let switchNs = c.guestSwitchNs;
    if (this.opt.guestCostsFromTrace && d.platform) {
      const path = d.accel === 'tcg' ? c.tcgSlackNs + c.tcgMainLoopNs : c.exitNs;
      irqNs = Math.max(irqNs, d.platform.timerWakeNs - path);
      switchNs = Math.max(switchNs, d.platform.wakeSwitchNs);
    }
    // Under TCG the guest's interrupt-exit + __schedule() path is emulated and costs tens of µs
    // between the sched_waking and the sched_switch (lab captures: 10th percentile 21 µs, median
    // 34 µs without steal); the trace's floor is charged there, before the switch is emitted.
    const reschedNs = d.accel === 'tcg' && d.platform && !this.opt.guestCostsFromTrace && this.opt.tcgReschedFromTrace ? d.platform.wakeSwitchNs : 0;
    const samples = this.opt.platformDelays === 'empirical' ? d.platform?.samples : undefined;
    const g: GuestRt = { d, out, sched, vcpus: [], tasks: [], irqNs, switchNs, reschedNs, samples };
    d.vcpuTids.forEach((tid, i) => {
      const th = new SimTask(this.all.length, d.vcpuNames[i] ?? `CPU ${i}/KVM`, tid, null, false);
      th.setSched(policyId(d.vcpuSched.policy), d.vcpuSched.rtPrio, d.vcpuSched.nice);
      const cpus = d.vcpuCpus?.[i];
      if (cpus && cpus.length) th.allowed = cpus.reduce((m, c) => m | (1 << c), 0);
      th.cpu = cpus && cpus.length ? cpus[0]! : i % this.cpus.length;
      this.addHostTask(th);
      const v = new Vcpu(this.vcpus.length, gi, d.name, i, th, new RunQueue(i, sched, false), { ...d.vcpuSched });
      th.vcpu = v;
      this.vcpus.push(v);
      g.vcpus.push(v);
    });
    for (const td of d.tasks) {
      const t = SimTask.from(this.all.length, td, gi);
      if (t.cpu < 0 || t.cpu >= g.vcpus.length) t.cpu = 0;
      t.comm = out.comm(t.name);
      t.timerId = out.comm(`0x${(0xfffe0000 + t.id * 64).toString(16)}`);
      this.all.push(t);
      g.tasks.push(t);
    }
    if (d.accel === 'tcg') {
      // The QEMU main loop runs the guest's timers (sched-model.md §7): woken (after ppoll slack)
      // for each expired guest timer, it runs and kicks the vCPU. It is the traced QEMU main
      // thread when the host demand has one (its own work then delays the kicks), else a thread
      // of its own.
      let main = this.hostTasks.filter((t) => !t.vcpu && /^qemu-system/.test(t.name)).sort((a, b) => a.tid - b.tid)[0];
      if (!main) {
        main = new SimTask(this.all.length, 'qemu-main-loop', d.vcpuTids.length ? Math.min(...d.vcpuTids) - 2 : 1, null, false);
        main.started = true;
        main.cpu = d.vcpuCpus?.[0]?.[0] ?? 0;
        this.addHostTask(main);
      }
      main.kicks = [];
      this.tcgMain[gi] = main;
      if (!this.tcgGuestOfMain.has(main)) this.tcgGuestOfMain.set(main, g);
    } else this.tcgMain[gi] = null;
    this.guests.push(g);
  }

  // ---------------------------------------------------------------------------------------
  run(progress?: (doneNs: number, totalNs: number) => void): SimResult {
    const t0 = this.demand.startNs;
    this.now = t0;
    this.policy.init?.(this.ctx, this.vcpus);
    for (const v of this.vcpus) this.publishStatus(v);
    // Start every host task: runnable ones are queued, sleepers arm their first wait.
    for (const t of this.hostTasks) {
      if (t.vcpu) {
        t.started = true;
        t.state = RunState.RUNNABLE;
        const c = this.cpus[t.cpu]!;
        c.rq.enqueue(t, t0, 'start');
        const v = t.vcpu as Vcpu;
        v.idlePollLeftNs = this.guests[v.gi]!.d.idlePollNs;
      } else if (t.beh) {
        if (t.cpu < 0) t.cpu = this.pickStartCpu(t);
        t.state = RunState.RUNNING; // pretend it runs to fetch its first op without a CPU
        this.startTaskOps(t, t0);
      }
    }
    for (const g of this.guests) {
      for (const t of g.tasks) {
        const v = g.vcpus[t.cpu]!;
        t.state = RunState.RUNNING;
        this.guestStartOps(t, v, t0);
      }
    }
    if (this.opt.emulatorRuns)
      for (const v of this.vcpus) {
        const er = this.guests[v.gi]!.d.emulatorRuns?.[v.index];
        if (!er) continue;
        let k = 0;
        while (k < er.atNs.length && er.atNs[k]! < t0) k++;
        if (k < er.atNs.length) this.q.push(er.atNs[k]!, Ev.EMU_RUN, v.id, k);
      }
    for (const c of this.cpus) this.schedule(c, t0);
    const tick = this.hs.tickNs;
    this.q.push(Math.floor(t0 / tick) * tick + tick, Ev.TICK, 0, 0);
    if (this.rtThrottle) this.q.push(t0 + this.hs.rtPeriodNs, Ev.RT_PERIOD, 0, 0);

    const q = this.q;
    const end = this.endNs;
    let nextProgress = t0;
    while (q.pop()) {
      const ts = q.popTsNs;
      if (ts > end) break;
      this.now = ts;
      this.events++;
      if (progress && ts >= nextProgress) {
        progress(ts - t0, end - t0);
        nextProgress = ts + 100_000_000;
      }
      this.dispatch(q.popKind, q.popA, q.popToken);
    }
    this.now = end;
    for (const v of this.vcpus) if (v.boostStartNs >= 0) this.boost.boostedNs += end - v.boostStartNs;
    for (const c of this.cpus) this.boost.throttles += c.rq.throttles;
    return {
      host: this.hostOut.finish(),
      guests: this.guests.map((g) => g.out.finish()),
      boost: this.boost,
      events: this.events,
      params: {
        hostFair: this.hs.fair,
        hostDelayDequeue: this.hs.fair === 'eevdf' && this.hs.delayDequeue,
        hostHz: this.hs.hz,
        hostCpus: this.hs.cpus,
        hostLatencyNs: this.hs.latencyNs,
        hostMinGranularityNs: this.hs.minGranularityNs,
        hostWakeupGranularityNs: this.hs.wakeupGranularityNs,
        hostBaseSliceNs: this.hs.baseSliceNs,
        rtThrottle: this.rtThrottle,
        guests: this.guests.map((g) => ({ name: g.d.name, fair: g.sched.fair, hz: g.sched.hz, vcpus: g.vcpus.length, accel: g.d.accel, idlePollNs: g.d.idlePollNs, irqNs: g.irqNs, switchNs: g.switchNs, reschedNs: g.reschedNs })),
        seed: this.opt.seed,
        kvm: this.opt.kvm,
        costs: this.opt.costs,
        reschedIpiNs: this.opt.reschedIpiNs,
        wakeIdle: this.opt.wakeIdle,
        loadBalance: this.opt.loadBalance,
        runToParity: this.opt.runToParity,
        timerWakeNs: this.timerWakeNs,
        wakeSwitchNs: this.wakeSwitchNs,
        hostLagResetOnClassChange: this.hs.fair === 'eevdf' && this.hs.lagResetOnClassChange,
        platformDelays: this.opt.platformDelays,
        // Sizes of the sampled distributions (0 = the constant is used).
        platformSamples: {
          host: sampleSizes(this.hostSamples),
          guests: this.guests.map((g) => sampleSizes(g.samples)),
        },
        emulatorRuns: this.opt.emulatorRuns ? this.guests.map((g) => (g.d.emulatorRuns ?? []).reduce((n, r) => n + r.atNs.length, 0)) : false,
        assumptions:
          'flat cgroup hierarchy; no CFS buddies; EEVDF without PREEMPT_SHORT, delayed dequeue approximated; no fair server; ' +
          'load balancing reduced to moving one waiting fair task per tick from a CPU with >= 2 more runnable tasks; TCG: the BQL is not a lock',
      },
      warnings: this.warnings,
    };
  }

  private dispatch(kind: number, a: number, token: number): void {
    switch (kind) {
      case Ev.TICK:
        return this.onTick();
      case Ev.RT_PERIOD:
        for (const c of this.cpus) {
          c.rq.rtPeriod();
          if (c.rq.needResched) this.requestResched(c);
        }
        this.q.push(this.now + this.hs.rtPeriodNs, Ev.RT_PERIOD, 0, 0);
        return;
      case Ev.TASK_STEP: {
        const t = this.all[a]!;
        if (t.token !== token || t.state !== RunState.RUNNING) return;
        t.remainingNs = 0;
        this.hostAdvance(t);
        return;
      }
      case Ev.TIMER: {
        const t = this.all[a]!;
        if (t.timerToken !== token || t.state !== RunState.SLEEPING) return;
        this.wakeHost(t, t.cpu);
        return;
      }
      case Ev.RESCHED: {
        const c = this.cpus[a]!;
        c.reschedQueued = false;
        const r = c.running;
        const v = r?.vcpu as Vcpu | null;
        if (v && v.inGuest) return this.exitAndContinue(v, 'resched');
        if (v && v.polling) return this.stopPolling(v);
        if (c.rq.needResched || c.running === null) this.schedule(c, this.now);
        return;
      }
      case Ev.VCPU_STEP:
        return this.onVcpuStep(this.vcpus[a]!, token);
      case Ev.GTIMER: {
        const t = this.all[a]!;
        if (t.timerToken !== token || t.state !== RunState.SLEEPING) return;
        const g = this.guests[t.machine]!;
        const v = g.vcpus[t.cpu]!;
        v.expired.push(t);
        this.deliverToVcpu(v, 'timer');
        return;
      }
      case Ev.GTICK: {
        const v = this.vcpus[a]!;
        if (v.gtickToken !== token) return;
        v.gtickAtNs = -1;
        v.tickPending = true;
        this.deliverToVcpu(v, 'tick');
        return;
      }
      case Ev.FORCE_EXIT: {
        const v = this.vcpus[a]!;
        if (!v.inGuest) return;
        v.kworkNs += this.opt.costs.msrExitNs;
        return this.exitAndContinue(v, 'msr');
      }
      case Ev.EMU_RUN: {
        // Emulator work of a vCPU thread whose guest CPU idles (captured run, unknown cause).
        const v = this.vcpus[a]!;
        const g = this.guests[v.gi]!;
        const er = g.d.emulatorRuns![v.index]!;
        if (token + 1 < er.atNs.length) this.q.push(er.atNs[token + 1]!, Ev.EMU_RUN, v.id, token + 1);
        if (!v.halted || v.thread.state !== RunState.SLEEPING) return;
        // The captured run includes the exit and the guest idle loop the engine charges anyway.
        const poll = Number.isFinite(g.d.idlePollNs) ? g.d.idlePollNs : 0;
        v.kworkNs += Math.max(0, er.runNs[token]! - this.opt.costs.exitNs - poll);
        this.wakeHost(v.thread, v.thread.cpu, null);
        return;
      }
      case Ev.TCG_KICK: {
        // ppoll() returned: wake the main loop; it runs the expired QEMU timers (sched-model.md §7).
        const k = this.all[a]!;
        k.kickWakePending = false;
        if (k.state !== RunState.SLEEPING) return; // running or runnable: it sees the kicks at its next step
        k.inKick = true;
        k.remainingNs = this.tcgKickNs(k);
        this.wakeHost(k, Math.max(0, k.cpu), null);
        return;
      }
    }
  }

  // ---- host tasks -----------------------------------------------------------------------

  private pickStartCpu(t: SimTask): number {
    for (let c = 0; c < this.cpus.length; c++) if (t.allowedOn(c)) return c;
    return 0;
  }

  private startTaskOps(t: SimTask, now: number): void {
    // Initial op fetch: run-ops make the task runnable, sleeps arm their wake.
    const op = this.fetchHostOps(t, now);
    t.started = true;
    if (op === Op.RUN) {
      t.state = RunState.RUNNABLE;
      this.cpus[t.cpu]!.rq.enqueue(t, now, 'start');
    } else {
      t.state = op === Op.END ? RunState.DONE : RunState.SLEEPING;
      // It has slept since before the replay: a long sleeper (CFS places it at min_vruntime - thresh).
      if (this.hs.fair === 'cfs') t.vruntime = -Infinity;
    }
  }

  /** Execute ops until one needs CPU (RUN) or blocks. Returns that op. */
  private fetchHostOps(t: SimTask, now: number): number {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const op = t.nextOp(now, this.rng);
      const arg = t.opArg;
      switch (op) {
        case Op.RUN:
          if (arg <= 0) continue;
          t.remainingNs = arg;
          return op;
        case Op.SLEEP_TIMER: {
          const hard = arg + t.slackNs;
          t.softExpiryNs = arg;
          this.hostOut.hrtimer_start(now, Math.max(0, t.cpu), t.tid, t.timerId, arg, hard);
          const wakeAt = Math.max(hard, now) + (this.opt.timerWakeNs ?? this.delays.draw(this.hostSamples?.timerWakeNs, this.timerWakeNs));
          this.q.push(wakeAt, Ev.TIMER, t.id, ++t.timerToken);
          t.lastSleepUntilNs = wakeAt;
          return op;
        }
        case Op.SLEEP_UNTIL:
          this.q.push(Math.max(arg, now), Ev.TIMER, t.id, ++t.timerToken);
          t.lastSleepUntilNs = Math.max(arg, now);
          return op;
        case Op.SLEEP_WAIT:
          if (t.pendingWakes > 0) {
            t.pendingWakes--;
            continue;
          }
          ++t.timerToken;
          if (arg >= 0) this.q.push(Math.max(arg, now), Ev.TIMER, t.id, t.timerToken);
          t.lastSleepUntilNs = arg >= 0 ? Math.max(arg, now) : -1;
          return op;
        case Op.WAKE: {
          const target = this.hostTasks[arg];
          if (target) this.wakeHost(target, Math.max(0, t.cpu), t);
          continue;
        }
        case Op.PREEMPT_DISABLE:
          continue;
        default:
          return Op.END;
      }
    }
    throw new Error(`replay: task ${t.name} (${t.tid}) loops without consuming CPU or sleeping`);
  }

  /** The TCG main loop finished its timer work: kick every vCPU that waits for it. */
  private tcgKicks(t: SimTask): void {
    const kicks = t.kicks as Vcpu[];
    for (let i = 0; i < kicks.length; i++) {
      const v = kicks[i]!;
      v.tcgKickPending = false;
      // TCG has no KVM boost sites; the kick is where a host-side policy would act.
      if (!v.inGuest) this.policy.onInject?.(this.ctx, v, 'timer', false);
      if (v.thread.state === RunState.SLEEPING) this.wakeHost(v.thread, t.cpu, t);
      else if (v.inGuest) this.exitAndContinue(v, 'timer');
    }
    kicks.length = 0;
  }

  private hostAdvance(t: SimTask): void {
    const now = this.now;
    if (t.kicks) {
      if (t.inKick) {
        t.inKick = false;
        this.tcgKicks(t);
        if (!t.beh) {
          // A main loop of our own: it only does timer work.
          t.state = RunState.SLEEPING;
          const c = this.cpus[t.cpu]!;
          c.rq.dequeue(t, now, true);
          this.schedule(c, now);
          return;
        }
        if (t.progSleeping) {
          // Back to the wait its own program was in, unless that wait ended meanwhile.
          if (t.pendingWakes > 0) t.pendingWakes--;
          else if (!(t.sleepUntilNs >= 0 && t.sleepUntilNs <= now)) {
            if (t.sleepUntilNs >= 0) this.q.push(t.sleepUntilNs, Ev.TIMER, t.id, ++t.timerToken);
            t.state = RunState.SLEEPING;
            const c = this.cpus[t.cpu]!;
            c.rq.dequeue(t, now, true);
            this.schedule(c, now);
            return;
          }
          t.progSleeping = false;
        }
      } else if (t.kicks.length) {
        // Timer work first, then its own next op.
        t.inKick = true;
        t.remainingNs = this.tcgKickNs(t);
        this.q.push(now + t.remainingNs, Ev.TASK_STEP, t.id, ++t.token);
        t.segStartNs = now;
        return;
      }
      t.progSleeping = false;
    }
    const op = this.fetchHostOps(t, now);
    if (op === Op.RUN) {
      if (Number.isFinite(t.remainingNs)) this.q.push(now + t.remainingNs, Ev.TASK_STEP, t.id, ++t.token);
      t.segStartNs = now;
      return;
    }
    if (t.kicks && op !== Op.END) {
      t.progSleeping = true;
      t.sleepUntilNs = t.lastSleepUntilNs;
    }
    t.state = op === Op.END ? RunState.DONE : RunState.SLEEPING;
    const c = this.cpus[t.cpu]!;
    c.rq.dequeue(t, now, true);
    this.schedule(c, now);
  }

  private startOnCpu(t: SimTask, now: number): void {
    const v = t.vcpu as Vcpu | null;
    if (v) return this.vcpuEnter(v);
    t.segStartNs = now;
    ++t.token;
    if (Number.isFinite(t.remainingNs)) this.q.push(now + t.remainingNs, Ev.TASK_STEP, t.id, t.token);
  }

  private stopOnCpu(t: SimTask, now: number): void {
    const v = t.vcpu as Vcpu | null;
    if (v) {
      if (v.inGuest) this.vcpuCharge(v);
      v.inGuest = false;
      v.token++;
      return;
    }
    if (t.state === RunState.RUNNABLE) t.remainingNs -= now - t.segStartNs;
    t.token++;
  }

  /** try_to_wake_up() of a host thread. `waker`: the thread doing it (null = interrupt). */
  private wakeHost(t: SimTask, fromCpu: number, waker: SimTask | null = null): void {
    if (t.state !== RunState.SLEEPING || !t.started) {
      // Not waiting (or not started yet: its first wait will consume this wakeup).
      if (t.state !== RunState.DONE) t.pendingWakes++;
      return;
    }
    const now = this.now;
    ++t.timerToken;
    const target = this.selectCpu(t);
    this.hostOut.sched_waking(now, Math.max(0, fromCpu), waker ? waker.tid : -1, t.tid, t.comm, t.kernelPrio, target);
    const c = this.cpus[target]!;
    if (t.cpu >= 0 && t.cpu !== target) c.rq.migrateIn(t, this.cpus[t.cpu]!.rq);
    t.state = RunState.RUNNABLE;
    const wasIdle = c.running === null;
    c.rq.enqueue(t, now, 'wakeup');
    if (c.rq.checkPreemptWakeup(t, now)) {
      c.rq.needResched = true;
      this.requestResched(c, wasIdle ? this.idleWakeNs() : this.delays.draw(this.hostSamples?.preemptWakeNs, this.opt.reschedIpiNs));
    }
    this.afterEnqueue(c);
  }

  /** Wakeup -> switch-in on an idle host CPU (idle exit): measured, or the trace's floor. */
  private idleWakeNs(): number {
    const floor = Math.max(this.wakeSwitchNs, this.opt.reschedIpiNs);
    return this.opt.wakeSwitchNs === null ? this.delays.draw(this.hostSamples?.idleWakeNs, floor) : floor;
  }

  /** TCG main-loop timer work before it kicks a vCPU. */
  private tcgKickNs(main: SimTask): number {
    const g = this.tcgGuestOfMain.get(main);
    return this.delays.draw(g?.samples?.tcgKickNs, this.opt.costs.tcgMainLoopNs);
  }

  /** Another task became runnable on c: a halt-polling vCPU there stops polling (single_task_running). */
  private afterEnqueue(c: HostCpu): void {
    const v = c.running?.vcpu as Vcpu | null;
    if (v && v.polling) {
      v.token++;
      this.q.push(this.now, Ev.VCPU_STEP, v.id, v.token);
    }
  }

  /** select_task_rq(): previous CPU, an idle one, or (RT) the CPU running the lowest priority. */
  private selectCpu(t: SimTask): number {
    const n = this.cpus.length;
    const prev = t.cpu >= 0 && t.allowedOn(t.cpu) ? t.cpu : this.pickStartCpu(t);
    if (t.isRt) {
      const cur = this.cpus[prev]!.running;
      if (!cur || !cur.isRt || cur.kernelPrio > t.kernelPrio) return prev;
      let best = prev;
      let bestPrio = cur.kernelPrio;
      for (let i = 1; i < n; i++) {
        const c = this.cpus[(prev + i) % n]!;
        if (!t.allowedOn(c.id)) continue;
        const p = c.running ? c.running.kernelPrio : 1000;
        if (p > bestPrio) {
          best = c.id;
          bestPrio = p;
        }
      }
      return best;
    }
    const pc = this.cpus[prev]!;
    if ((pc.running === null && pc.rq.nrRunning === 0) || !this.hs.wakeIdle) return prev;
    for (let i = 1; i < n; i++) {
      const c = this.cpus[(prev + i) % n]!;
      if (t.allowedOn(c.id) && c.running === null && c.rq.nrRunning === 0) return c.id;
    }
    return prev;
  }

  private requestResched(c: HostCpu, delayNs = this.opt.reschedIpiNs): void {
    if (c.reschedQueued) return;
    c.reschedQueued = true;
    this.q.push(this.now + delayNs, Ev.RESCHED, c.id, 0);
  }

  /** __schedule() on a host CPU. */
  private schedule(c: HostCpu, now: number): void {
    const rq = c.rq;
    const pv = c.running?.vcpu as Vcpu | null;
    // need_resched ends halt polling: the vCPU blocks instead of being preempted.
    if (pv && pv.polling) return this.stopPolling(pv);
    if (!rq.rt.length && !rq.rtThrottled) this.pullRt(c, now);
    let next = rq.pickNext(now) as SimTask | null;
    if (!next) {
      this.newidlePull(c, now);
      next = rq.pickNext(now) as SimTask | null;
    }
    const prev = c.running;
    if (prev === next) {
      const v = next?.vcpu as Vcpu | null;
      if (v && !v.inGuest && !v.halted && !v.polling) this.vcpuEnter(v);
      return;
    }
    if (prev) {
      if (prev.state === RunState.RUNNING) prev.state = RunState.RUNNABLE;
      this.stopOnCpu(prev, now);
    }
    this.hostOut.sched_switch(
      now,
      c.id,
      prev ? prev.tid : -1,
      prev ? prev.comm : -1,
      prev ? prev.kernelPrio : 120,
      prev && prev.state === RunState.RUNNABLE ? S_RUN : S_SLEEP,
      next ? next.tid : -1,
      next ? next.comm : -1,
      next ? next.kernelPrio : 120,
    );
    c.running = next;
    if (next) {
      next.state = RunState.RUNNING;
      next.cpu = c.id;
      this.startOnCpu(next, now);
    }
  }

  /** RT pull (pull_rt_task): take the highest queued-but-waiting RT task another CPU cannot run. */
  private pullRt(c: HostCpu, now: number): void {
    let best: SimTask | null = null;
    let src: HostCpu | null = null;
    for (const o of this.cpus) {
      if (o === c) continue;
      for (const e of o.rq.rt) {
        const t = e as SimTask;
        if (t === o.running || !t.allowedOn(c.id)) continue;
        if (!best || t.kernelPrio < best.kernelPrio) {
          best = t;
          src = o;
        }
        break; // only the head of each waiting list matters
      }
    }
    if (!best || !src) return;
    src.rq.dequeue(best, now);
    c.rq.enqueue(best, now, 'restore');
  }

  /** New-idle balance: an idle CPU pulls a waiting fair task from the busiest allowed CPU. */
  private newidlePull(c: HostCpu, now: number): void {
    let src: HostCpu | null = null;
    for (const o of this.cpus) if (o !== c && o.rq.fair.length >= 2 && (!src || o.rq.nrRunning > src.rq.nrRunning)) src = o;
    if (!src) return;
    for (const e of src.rq.fair) {
      const t = e as SimTask;
      if (t === src.running || !t.allowedOn(c.id)) continue;
      src.rq.dequeue(t, now);
      c.rq.migrateIn(t, src.rq);
      c.rq.enqueue(t, now, 'restore');
      return;
    }
  }

  /**
   * Periodic load balancing, reduced to its effect: at each tick, a CPU with at least two more
   * runnable fair tasks than another hands one waiting task (allowed there) to it.
   */
  private balance(now: number): void {
    const n = this.cpus.length;
    if (n < 2 || !this.opt.loadBalance) return;
    for (let i = 0; i < n; i++) {
      const src = this.cpus[(this.balanceRot + i) % n]!;
      if (src.rq.fair.length < 2) continue;
      let dst: HostCpu | null = null;
      for (const c of this.cpus) if (c !== src && (!dst || c.rq.nrRunning < dst.rq.nrRunning)) dst = c;
      if (!dst || src.rq.nrRunning - dst.rq.nrRunning < 2) continue;
      for (const e of src.rq.fair) {
        const t = e as SimTask;
        if (t === src.running || !t.allowedOn(dst.id)) continue;
        src.rq.dequeue(t, now);
        dst.rq.migrateIn(t, src.rq);
        dst.rq.enqueue(t, now, 'restore');
        if (dst.rq.checkPreemptWakeup(t, now)) {
          dst.rq.needResched = true;
          this.requestResched(dst);
        }
        this.afterEnqueue(dst);
        break;
      }
    }
    this.balanceRot = (this.balanceRot + 1) % n;
  }

  private onTick(): void {
    const now = this.now;
    this.balance(now);
    for (const c of this.cpus) {
      const r = c.running;
      if (!r) continue; // NO_HZ idle
      c.rq.tick(now);
      const v = r.vcpu as Vcpu | null;
      if (v && v.inGuest) this.exitAndContinue(v, 'tick');
      else if (c.rq.needResched) this.schedule(c, now);
    }
    this.q.push(now + this.hs.tickNs, Ev.TICK, 0, 0);
  }

  // ---- policy actions ---------------------------------------------------------------------

  private setVcpuSched(v: Vcpu, s: GuestTaskInfo, reason: string): void {
    const t = v.thread;
    const now = this.now;
    const wasBoosted = t.isRt && !(v.baseline.policy === 'fifo' || v.baseline.policy === 'rr');
    const pol = policyId(s.policy);
    if (t.policy === pol && t.rtPrio === (pol === Policy.FIFO || pol === Policy.RR ? s.rtPrio : 0) && t.nice === s.nice) return;
    const c = this.cpus[t.cpu >= 0 ? t.cpu : 0]!;
    const before = c.rq.needResched;
    c.rq.needResched = false;
    c.rq.changeSched(t, pol, s.rtPrio, s.nice, now);
    const want = c.rq.needResched;
    c.rq.needResched = before || want;
    const boosted = t.isRt && !(v.baseline.policy === 'fifo' || v.baseline.policy === 'rr');
    if (!wasBoosted && boosted) {
      this.boost.boosts++;
      this.boost.byReason[reason] = (this.boost.byReason[reason] ?? 0) + 1;
      v.boostStartNs = now;
    } else if (wasBoosted && !boosted && v.boostStartNs >= 0) {
      this.boost.boostedNs += now - v.boostStartNs;
      v.boostStartNs = -1;
    }
    // A running vCPU outside guest mode is in an exit path that reschedules itself.
    if (want && t.state !== RunState.SLEEPING && !(c.running === t && !v.inGuest)) this.requestResched(c);
  }

  private publishStatus(v: Vcpu): void {
    const b = v.baseline.policy === 'fifo' || v.baseline.policy === 'rr';
    v.shared.boostStatus = v.thread.isRt && !b ? 2 : 1;
  }

  // ---- vCPU run loop ----------------------------------------------------------------------

  /** Charge guest-mode time since the segment started to whatever was executing. */
  private vcpuCharge(v: Vcpu): void {
    const d = this.now - v.segStartNs;
    v.segStartNs = this.now;
    if (d <= 0) return;
    if (v.seg === Seg.HOSTPOLL) return; // host time, not guest time
    v.gclock += d;
    switch (v.seg) {
      case Seg.KWORK:
        v.kworkNs = Math.max(0, v.kworkNs - d);
        break;
      case Seg.TASK: {
        const t = v.gcurr;
        if (t) t.remainingNs -= d;
        break;
      }
      case Seg.IDLEPOLL:
        v.idlePollLeftNs -= d;
        break;
    }
  }

  /** The vCPU thread (re)enters guest mode on its pCPU. */
  private vcpuEnter(v: Vcpu): void {
    const now = this.now;
    if (v.halted) {
      v.halted = false;
      this.haltDone(v, now);
    }
    v.inGuest = true;
    v.segStartNs = now;
    v.seg = Seg.NONE;
    this.policy.onVmEntry?.(this.ctx, v);
    this.publishStatus(v);
    this.vcpuPlan(v);
  }

  /** Decide what guest mode executes next and schedule the end of that segment. */
  private vcpuPlan(v: Vcpu): void {
    const now = this.now;
    const g = this.guests[v.gi]!;
    const c = this.opt.costs;
    for (let guard = 0; guard < 10_000; guard++) {
      if (v.kworkNs > 0) {
        this.startSeg(v, Seg.KWORK, now + v.kworkNs);
        return;
      }
      if (v.kcont !== Cont.NONE) {
        const k = v.kcont;
        v.kcont = Cont.NONE;
        if (k === Cont.IRQ_DONE) this.guestIrqDone(v);
        else if (k === Cont.RESCHED) {
          if (v.rq.needResched || (!v.gcurr && v.rq.nrRunning > 0)) this.guestSchedule(v);
        } else this.guestSwitchDone(v);
        continue;
      }
      if (v.timerPending || v.irqPending || v.tickPending) {
        // Injection at entry; the guest takes the interrupt (irqentry_enter: lazy BOOST request).
        v.timerPending = false;
        v.irqPending = false;
        v.shared.inIrq = 1;
        if (this.policy.paravirt) this.policy.onGuestIrqEnter?.(this.ctx, v, 'irq');
        v.kworkNs = this.delays.draw(g.samples?.tcgIrqEntryNs, g.irqNs);
        v.kcont = Cont.IRQ_DONE;
        continue;
      }
      const t = v.gcurr;
      if (t) {
        if (t.remainingNs <= 0) {
          this.guestAdvance(t, v);
          continue;
        }
        this.armGuestTick(v, g);
        this.startSeg(v, Seg.TASK, now + t.remainingNs);
        return;
      }
      if (v.rq.nrRunning > 0) {
        this.guestSchedule(v);
        continue;
      }
      if (v.idlePollLeftNs > 0) {
        if (Number.isFinite(v.idlePollLeftNs)) this.startSeg(v, Seg.IDLEPOLL, now + v.idlePollLeftNs);
        else {
          v.seg = Seg.IDLEPOLL;
          v.segStartNs = now;
        }
        return;
      }
      this.guestHalt(v);
      return;
    }
    throw new Error(`replay: vCPU ${v.guest}/${v.index} makes no progress at ${now} ns`);
  }

  private startSeg(v: Vcpu, seg: number, endNs: number): void {
    v.seg = seg;
    v.segStartNs = this.now;
    // Re-planning after an exit often lands on the same end: keep the queued event.
    if (v.stepToken === v.token && v.stepAtNs === endNs) return;
    v.token++;
    v.stepToken = v.token;
    v.stepAtNs = endNs;
    this.q.push(endNs, Ev.VCPU_STEP, v.id, v.token);
  }

  private onVcpuStep(v: Vcpu, token: number): void {
    if (v.token !== token) return;
    if (v.polling) return this.stopPolling(v); // poll window over, or another task became runnable
    if (!v.inGuest) return;
    this.vcpuCharge(v);
    this.vcpuPlan(v);
  }

  /** A VM exit of any kind: run the policy before the host scheduler decides, then continue. */
  private exitAndContinue(v: Vcpu, reason: ExitReason): void {
    this.vcpuCharge(v);
    v.inGuest = false;
    v.token++;
    if (reason !== 'msr') v.kworkNs += this.opt.costs.exitNs;
    this.policy.onVmExit?.(this.ctx, v, reason);
    const c = this.cpus[v.thread.cpu]!;
    if (c.running !== v.thread) return;
    if (c.rq.needResched) this.schedule(c, this.now);
    if (c.running === v.thread && !v.inGuest) this.vcpuEnter(v);
  }

  /** An event for the vCPU (guest timer, guest tick, IPI). */
  private deliverToVcpu(v: Vcpu, kind: 'timer' | 'tick' | 'ipi'): void {
    if (kind === 'timer') v.timerPending = true;
    else if (kind === 'ipi') v.irqPending = true;
    const g = this.guests[v.gi]!;
    if (g.d.accel === 'tcg') {
      // Timers and kicks go through the QEMU main loop (ppoll slack + handoff), not KVM.
      if (v.inGuest && kind !== 'timer' && kind !== 'tick') return this.exitAndContinue(v, 'irq');
      if (!v.tcgKickPending) {
        v.tcgKickPending = true;
        const main = this.tcgMain[v.gi]!;
        main.kicks!.push(v);
        if (main.state === RunState.SLEEPING && !main.kickWakePending) {
          main.kickWakePending = true;
          // Measured: guest expiry -> the main loop's timer interrupt (QEMU's deadline + delivery);
          // else the ppoll slack model.
          const lag = g.samples?.tcgTimerLagNs;
          this.q.push(this.now + (lag ? this.delays.draw(lag, 0) : main.isRt ? 0 : this.opt.costs.tcgSlackNs), Ev.TCG_KICK, main.id, 0);
        }
      }
      return;
    }
    const ik: InjectKind = kind === 'ipi' ? 'ipi' : 'timer';
    if (v.inGuest && kind === 'ipi' && this.opt.postedInterrupts) {
      // Posted interrupt: the guest takes it without a VM exit.
      this.vcpuCharge(v);
      this.vcpuPlan(v);
      return;
    }
    if (v.inGuest) return this.exitAndContinue(v, kind === 'ipi' ? 'irq' : 'timer');
    // Not in guest mode: the host hrtimer / kick path (apic_timer_expired -> kvm_vcpu_kick).
    this.policy.onInject?.(this.ctx, v, ik, kind === 'ipi' && this.opt.postedInterrupts);
    if (v.polling) {
      v.polling = false;
      v.token++;
      this.vcpuEnter(v);
    } else if (v.halted && v.thread.state === RunState.SLEEPING) {
      this.wakeHost(v.thread, v.thread.cpu, null);
    }
  }

  /** Guest HLT (idle, no poll left): exit, host halt-poll if allowed, else block. */
  private guestHalt(v: Vcpu): void {
    const now = this.now;
    v.inGuest = false;
    v.token++;
    v.seg = Seg.NONE;
    this.policy.onVmExit?.(this.ctx, v, 'hlt');
    v.haltStartNs = now;
    v.kworkNs += this.opt.costs.exitNs;
    const c = this.cpus[v.thread.cpu]!;
    const g = this.guests[v.gi]!;
    const max = this.opt.kvm.haltPollNs;
    if (g.d.accel === 'kvm' && max > 0 && v.haltPollNs > 0 && c.rq.nrRunning === 1 && !c.rq.needResched) {
      v.polling = true;
      v.seg = Seg.HOSTPOLL;
      v.segStartNs = now;
      this.q.push(now + Math.min(v.haltPollNs, max), Ev.VCPU_STEP, v.id, v.token);
      return;
    }
    this.block(v);
  }

  private stopPolling(v: Vcpu): void {
    v.polling = false;
    v.token++;
    this.block(v);
  }

  private block(v: Vcpu): void {
    const now = this.now;
    if (v.timerPending || v.irqPending || v.tickPending) {
      // kvm_vcpu_check_block(): an event arrived meanwhile.
      this.haltDone(v, now);
      this.vcpuEnter(v);
      return;
    }
    this.policy.onHalt?.(this.ctx, v);
    v.halted = true;
    const t = v.thread;
    t.state = RunState.SLEEPING;
    const c = this.cpus[t.cpu]!;
    c.rq.dequeue(t, now, true);
    c.rq.needResched = true;
    this.schedule(c, now);
  }

  /** Halt ended: adapt the per-vCPU poll window (grow_halt_poll_ns / shrink_halt_poll_ns). */
  private haltDone(v: Vcpu, now: number): void {
    const k = this.opt.kvm;
    const max = k.haltPollNs;
    const haltNs = now - v.haltStartNs;
    v.idlePollLeftNs = this.guests[v.gi]!.d.idlePollNs;
    if (this.guests[v.gi]!.d.accel !== 'kvm') return;
    if (max === 0) v.haltPollNs = 0;
    else if (haltNs <= v.haltPollNs) return;
    else if (v.haltPollNs > 0 && haltNs > max) {
      const x = k.haltPollShrink === 0 ? 0 : Math.floor(v.haltPollNs / k.haltPollShrink);
      v.haltPollNs = x < k.haltPollGrowStart ? 0 : x;
    } else if (v.haltPollNs < max && haltNs < max && k.haltPollGrow > 0) {
      let x = v.haltPollNs * k.haltPollGrow;
      if (x < k.haltPollGrowStart) x = k.haltPollGrowStart;
      v.haltPollNs = Math.min(x, max);
    }
  }

  // ---- guest kernel -----------------------------------------------------------------------

  private guestStartOps(t: SimTask, v: Vcpu, now: number): void {
    const op = this.fetchGuestOps(t, v, now);
    t.started = true;
    if (op === Op.RUN) {
      t.state = RunState.RUNNABLE;
      v.rq.enqueue(t, v.gclock, 'start');
    } else {
      t.state = op === Op.END ? RunState.DONE : RunState.SLEEPING;
      if (v.rq.p.fair === 'cfs') t.vruntime = -Infinity;
    }
  }

  private fetchGuestOps(t: SimTask, v: Vcpu, now: number): number {
    const g = this.guests[v.gi]!;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const op = t.nextOp(now, this.rng);
      const arg = t.opArg;
      switch (op) {
        case Op.RUN:
          if (arg <= 0) continue;
          t.remainingNs = arg;
          return op;
        case Op.SLEEP_TIMER: {
          const hard = arg + t.slackNs;
          t.softExpiryNs = arg;
          g.out.hrtimer_start(now, v.index, t.tid, t.timerId, arg, hard);
          this.q.push(Math.max(hard, now), Ev.GTIMER, t.id, ++t.timerToken);
          return op;
        }
        case Op.SLEEP_UNTIL:
          this.q.push(Math.max(arg, now), Ev.GTIMER, t.id, ++t.timerToken);
          return op;
        case Op.SLEEP_WAIT:
          if (t.pendingWakes > 0) {
            t.pendingWakes--;
            continue;
          }
          ++t.timerToken;
          if (arg >= 0) this.q.push(Math.max(arg, now), Ev.GTIMER, t.id, t.timerToken);
          return op;
        case Op.WAKE: {
          const target = g.tasks[arg];
          if (target) this.guestWake(target, v);
          continue;
        }
        case Op.PREEMPT_DISABLE:
          v.shared.preemptDisabled = arg ? 1 : 0;
          if (this.policy.paravirt) this.policy.onGuestPreemptDisabled?.(this.ctx, v, !!arg);
          continue;
        default:
          return Op.END;
      }
    }
    throw new Error(`replay: guest task ${t.name} (${t.tid}) loops without consuming CPU or sleeping`);
  }

  /** The guest task finished its RUN op: fetch the next ones; block and reschedule if it sleeps. */
  private guestAdvance(t: SimTask, v: Vcpu): void {
    const op = this.fetchGuestOps(t, v, this.now);
    if (op === Op.RUN) return;
    t.state = op === Op.END ? RunState.DONE : RunState.SLEEPING;
    v.rq.dequeue(t, v.gclock, true);
    this.guestSchedule(v);
  }

  /** Wake a guest task: on this vCPU directly, on another vCPU through an IPI. */
  private guestWake(t: SimTask, from: Vcpu): void {
    if (t.state !== RunState.SLEEPING || !t.started) {
      if (t.state !== RunState.DONE) t.pendingWakes++;
      return;
    }
    const g = this.guests[from.gi]!;
    const v = g.vcpus[t.cpu]!;
    ++t.timerToken;
    g.out.sched_waking(this.now, from.index, from.gRunning ? from.gRunning.tid : -1, t.tid, t.comm, t.kernelPrio, v.index);
    t.state = RunState.RUNNABLE;
    if (v !== from && v.inGuest) this.vcpuCharge(v);
    v.rq.enqueue(t, v.gclock, 'wakeup');
    if (t.isRt && this.policy.paravirt && v === from) this.policy.onGuestEnqueueRt?.(this.ctx, v);
    if (v.rq.checkPreemptWakeup(t, v.gclock)) v.rq.needResched = true;
    if (v !== from) this.deliverToVcpu(v, 'ipi');
  }

  private guestIrqDone(v: Vcpu): void {
    const g = this.guests[v.gi]!;
    // hrtimer_interrupt(): every expired guest timer fires in this one interrupt (the burst of §8.3).
    const exp = v.expired;
    for (let i = 0; i < exp.length; i++) {
      const t = exp[i]!;
      if (t.state === RunState.SLEEPING) this.guestWake(t, v);
    }
    exp.length = 0;
    if (v.tickPending) {
      v.tickPending = false;
      v.rq.tick(v.gclock);
    }
    v.shared.inIrq = 0;
    const curr = v.gcurr;
    const needResched = v.rq.needResched || (!curr && v.rq.nrRunning > 0);
    if (this.policy.paravirt && this.policy.onGuestIrqExit) {
      const info = v.irqExitInfo;
      info.needResched = needResched;
      info.currRt = !!curr && curr.isRt;
      this.policy.onGuestIrqExit(this.ctx, v, info);
    }
    // Waking an idle guest CPU's next task: the measured idle exit (net of steal) when sampled.
    const reschedNs = !curr && g.samples?.idleWakeNs && g.reschedNs > 0 ? this.delays.draw(g.samples.idleWakeNs, g.reschedNs) : g.reschedNs;
    if (needResched && reschedNs > 0) {
      v.kworkNs += reschedNs;
      v.kcont = Cont.RESCHED;
    } else if (needResched) this.guestSchedule(v);
    else if (curr && this.policy.paravirt) this.policy.onGuestReturnToUser?.(this.ctx, v, curr.isRt);
  }

  private guestSwitchDone(v: Vcpu): void {
    const t = v.gcurr;
    if (t && this.policy.paravirt) this.policy.onGuestReturnToUser?.(this.ctx, v, t.isRt);
  }

  /** Guest __schedule(). */
  private guestSchedule(v: Vcpu): void {
    const g = this.guests[v.gi]!;
    const prev = v.gRunning;
    const next = v.rq.pickNext(v.gclock) as SimTask | null;
    if (next === prev) return;
    if (prev && prev.state === RunState.RUNNING) prev.state = RunState.RUNNABLE;
    g.out.sched_switch(
      this.now,
      v.index,
      prev ? prev.tid : -1,
      prev ? prev.comm : -1,
      prev ? prev.kernelPrio : 120,
      prev && prev.state === RunState.RUNNABLE ? S_RUN : S_SLEEP,
      next ? next.tid : -1,
      next ? next.comm : -1,
      next ? next.kernelPrio : 120,
    );
    v.gRunning = next;
    if (next) next.state = RunState.RUNNING;
    else v.idlePollLeftNs = g.d.idlePollNs;
    v.shared.task = next ? next.info(policyNameOf(next)) : null;
    if (this.policy.paravirt) this.policy.onGuestSwitch?.(this.ctx, v, v.shared.task);
    v.kworkNs += g.switchNs;
    v.kcont = Cont.SWITCH_DONE;
  }

  /** Guest tick while more than one guest task competes (NO_HZ: none when idle or alone). */
  private armGuestTick(v: Vcpu, g: GuestRt): void {
    if (v.gtickAtNs >= 0 || v.rq.nrRunning < 2) return;
    const tick = g.sched.tickNs;
    v.gtickAtNs = (Math.floor(this.now / tick) + 1) * tick;
    this.q.push(v.gtickAtNs, Ev.GTICK, v.id, ++v.gtickToken);
  }
}

function policyNameOf(t: SimTask): GuestTaskInfo['policy'] {
  return t.policy === Policy.FIFO ? 'fifo' : t.policy === Policy.RR ? 'rr' : t.policy === Policy.BATCH ? 'batch' : t.policy === Policy.IDLE ? 'idle' : 'normal';
}

export type { VcpuView };

function sampleSizes(s: PlatformSamples | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (s) for (const [k, v] of Object.entries(s)) if (v) out[k] = (v as Float64Array).length;
  return out;
}
