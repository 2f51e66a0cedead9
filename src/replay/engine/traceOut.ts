// Writes the replayed schedule as ordinary trace tables (one MachineBuilder per machine), so
// latency measurement, timelines and writers work on a replay as on a capture.
import { Flags, MachineBuilder, type TraceTables } from '../../tables/index.js';
import { HrtimerKind, WakeupKind } from '../../tables/schema.js';

export class TraceOut {
  readonly b: MachineBuilder;
  private readonly idleComm: number[] = [];
  private readonly fnWakeup: number;
  private readonly modeAbs: number;
  private readonly wakeEvent: number;

  constructor(source: string, machine: string, cpus: number, kernel: string | null) {
    this.b = new MachineBuilder(source, 'replay');
    this.b.meta.machine = machine;
    this.b.meta.cpuCount = cpus;
    this.b.meta.kernelVersion = kernel;
    this.b.meta.clock = 'replay';
    this.b.meta.formatDetail = 'vcpu-replay simulation';
    for (let c = 0; c < cpus; c++) this.idleComm.push(this.b.str(`swapper/${c}`));
    this.fnWakeup = this.b.str('hrtimer_wakeup');
    this.modeAbs = this.b.str('ABS');
    this.wakeEvent = this.b.str('sched_waking');
  }

  comm(name: string): number {
    return this.b.str(name);
  }

  /** pid -1 = idle (swapper/cpu). prevState: canonical mask (0 = R, 1 = S). */
  sched_switch(tsNs: number, cpu: number, prevPid: number, prevComm: number, prevPrio: number, prevState: number, nextPid: number, nextComm: number, nextPrio: number): void {
    const t = this.b.sched_switch;
    const pp = prevPid < 0 ? 0 : prevPid;
    const np = nextPid < 0 ? 0 : nextPid;
    const pc = prevPid < 0 ? this.idleComm[cpu]! : prevComm;
    const nc = nextPid < 0 ? this.idleComm[cpu]! : nextComm;
    const i = this.b.eventRow(t, tsNs, cpu, pp, Flags.UNKNOWN);
    t.c.prevComm[i] = pc;
    t.c.prevPid[i] = pp;
    t.c.prevPrio[i] = prevPid < 0 ? 120 : prevPrio;
    t.c.prevState[i] = prevPid < 0 ? 0 : prevState;
    t.c.nextComm[i] = nc;
    t.c.nextPid[i] = np;
    t.c.nextPrio[i] = nextPid < 0 ? 120 : nextPrio;
    if (prevPid >= 0) this.b.thread(prevPid, prevComm, tsNs);
    if (nextPid >= 0) this.b.thread(nextPid, nextComm, tsNs);
  }

  sched_waking(tsNs: number, cpu: number, curPid: number, pid: number, comm: number, prio: number, targetCpu: number): void {
    const t = this.b.sched_wakeup;
    const i = this.b.eventRow(t, tsNs, cpu, curPid < 0 ? 0 : curPid, Flags.UNKNOWN);
    t.c.kind[i] = WakeupKind.WAKING;
    t.c.comm[i] = comm;
    t.c.tid[i] = pid;
    t.c.prio[i] = prio;
    t.c.targetCpu[i] = targetCpu;
    t.c.success[i] = -1;
    this.b.thread(pid, comm, tsNs);
    void this.wakeEvent;
  }

  hrtimer_start(tsNs: number, cpu: number, pid: number, timerId: number, softNs: number, hardNs: number): void {
    const t = this.b.hrtimer;
    const i = this.b.eventRow(t, tsNs, cpu, pid, Flags.UNKNOWN);
    t.c.kind[i] = HrtimerKind.START;
    t.c.hrtimer[i] = timerId;
    t.c.function[i] = this.fnWakeup;
    t.c.expiresNs[i] = hardNs;
    t.c.softexpiresNs[i] = softNs;
    t.c.nowNs[i] = -1;
    t.c.mode[i] = this.modeAbs;
  }

  finish(): TraceTables {
    return this.b.finish();
  }
}
