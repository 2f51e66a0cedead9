import { Cursor } from './cursor.js';

// trace-cmd option ids (trace-cmd.dat.v6/v7 docs; formats.md §3.4).
export const Opt = {
  DONE: 0,
  DATE: 1,
  CPUSTAT: 2,
  BUFFER: 3,
  TRACECLOCK: 4,
  UNAME: 5,
  HOOK: 6,
  OFFSET: 7,
  CPUCOUNT: 8,
  VERSION: 9,
  PROCMAPS: 10,
  TRACEID: 11,
  TIME_SHIFT: 12,
  GUEST: 13,
  TSC2NSEC: 14,
  STRINGS: 15,
  HEADER_INFO: 16,
  FTRACE_EVENTS: 17,
  EVENT_FORMATS: 18,
  KALLSYMS: 19,
  PRINTK: 20,
  CMDLINES: 21,
  BUFFER_TEXT: 22,
  BTF_FILE: 23,
  LAST_BOOT_INFO: 24,
  MODULES_FILE: 25,
} as const;

export interface DatCpuData {
  cpu: number;
  /** File offset of the CPU's ring-buffer pages (v7 compressed: of its chunk list). */
  offset: number;
  /** Bytes in the file. */
  size: number;
}

export interface DatBufferOption {
  name: string;
  /** v7: file offset of the flyrecord section; v6: offset of the instance's data. */
  offset: number;
  clock: string | null;
  pageSize: number | null;
  cpus: DatCpuData[] | null;
  /** BUFFER_TEXT (latency format): the data is text. */
  text: boolean;
}

export interface TimeShiftCpu {
  times: bigint[];
  offsets: bigint[];
  scalings: bigint[];
  fractions: number[];
}

export interface TimeShift {
  peerTraceId: string;
  flags: number;
  interpolate: boolean;
  cpus: TimeShiftCpu[];
}

export interface GuestInfo {
  name: string;
  traceId: string;
  vcpus: Array<{ vcpu: number; hostPid: number }>;
}

export interface DatOptions {
  dateOffsetNs: number | null;
  offsetNs: number | null;
  traceClock: string | null;
  uname: string | null;
  traceCmdVersion: string | null;
  cpuCount: number | null;
  traceId: string | null;
  tsc2nsec: { mult: number; shift: number; offset: string } | null;
  timeShift: TimeShift | null;
  guests: GuestInfo[];
  cpuStats: string[];
  buffers: DatBufferOption[];
  /** v7 section offsets by option id (16..21, 23, 25). */
  sections: Map<number, number>;
  lastBootInfo: string | null;
  procMaps: string | null;
  hooks: string[];
}

export function emptyOptions(): DatOptions {
  return {
    dateOffsetNs: null,
    offsetNs: null,
    traceClock: null,
    uname: null,
    traceCmdVersion: null,
    cpuCount: null,
    traceId: null,
    tsc2nsec: null,
    timeShift: null,
    guests: [],
    cpuStats: [],
    buffers: [],
    sections: new Map(),
    lastBootInfo: null,
    procMaps: null,
    hooks: [],
  };
}

const hex64 = (v: bigint) => '0x' + v.toString(16).padStart(16, '0');

function asciiZ(c: Cursor, size: number, what: string): string {
  const s = c.text(size, what);
  const nul = s.indexOf('\0');
  return (nul >= 0 ? s.slice(0, nul) : s).trim();
}

/**
 * Decode one option's payload into `o`. `c` is positioned at the payload, which is `size` bytes.
 * Unknown ids are skipped (newer trace-cmd versions add options).
 */
