import { MachineBuilder, TaskState, WakeupKind, HrtimerKind, KvmKind, MarkerKind, type TraceTables } from '../../src/tables/index.js';

// Small host/guest pairs built row by row with MachineBuilder, for alignment, timeline and
// latency tests whose right answers are known by construction.

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rows {
  constructor(readonly b: MachineBuilder) {}
  private common(tab: { row(): number; c: { tsNs: Float64Array; seq: Uint32Array; cpu: Int32Array; pid: Int32Array; flags: Uint16Array } }, ts: number, cpu: number, pid: number): number {
    const i = tab.row();
    tab.c.tsNs[i] = ts;
    tab.c.seq[i] = this.b.seq();
    tab.c.cpu[i] = cpu;
    tab.c.pid[i] = pid;
    tab.c.flags[i] = 0;
    return i;
  }
  switch(ts: number, cpu: number, prev: [string, number, number?], prevState: number, next: [string, number, number?]): void {
    const s = this.b.sched_switch;
    const i = this.common(s, ts, cpu, prev[1]);
    s.c.prevComm[i] = this.b.str(prev[0]);
    s.c.prevPid[i] = prev[1];
    s.c.prevPrio[i] = prev[2] ?? 120;
    s.c.prevState[i] = prevState;
    s.c.nextComm[i] = this.b.str(next[0]);
    s.c.nextPid[i] = next[1];
    s.c.nextPrio[i] = next[2] ?? 120;
    this.b.thread(prev[1], s.c.prevComm[i]!, ts);
    this.b.thread(next[1], s.c.nextComm[i]!, ts);
  }
  waking(ts: number, cpu: number, wakerPid: number, comm: string, tid: number, targetCpu: number, kind: number = WakeupKind.WAKING): void {
    const w = this.b.sched_wakeup;
    const i = this.common(w, ts, cpu, wakerPid);
    w.c.kind[i] = kind;
    w.c.comm[i] = this.b.str(comm);
    w.c.tid[i] = tid;
    w.c.prio[i] = 120;
    w.c.targetCpu[i] = targetCpu;
    w.c.success[i] = -1;
    this.b.thread(tid, w.c.comm[i]!, ts);
  }
  hrtimer(ts: number, cpu: number, pid: number, kind: number, timer: string, fn: string, softexpires: number, now = -1, mode = 'ABS'): void {
    const h = this.b.hrtimer;
    const i = this.common(h, ts, cpu, pid);
    h.c.kind[i] = kind;
    h.c.hrtimer[i] = this.b.str(timer);
    h.c.function[i] = this.b.str(fn);
    h.c.expiresNs[i] = kind === HrtimerKind.START ? softexpires : -1;
    h.c.softexpiresNs[i] = kind === HrtimerKind.START ? softexpires : -1;
    h.c.nowNs[i] = now;
    h.c.mode[i] = kind === HrtimerKind.START ? this.b.str(mode) : -1;
  }
  marker(ts: number, cpu: number, pid: number, text: string): void {
    const m = this.b.markers;
    const i = this.common(m, ts, cpu, pid);
    m.c.kind[i] = MarkerKind.TRACING_MARK_WRITE;
    m.c.ip[i] = -1;
    m.c.text[i] = text;
  }
  kvm(ts: number, cpu: number, pid: number, kind: number, vcpuId: number): void {
    const k = this.b.kvm;
    const i = this.common(k, ts, cpu, pid);
    k.c.kind[i] = kind;
    k.c.vcpuId[i] = vcpuId;
    k.c.reason[i] = -1;
    k.c.vector[i] = -1;
    k.c.target[i] = -1;
    k.c.value[i] = -1;
    k.c.value2[i] = -1;
    k.c.detail[i] = '';
  }
}

export interface PairOptions {
  seed: number;
  /** hostNs = guestNs * scale + offsetNs */
  offsetNs: number;
  scale?: number;
  durationNs?: number;
  vcpus?: number;
  /** vCPU thread names (default QEMU TCG) */
  vcpuName?: (cpu: number) => string;
  tgid?: number;
  kvmEntries?: boolean;
  /** write round-trip sync markers every this many ns (0 = none) */
  syncEveryNs?: number;
}

/**
 * A host running N vCPU threads that alternate between sleeping (guest halted) and running, with
 * irregular lengths, and a guest whose events happen only while its vCPU runs: wake-from-idle
 * events shortly after the host switch-in, and a switch to idle shortly before the host switch-out.
 */
