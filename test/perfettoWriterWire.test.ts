import { describe, expect, it } from 'vitest';
import { writePerfetto } from '../src/report/perfetto/index.js';
import { naiveFields, type NaiveField } from './fixtures/perfetto/naiveDecode.js';
import { guestTables, hostTables } from './fixtures/perfetto/tables.js';

// What the Perfetto UI / trace processor expect of a trace, checked on the writer's bytes with the
// independent naive decoder (not with our reader): sequences, clocks, SystemInfo, bundle shape.

const get = (fs: NaiveField[], n: number) => fs.filter((f) => f.field === n);
const one = (fs: NaiveField[], n: number) => fs.find((f) => f.field === n);
const varints = (b: Uint8Array) => {
  const out: bigint[] = [];
  let p = 0;
  while (p < b.length) {
    let x = 0n;
    let s = 0n;
    for (;;) {
      const byte = b[p++]!;
      x |= BigInt(byte & 0x7f) << s;
      s += 7n;
      if (byte < 0x80) break;
    }
    out.push(x);
  }
  return out;
};

describe('perfetto writer output, checked on the wire', () => {
  const bytes = writePerfetto([{ name: 'host', tables: hostTables() }, { name: 'guest0', tables: guestTables() }], { bundleEvents: 4 });
  const packets = naiveFields(bytes).map((p) => {
    expect(p.field).toBe(1);
    return naiveFields(p.bytes);
  });

  it('every packet is on a sequence; each sequence starts with incremental state cleared; guests carry machine_id', () => {
    const seen = new Set<bigint>();
    for (const p of packets) {
      const seq = one(p, 10);
      expect(seq).toBeDefined();
      if (!seen.has(seq!.num)) {
        seen.add(seq!.num);
        expect(one(p, 13)?.num).toBe(1n); // SEQ_INCREMENTAL_STATE_CLEARED
        expect(one(p, 87)?.num).toBe(1n); // first_packet_on_sequence
      }
      if (seq!.num === 2n) expect(one(p, 98)?.num).toBe(1n);
      else expect(one(p, 98)).toBeUndefined();
    }
    expect([...seen]).toEqual([1n, 2n]);
  });

  it('a BOOTTIME ClockSnapshot and SystemInfo come before any ftrace bundle of a machine', () => {
    for (const seq of [1n, 2n]) {
      const mine = packets.filter((p) => one(p, 10)!.num === seq);
      const firstBundle = mine.findIndex((p) => one(p, 1));
      const clock = mine.findIndex((p) => one(p, 6));
      const info = mine.findIndex((p) => one(p, 45));
      expect(clock).toBeGreaterThanOrEqual(0);
      expect(info).toBeGreaterThan(clock);
      expect(firstBundle).toBeGreaterThan(info);
      const snap = naiveFields(one(mine[clock]!, 6)!.bytes);
      expect(one(snap, 2)?.num).toBe(6n); // primary_trace_clock BOOTTIME
      expect(get(snap, 1).map((c) => one(naiveFields(c.bytes), 1)!.num)).toContain(6n);
      const uts = naiveFields(one(naiveFields(one(mine[info]!, 45)!.bytes), 1)!.bytes);
      expect(new TextDecoder().decode(one(uts, 3)!.bytes)).toBe(seq === 1n ? '6.1.0' : '6.6.0');
    }
  });

  it('bundles: a cpu, time-ordered events, compact_sched arrays of equal length with in-range comm indices', () => {
    let compactSwitches = 0;
    for (const p of packets) {
      const b = one(p, 1);
      if (!b) continue;
      const bundle = naiveFields(b.bytes);
      expect(one(bundle, 1)).toBeDefined();
      const ts = get(bundle, 2).map((e) => one(naiveFields(e.bytes), 1)!.num);
      for (let i = 1; i < ts.length; i++) expect(ts[i]! >= ts[i - 1]!).toBe(true);
      const cs = one(bundle, 4);
      if (!cs) continue;
      const f = naiveFields(cs.bytes);
      const intern = get(f, 5).length;
      const arr = (n: number) => (one(f, n) ? varints(one(f, n)!.bytes) : []);
      const sw = [1, 2, 3, 4, 6].map(arr);
      const wk = [7, 8, 9, 10, 11].map(arr);
      expect(new Set(sw.map((a) => a.length)).size).toBe(1);
      expect(new Set(wk.map((a) => a.length)).size).toBe(1);
      for (const i of [...sw[4]!, ...wk[4]!]) expect(i < BigInt(intern)).toBe(true);
      compactSwitches += sw[0]!.length;
    }
    expect(compactSwitches).toBeGreaterThan(0);
  });
});
