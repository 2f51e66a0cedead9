import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPerfetto } from '../src/ingest/perfetto/index.js';
import { InputError } from '../src/ingest/open.js';
import { ProtoWriter } from '../src/report/perfetto/protoWriter.js';
import { compactTrace, lostTrace, twoMachineTrace, zlibWrapped, packet, selfDescribingTrace } from './fixtures/perfetto/build.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pf-bad-'));
});
let n = 0;
async function file(bytes: Uint8Array): Promise<string> {
  const p = join(dir, `b${n++}.pftrace`);
  await writeFile(p, bytes);
  return p;
}
const cat = (...a: Uint8Array[]) => Uint8Array.from(Buffer.concat(a));
const total = (t: Awaited<ReturnType<typeof readPerfetto>>) =>
  t.machines.reduce((s, m) => s + Object.values(m.meta.eventCounts).reduce((x, y) => x + y, 0), 0);

describe('perfetto reader on broken input', () => {
  it('a file cut inside a packet keeps every intact packet, warns with the byte offset, marks a truncated window', async () => {
    const good = compactTrace();
    const extra = lostTrace();
    const whole = cat(good, extra);
    const cut = whole.subarray(0, whole.length - 5);
    const t = await readPerfetto(await file(cut));
    const m = t.machines[0]!;
    // compactTrace: 5 events; lostTrace minus its last packet: 3 switches.
    expect(m.meta.eventCounts).toEqual({ irq_handler_entry: 1, sched_switch: 6, sched_waking: 1 });
    const lastPacketAt = whole.length - (extra.length - lostPrefixLength());
    expect(m.meta.warnings.some((w) => w.includes(`at byte ${lastPacketAt}`) && w.includes('ends inside a packet'))).toBe(true);
    expect(m.meta.lost.filter((l) => l.kind === 'truncated').length).toBe(1);
    await expect(readPerfetto(await file(cut), { strict: true })).rejects.toThrow(new RegExp(`at byte ${lastPacketAt}: file ends inside a packet`));
  });

  it('a bad varint or an overlong length inside a packet skips that packet only', async () => {
    const w = new ProtoWriter();
    packet(w, (w) => {
      w.tag(1, 0); // field 1 as a varint that never ends
      for (let i = 0; i < 11; i++) w.buf[w.len++] = 0xff;
      w.buf[w.len++] = 0x01;
    });
    const badVarint = w.take();
    packet(w, (w) => {
      const b = w.begin(1); // ftrace_events bundle claiming 1000 bytes of events it does not have
      w.tag(2, 2);
      w.rawVarint(1000);
      w.end(b);
    });
    const badLen = w.take();
    const good = compactTrace();
    const bytes = cat(badVarint, good, badLen, twoMachineTrace());
    const t = await readPerfetto(await file(bytes));
    expect(t.machines.map((m) => m.meta.machine)).toEqual(['chromeos-host', 'guest0']);
    const host = t.machines[0]!;
    expect(host.meta.eventCounts).toEqual({ irq_handler_entry: 1, sched_switch: 4, sched_waking: 1 });
    // packet header: 1 tag byte + 4 length bytes; then the field-1 tag byte; the varint starts at 6.
    expect(host.meta.warnings.some((x) => x.includes('at byte 6: corrupt packet skipped: varint longer than 10 bytes'))).toBe(true);
    const badLenAt = badVarint.length + good.length + 5 + 5 + 1;
    expect(host.meta.warnings.some((x) => x.includes(`at byte ${badLenAt}: corrupt packet skipped: length 1000 runs past the end`))).toBe(true);
    expect(host.meta.unparsed.count).toBe(2);
    await expect(readPerfetto(await file(bytes), { strict: true })).rejects.toBeInstanceOf(InputError);
  });

  it('broken top-level framing stops reading but keeps what came before; corrupt zlib is skipped', async () => {
    const good = compactTrace();
    const corruptZlib = zlibWrapped(good);
    corruptZlib[12] = corruptZlib[12]! ^ 0xff;
    const t = await readPerfetto(await file(cat(good, corruptZlib, Uint8Array.of(0x0f, 1, 2, 3), lostTrace())));
    const m = t.machines[0]!;
    expect(m.meta.eventCounts).toEqual({ irq_handler_entry: 1, sched_switch: 3, sched_waking: 1 });
    expect(m.meta.warnings.some((w) => w.includes('corrupt zlib compressed_packets skipped'))).toBe(true);
    const at = good.length + corruptZlib.length;
    expect(m.meta.warnings.some((w) => w.includes(`at byte ${at}: invalid wire type 7 where a packet should start`))).toBe(true);
  });

  it('seeded fuzzing: truncations and byte mutations never crash or hang', async () => {
    const base = cat(compactTrace(), zlibWrapped(lostTrace()), twoMachineTrace(), selfDescribingTrace(), lostTrace());
    const baseCount = total(await readPerfetto(await file(base)));
    let seed = 0x9e3779b9;
    const rnd = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    const path = join(dir, 'fuzz.pftrace');
    let strictErrors = 0;
    const t0 = Date.now();
    for (let iter = 0; iter < 300; iter++) {
      let b = Uint8Array.from(base);
      const mode = iter % 3;
      if (mode === 0) b = b.subarray(0, Math.floor(rnd() * b.length));
      else {
        const k = 1 + Math.floor(rnd() * 8);
        for (let j = 0; j < k; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
        if (mode === 2) b = cat(b.subarray(0, Math.floor(rnd() * b.length)), Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256)));
      }
      await writeFile(path, b);
      try {
        const t = await readPerfetto(path);
        // Mutations can turn bytes into other valid events, but never multiply data.
        expect(total(t)).toBeLessThanOrEqual(baseCount * 2);
      } catch (e) {
        // Only "nothing readable at all" may throw in tolerant mode.
        expect(e).toBeInstanceOf(InputError);
        expect((e as Error).message).toMatch(/no Perfetto packets|file is empty|no such file/);
      }
      try {
        await readPerfetto(path, { strict: true });
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        strictErrors++;
      }
    }
    expect(strictErrors).toBeGreaterThan(50);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});

/** Bytes of lostTrace() before its last packet. */
function lostPrefixLength(): number {
  const b = lostTrace();
  let p = 0;
  let last = 0;
  while (p < b.length) {
    last = p;
    p += 1;
    let len = 0;
    let mul = 1;
    for (;;) {
      const x = b[p++]!;
      len += (x & 0x7f) * mul;
      mul *= 128;
      if (x < 0x80) break;
    }
    p += len;
  }
  return last;
}