export function syntheticPair(o: PairOptions): { host: TraceTables; guest: TraceTables; vcpuTids: number[] } {
  const r = rng(o.seed);
  const scale = o.scale ?? 1;
  const dur = o.durationNs ?? 2e9;
  const nv = o.vcpus ?? 2;
  const hb = new MachineBuilder('synthetic-host', 'generated');
  const gb = new MachineBuilder('synthetic-guest', 'generated');
  hb.meta.cpuCount = 2;
  gb.meta.cpuCount = nv;
  const H = new Rows(hb);
  const G = new Rows(gb);
  const tgid = o.tgid ?? 4000;
  const tids = Array.from({ length: nv }, (_, c) => tgid + 10 + c);
  const name = o.vcpuName ?? ((c: number) => `CPU ${c}/TCG`);
  const hostStart = 500e9;
  const toGuest = (h: number) => Math.round((h - o.offsetNs) / scale);
  type Ev = { ts: number; fn: () => void };
  const hostEv: Ev[] = [];
  const guestEv: Ev[] = [];
  for (let c = 0; c < nv; c++) {
    const tid = tids[c]!;
    const hcpu = c % 2;
    let t = hostStart + r() * 1e6;
    while (t < hostStart + dur) {
      const sleep = 50e3 + r() * (r() < 0.2 ? 5e6 : 600e3);
      const wakeAt = t + sleep;
      const runStart = wakeAt + 2e3 + r() * 20e3;
      const run = 10e3 + r() * (r() < 0.1 ? 3e6 : 150e3);
      const runEnd = runStart + run;
      const ts0 = Math.round(t), ts1 = Math.round(wakeAt), ts2 = Math.round(runStart), ts3 = Math.round(runEnd);
      hostEv.push({ ts: ts1, fn: () => H.waking(ts1, 1 - hcpu, 900, 'qemu-system-x86', tid, hcpu) });
      hostEv.push({ ts: ts2, fn: () => H.switch(ts2, hcpu, ['swapper/' + hcpu, 0], TaskState.RUNNING, [name(c), tid]) });
      if (o.kvmEntries) hostEv.push({ ts: ts2 + 500, fn: () => H.kvm(ts2 + 500, hcpu, tid, KvmKind.ENTRY, c) });
      hostEv.push({ ts: ts3, fn: () => H.switch(ts3, hcpu, [name(c), tid], TaskState.S, ['swapper/' + hcpu, 0]) });
      void ts0;
      // guest: wake-from-idle irq soon after the vCPU runs, some work, idle just before it stops
      const g1 = toGuest(ts2 + 3e3 + r() * 5e3);
      const g2 = toGuest(ts3 - 2e3 - r() * 4e3);
      if (g2 > g1) {
        guestEv.push({ ts: g1, fn: () => G.switch(g1, c, ['swapper/' + c, 0], TaskState.RUNNING, ['kworker/' + c, 100 + c]) });
        const gm = Math.round((g1 + g2) / 2);
        guestEv.push({ ts: gm, fn: () => G.waking(gm, c, 100 + c, 'rcu_sched', 15, c) });
        guestEv.push({ ts: g2, fn: () => G.switch(g2, c, ['kworker/' + c, 100 + c], TaskState.S, ['swapper/' + c, 0]) });
      }
      t = runEnd;
    }
  }
  if (o.syncEveryNs) {
    for (let t = hostStart + 1e6, k = 0; t < hostStart + dur; t += o.syncEveryNs, k++) {
      const h1 = Math.round(t), h2 = Math.round(t + 40e3 + r() * 60e3);
      const g = toGuest(h1 + 10e3 + r() * (h2 - h1 - 20e3));
      hostEv.push({ ts: h1, fn: () => H.marker(h1, 0, 900, `vcpu-replay-sync host-send tag=run seq=${k}`) });
      hostEv.push({ ts: h2, fn: () => H.marker(h2, 0, 900, `vcpu-replay-sync host-recv tag=run seq=${k}`) });
      guestEv.push({ ts: g, fn: () => G.marker(g, 0, 300, `vcpu-replay-sync guest tag=run seq=${k}`) });
    }
  }
  for (const list of [hostEv, guestEv]) {
    list.sort((a, b) => a.ts - b.ts);
    for (const e of list) e.fn();
  }
  for (const tid of tids) hb.setTgid(tid, tgid);
  const host = hb.finish();
  const guest = gb.finish();
  return { host, guest, vcpuTids: tids };
}
