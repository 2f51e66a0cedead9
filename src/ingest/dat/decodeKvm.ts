import { KvmKind } from '../../tables/index.js';
import { numReader, type NumReader } from './fieldAccess.js';
import { NONE_NUM, type Decoder, type EventKit } from './eventKit.js';

// KVM rows: typed ids and numbers from the fields, `detail` = the kernel print-fmt text.

export function kvm(kit: EventKit, kind: number): Decoder {
  const { b, little } = kit.ctx;
  const t = b.kvm;
  const vcpu = numReader(kit.field('vcpu_id', 'vcpu'), little) ?? NONE_NUM;
  const vector = numReader(kit.field('vec', 'vector', 'irq'), little) ?? NONE_NUM;
  const target = numReader(kit.field('apicid', 'dest_id', 'gsi', 'dst'), little) ?? NONE_NUM;
  let value: NumReader = NONE_NUM;
  let value2: NumReader = NONE_NUM;
  let reason: ((detail: string, v: DataView, r: number) => number) | null = null;
  const firstWord = (re: RegExp) => (detail: string) => {
    const m = re.exec(detail);
    return m ? b.str(m[1]!) : -1;
  };
  switch (kind) {
    case KvmKind.EXIT: {
      const f = firstWord(/reason (\S+)/);
      reason = (d) => f(d);
      break;
    }
    case KvmKind.INJ_VIRQ:
    case KvmKind.USERSPACE_EXIT: {
      const f = kind === KvmKind.INJ_VIRQ ? firstWord(/^(\S+)/) : firstWord(/^reason (\S+)/);
      reason = (d) => f(d);
      break;
    }
    case KvmKind.VCPU_WAKEUP: {
      value = kit.num('ns') ?? NONE_NUM;
      const waited = kit.num('waited');
      const valid = kit.num('valid');
      value2 = (v, r) => (waited && waited(v, r) ? 1 : 0) | (valid && valid(v, r) ? 2 : 0);
      break;
    }
    case KvmKind.HALT_POLL_NS:
      value = kit.num('new') ?? NONE_NUM;
      break;
    case KvmKind.HYPERCALL:
      value = kit.num('nr') ?? NONE_NUM;
      break;
    case KvmKind.WAIT_LAPIC_EXPIRE:
      value = kit.num('delta') ?? NONE_NUM;
      break;
    case KvmKind.MSR: {
      value = kit.num('ecx') ?? kit.num('index') ?? NONE_NUM;
      const data = kit.num('data');
      value2 = data ? (v, r) => { const x = data(v, r); return x >= 0 && x < 2 ** 53 ? x : -1; } : NONE_NUM;
      const write = kit.num('write');
      const w = b.str('write');
      const rd = b.str('read');
      reason = (_d, v, r) => (write ? (write(v, r) ? w : rd) : -1);
      break;
    }
  }
  return (data, view, rec, len, ts, cpu, pid, flags) => {
    const i = b.eventRow(t, ts, cpu, pid, flags);
    const c = t.c;
    c.kind[i] = kind;
    const detail = kit.render(data, view, rec, len);
    c.vcpuId[i] = vcpu(view, rec);
    c.reason[i] = reason ? reason(detail, view, rec) : -1;
    c.vector[i] = vector(view, rec);
    c.target[i] = target(view, rec);
    c.value[i] = value(view, rec);
    c.value2[i] = value2(view, rec);
    c.detail[i] = detail;
  };
}
