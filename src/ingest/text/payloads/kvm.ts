import { KvmKind } from '../../../tables/index.js';
import { detach, find, intAt, keyAt, numAt, hexAt, orNeg, scan, tokenEnd, trimEnd } from '../scan.js';
import { commonRow, type PayloadParser } from './common.js';
import type { MachineState } from '../machineState.js';

// kvm:* events (arch/x86/kvm/trace.h, include/trace/events/kvm.h, arm64 trace_arm.h). The full
// payload goes to `detail` so nothing is lost; the fields alignment and replay need are pulled out.

/** Number after `key` (e.g. 'vcpu '), decimal or 0x-hex; -1 when absent. */
function numAfter(s: string, key: string, a: number, e: number): number {
  const p = keyAt(s, key, a, e);
  return p < 0 ? -1 : orNeg(numAt(s, p, e));
}

function hexAfter(s: string, key: string, a: number, e: number): number {
  const p = keyAt(s, key, a, e);
  return p < 0 ? -1 : orNeg(hexAt(s, p, e));
}

function tokenAfter(m: MachineState, s: string, key: string, a: number, e: number): number {
  const p = keyAt(s, key, a, e);
  if (p < 0) return -1;
  let end = tokenEnd(s, p, e);
  if (s.charCodeAt(end - 1) === 44 /* , */) end--;
  return m.intern(s, p, end);
}

/** The text inside the first `(...)` at or after a, e.g. `Fixed|edge`. */
function parenText(m: MachineState, s: string, a: number, e: number): number {
  const lp = find(s, '(', a, e);
  if (lp < 0) return -1;
  const rp = find(s, ')', lp, e);
  return m.intern(s, lp + 1, rp < 0 ? e : rp);
}

