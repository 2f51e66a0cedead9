import type { GuestDemand } from '../../src/replay/demand/types.js';

/**
 * A one-vCPU guest on host CPU 0 (vCPU thread tid 100, SCHED_OTHER, HZ 250, kernel 6.1) running
 * `task`: the guest every hand-computed nested-schedule test starts from.
 */
export function oneVcpuGuest(
  accel: 'kvm' | 'tcg',
  task: GuestDemand['tasks'][number],
  extra: Partial<GuestDemand> = {},
): GuestDemand {
  return {
    name: 'g',
    vcpuTids: [100],
    vcpuNames: [accel === 'kvm' ? 'CPU 0/KVM' : 'CPU 0/TCG'],
    vcpuSched: { policy: 'normal', rtPrio: 0, nice: 0 },
    vcpuCpus: [[0]],
    kernel: '6.1.0',
    fair: null,
    hz: 250,
    idlePollNs: accel === 'kvm' ? Infinity : 0,
    accel,
    tasks: [task],
    ...extra,
  };
}

