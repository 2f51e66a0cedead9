import type { TraceTables } from '../tables/index.js';

// vCPU threads recognised by name (formats.md §2.4): QEMU with debug-threads=on names them
// `CPU n/KVM` (or `CPU n/TCG` under TCG), crosvm `crosvm_vcpuN`. Names are a hint only: QEMU
// without debug-threads keeps the process name, and one host can run both styles at once.

export type VcpuNameStyle = 'qemu-kvm' | 'qemu-tcg' | 'crosvm';

export interface VcpuThread {
  tid: number;
  /** -1 when the trace does not say. */
  tgid: number;
  comm: string;
  vcpu: number;
  style: VcpuNameStyle;
}

const PATTERNS: Array<[RegExp, VcpuNameStyle]> = [
  [/^CPU (\d+)\/KVM$/, 'qemu-kvm'],
  [/^CPU (\d+)\/TCG$/, 'qemu-tcg'],
  [/^crosvm_vcpu(\d+)$/, 'crosvm'],
];

/** The vCPU index and naming style a thread name implies, or null. */
export function vcpuFromThreadName(comm: string): { vcpu: number; style: VcpuNameStyle } | null {
  for (const [re, style] of PATTERNS) {
    const m = re.exec(comm);
    if (m) return { vcpu: Number(m[1]), style };
  }
  return null;
}

/** Every thread of a machine whose name marks it as a vCPU thread, ordered by (tgid, vcpu, tid). */
export function detectVcpuThreads(t: Pick<TraceTables, 'threads' | 'strings'>): VcpuThread[] {
  const out = new Map<number, VcpuThread>();
  const { tid, tgid, comm } = t.threads.cols;
  for (let i = 0; i < t.threads.length; i++) {
    const id = comm[i]!;
    if (id < 0) continue;
    const name = t.strings[id]!;
    const hit = vcpuFromThreadName(name);
    if (!hit) continue;
    const prev = out.get(tid[i]!);
    // A tid renamed later keeps its last vCPU name; tgid from any span that knows it.
    out.set(tid[i]!, { tid: tid[i]!, tgid: tgid[i]! >= 0 ? tgid[i]! : (prev?.tgid ?? -1), comm: name, ...hit });
  }
  return [...out.values()].sort((a, b) => a.tgid - b.tgid || a.vcpu - b.vcpu || a.tid - b.tid);
}