export function decodeOption(o: DatOptions, id: number, size: number, c: Cursor, version: number): void {
  const end = c.pos + size;
  c.need(size, `option ${id} payload`);
  const sub = new Cursor(c.bytes.subarray(0, end), c.little, c.pos, c.base);
  switch (id) {
    case Opt.DATE: {
      // ASCII hex/decimal µs offset between trace time and wall time.
      const s = asciiZ(sub, size, 'DATE');
      const v = Number(BigInt.asIntN(64, BigInt(s.startsWith('-') ? '-' + s.slice(1) : s)));
      if (Number.isFinite(v)) o.dateOffsetNs = v * 1000;
      break;
    }
    case Opt.CPUSTAT:
      o.cpuStats.push(asciiZ(sub, size, 'CPUSTAT'));
      break;
    case Opt.BUFFER: {
      const offset = sub.u64('BUFFER offset');
      const name = sub.cstr('BUFFER name');
      if (version < 7) {
        o.buffers.push({ name, offset, clock: null, pageSize: null, cpus: null, text: false });
        break;
      }
      const clock = sub.cstr('BUFFER clock');
      const pageSize = sub.u32('BUFFER page size');
      const n = sub.u32('BUFFER cpu count');
      if (n > 65536) sub.fail(`BUFFER option lists ${n} CPUs`);
      const cpus: DatCpuData[] = [];
      for (let i = 0; i < n; i++) {
        const cpu = sub.u32('BUFFER cpu id');
        const off = sub.u64('BUFFER cpu offset');
        const sz = sub.u64('BUFFER cpu size');
        cpus.push({ cpu, offset: off, size: sz });
      }
      o.buffers.push({ name, offset, clock, pageSize, cpus, text: false });
      break;
    }
    case Opt.BUFFER_TEXT: {
      const offset = sub.u64('BUFFER_TEXT offset');
      const name = sub.cstr('BUFFER_TEXT name');
      const clock = sub.remaining > 0 ? sub.cstr('BUFFER_TEXT clock') : null;
      o.buffers.push({ name, offset, clock, pageSize: null, cpus: null, text: true });
      break;
    }
    case Opt.TRACECLOCK:
      o.traceClock = asciiZ(sub, size, 'TRACECLOCK');
      break;
    case Opt.UNAME:
      o.uname = asciiZ(sub, size, 'UNAME');
      break;
    case Opt.HOOK:
      o.hooks.push(asciiZ(sub, size, 'HOOK'));
      break;
    case Opt.OFFSET: {
      const s = asciiZ(sub, size, 'OFFSET');
      const v = Number(s);
      if (Number.isFinite(v)) o.offsetNs = v;
      break;
    }
    case Opt.CPUCOUNT:
      {
        const n = sub.u32('CPUCOUNT');
        if (n > 0 && n <= 1 << 14) o.cpuCount = n; // larger is a corrupt value
      }
      break;
    case Opt.VERSION:
      o.traceCmdVersion = asciiZ(sub, size, 'VERSION');
      break;
    case Opt.PROCMAPS:
      o.procMaps = asciiZ(sub, size, 'PROCMAPS');
      break;
    case Opt.TRACEID:
      o.traceId = hex64(sub.u64big('TRACEID'));
      break;
    case Opt.TIME_SHIFT:
      o.timeShift = decodeTimeShift(sub, end);
      break;
    case Opt.GUEST: {
      const name = sub.cstr('GUEST name');
      const traceId = hex64(sub.u64big('GUEST trace id'));
      const n = sub.u32('GUEST vcpu count');
      if (n > 65536) sub.fail(`GUEST option lists ${n} vCPUs`);
      const vcpus: GuestInfo['vcpus'] = [];
      for (let i = 0; i < n; i++) vcpus.push({ vcpu: sub.u32('GUEST vcpu'), hostPid: sub.u32('GUEST pid') });
      o.guests.push({ name, traceId, vcpus });
      break;
    }
    case Opt.TSC2NSEC: {
      const mult = sub.u32('TSC2NSEC mult');
      const shift = sub.u32('TSC2NSEC shift');
      const offset = sub.remaining >= 8 ? sub.u64big('TSC2NSEC offset').toString() : '0';
      o.tsc2nsec = { mult, shift, offset };
      break;
    }
    case Opt.LAST_BOOT_INFO:
      o.lastBootInfo = asciiZ(sub, size, 'LAST_BOOT_INFO');
      break;
    default:
      if ((id >= Opt.HEADER_INFO && id <= Opt.CMDLINES) || id === Opt.BTF_FILE || id === Opt.MODULES_FILE) {
        if (size >= 8) o.sections.set(id, sub.u64('section offset'));
      }
  }
  c.pos = end;
}

function decodeTimeShift(c: Cursor, end: number): TimeShift {
  const peer = hex64(c.u64big('TIME_SHIFT peer'));
  const flags = c.u32('TIME_SHIFT flags');
  const ncpu = c.u32('TIME_SHIFT cpus');
  if (ncpu > 65536) c.fail(`TIME_SHIFT lists ${ncpu} CPUs`);
  const cpus: TimeShiftCpu[] = [];
  for (let i = 0; i < ncpu; i++) {
    const n = c.u32('TIME_SHIFT sample count');
    c.need(n * 24, 'TIME_SHIFT samples');
    const rd = () => {
      const a: bigint[] = [];
      for (let k = 0; k < n; k++) a.push(c.u64big());
      return a;
    };
    const times = rd();
    const offsets = rd().map((v) => BigInt.asIntN(64, v));
    const scalings = rd();
    cpus.push({ times, offsets, scalings, fractions: new Array<number>(n).fill(0) });
  }
  // Fraction bits were appended later, after all CPUs: present only if bytes remain.
  for (const cpu of cpus) {
    const n = cpu.times.length;
    if (end - c.pos < 4 + n * 8) break;
    const m = c.u32('TIME_SHIFT fraction count');
    for (let k = 0; k < m; k++) {
      const f = Number(c.u64big());
      if (k < n) cpu.fractions[k] = f;
    }
  }
  return { peerTraceId: peer, flags, interpolate: (flags & 1) !== 0, cpus };
}