export const parseKvm: PayloadParser = (m, ev, s, a, e, kind) => {
  const t = m.b.kvm;
  const i = commonRow(t, m, ev);
  const c = t.c;
  e = trimEnd(s, a, e);
  c.kind[i] = kind;
  c.vcpuId[i] = -1;
  c.reason[i] = -1;
  c.vector[i] = -1;
  c.target[i] = -1;
  c.value[i] = -1;
  c.value2[i] = -1;
  c.detail[i] = detach(s.slice(a, e));
  switch (kind) {
    case KvmKind.ENTRY:
      // x86 `vcpu %u, rip 0x%lx` / `vcpu %u`; arm64 `PC: 0x...` has no vcpu id
      c.vcpuId[i] = numAfter(s, 'vcpu ', a, e);
      return true;
    case KvmKind.EXIT: {
      c.vcpuId[i] = numAfter(s, 'vcpu ', a, e);
      const r = tokenAfter(m, s, 'reason ', a, e);
      if (r >= 0) c.reason[i] = r;
      else {
        // arm64: `TRAP: HSR_EC: 0x0001 (WFx), PC: ...`
        const colon = find(s, ':', a, e);
        if (colon > a) c.reason[i] = m.intern(s, a, colon);
      }
      return true;
    }
    case KvmKind.INJ_VIRQ: {
      // `IRQ 0xec`, `Soft/INTn 0x80 [reinjected]`, older `irq %u`
      const sp = find(s, ' ', a, e);
      if (sp < 0) return false;
      c.reason[i] = m.intern(s, a, sp);
      c.vector[i] = orNeg(numAt(s, sp + 1, e));
      return c.vector[i]! >= 0;
    }
    case KvmKind.APIC_ACCEPT_IRQ:
    case KvmKind.APICV_ACCEPT_IRQ:
      // apicid %x vec %u (%s|%s)
      c.target[i] = hexAfter(s, 'apicid ', a, e);
      c.vector[i] = numAfter(s, 'vec ', a, e);
      c.reason[i] = parenText(m, s, a, e);
      return c.vector[i]! >= 0;
    case KvmKind.SET_IRQ:
      // gsi %u level %d source %d
      c.target[i] = numAfter(s, 'gsi ', a, e);
      c.value[i] = numAfter(s, 'level ', a, e);
      c.value2[i] = numAfter(s, 'source ', a, e);
      return c.target[i]! >= 0;
    case KvmKind.MSI_SET_IRQ:
    case KvmKind.APIC_IPI:
      // dst %x vec %u (...)
      c.target[i] = hexAfter(s, 'dst ', a, e);
      c.vector[i] = numAfter(s, 'vec ', a, e);
      c.reason[i] = parenText(m, s, a, e);
      return c.vector[i]! >= 0;
    case KvmKind.VCPU_WAKEUP: {
      // `%s time %lld ns, polling %s`: wait|poll ... valid|invalid
      const sp = find(s, ' ', a, e);
      c.reason[i] = m.intern(s, a, sp < 0 ? e : sp);
      c.value[i] = numAfter(s, 'time ', a, e);
      const waited = s.startsWith('wait', a) ? 1 : 0;
      const pa = keyAt(s, 'polling ', a, e);
      const valid = pa >= 0 && s.startsWith('valid', pa) ? 2 : 0;
      c.value2[i] = waited | valid;
      return c.value[i]! >= 0;
    }
    case KvmKind.HYPERCALL:
      // nr 0x%lx a0 0x%lx ...
      c.value[i] = numAfter(s, 'nr ', a, e);
      return c.value[i]! >= 0;
    case KvmKind.MSR: {
      // msr_%s %x = 0x%llx [(#GP)]
      const p = keyAt(s, 'msr_', a, e);
      if (p < 0) return false;
      const sp = tokenEnd(s, p, e);
      c.reason[i] = m.intern(s, p, sp);
      c.value[i] = orNeg(hexAt(s, sp + 1, e));
      const eq = find(s, '= ', scan.pos, e);
      if (eq >= 0) {
        const v = hexAt(s, eq + 2, e);
        if (!Number.isNaN(v) && v <= Number.MAX_SAFE_INTEGER) c.value2[i] = v;
      }
      return c.value[i]! >= 0;
    }
    case KvmKind.USERSPACE_EXIT:
      // reason %s (%d)
      c.reason[i] = tokenAfter(m, s, 'reason ', a, e);
      return true;
    case KvmKind.PIC_SET_IRQ:
      // chip %u pin %u (%s|%s)%s%s
      c.target[i] = numAfter(s, 'chip ', a, e);
      c.vector[i] = numAfter(s, 'pin ', a, e);
      c.reason[i] = parenText(m, s, a, e);
      return c.vector[i]! >= 0;
    case KvmKind.HALT_POLL_NS: {
      // vcpu %u: halt_poll_ns %u (%s %u)
      const va = keyAt(s, 'vcpu ', a, e);
      c.vcpuId[i] = va < 0 ? -1 : orNeg(intAt(s, va, e));
      c.value[i] = numAfter(s, 'halt_poll_ns ', a, e);
      const lp = find(s, '(', a, e);
      if (lp >= 0) c.reason[i] = m.intern(s, lp + 1, tokenEnd(s, lp + 1, e));
      return c.value[i]! >= 0;
    }
    case KvmKind.HV_TIMER_STATE:
      // vcpu_id %x hv_timer %x
      c.vcpuId[i] = hexAfter(s, 'vcpu_id ', a, e);
      c.value[i] = hexAfter(s, 'hv_timer ', a, e);
      return true;
    case KvmKind.WAIT_LAPIC_EXPIRE: {
      // vcpu %u: delta %lld (%s)
      const va = keyAt(s, 'vcpu ', a, e);
      c.vcpuId[i] = va < 0 ? -1 : orNeg(intAt(s, va, e));
      const da = keyAt(s, 'delta ', a, e);
      c.value[i] = da < 0 ? -1 : orNeg(intAt(s, da, e));
      c.reason[i] = parenText(m, s, a, e);
      return true;
    }
    default:
      return true;
  }
};
