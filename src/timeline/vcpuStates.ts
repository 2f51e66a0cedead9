import { KvmKind, TableBuilder, type Table, type TraceTables } from '../tables/index.js';
import { ThreadState, VCPU_STATES, VcpuState } from './schema.js';
import type { ThreadStatesTable } from './threadStates.js';

export type VcpuStatesTable = Table<(typeof VCPU_STATES)['columns']>;

/**
 * Host-side vCPU intervals for one guest: its vCPU threads' running / runnable (steal) / sleeping
 * states from the host thread states, plus in_guest intervals from kvm_entry -> kvm_exit when the
 * host trace has KVM events (QEMU TCG has none).
 */
export function vcpuStates(host: TraceTables, hostThreads: ThreadStatesTable, vcpuTids: ReadonlyMap<number, number>): VcpuStatesTable {
  const vcpuOfTid = new Map<number, number>();
  for (const [vcpu, tid] of vcpuTids) vcpuOfTid.set(tid, vcpu);
  const b = new TableBuilder(VCPU_STATES, 1024);
  const T = hostThreads.cols;
  for (let i = 0; i < hostThreads.length; i++) {
    const vcpu = vcpuOfTid.get(T.tid[i]!);
    if (vcpu === undefined) continue;
    const st = T.state[i]!;
    const r = b.row();
    b.c.tsNs[r] = T.tsNs[i]!;
    b.c.endNs[r] = T.endNs[i]!;
    b.c.vcpu[r] = vcpu;
    b.c.tid[r] = T.tid[i]!;
    b.c.state[r] =
      st === ThreadState.RUNNING
        ? VcpuState.RUNNING
        : st === ThreadState.RUNNABLE || st === ThreadState.PREEMPTED
          ? VcpuState.RUNNABLE
          : VcpuState.SLEEPING;
    b.c.cpu[r] = T.cpu[i]!;
  }
  const K = host.kvm.cols;
  const entryAt = new Map<number, number>();
  for (let i = 0; i < host.kvm.length; i++) {
    const tid = K.pid[i]!;
    const vcpu = vcpuOfTid.get(tid);
    if (vcpu === undefined) continue;
    if (K.kind[i] === KvmKind.ENTRY) entryAt.set(tid, i);
    else if (K.kind[i] === KvmKind.EXIT) {
      const e = entryAt.get(tid);
      if (e === undefined) continue;
      entryAt.delete(tid);
      const r = b.row();
      b.c.tsNs[r] = K.tsNs[e]!;
      b.c.endNs[r] = K.tsNs[i]!;
      b.c.vcpu[r] = vcpu;
      b.c.tid[r] = tid;
      b.c.state[r] = VcpuState.IN_GUEST;
      b.c.cpu[r] = K.cpu[e]!;
    }
  }
  return b.finish();
}
