import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { readTraceDir } from '../src/tables/index.js';
import { ingest } from '../src/ingest/index.js';
import { summarizeTrace, cpuTimeByThread } from '../src/metrics/traceSummary.js';
import { detectVcpuThreads, vcpuFromThreadName } from '../src/align/vcpuThreadNames.js';
import { fixture } from './ingest-text-rows.js';

// `inspect` and `ingest` through the real CLI entry point, plus the library functions under them.

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await main(['node', 'vcpu-replay', ...args]);
    return { code, out, err };
  } finally {
    vi.restoreAllMocks();
  }
}
afterEach(() => vi.restoreAllMocks());

describe('vcpu-replay inspect', () => {
  it('--json: format, clock, cpus, range, counts, vCPU threads, lost windows, warnings', async () => {
    const r = await cli('inspect', fixture('ftrace-tgid7-flags5.txt'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      format: 'ftrace-text',
      clock: 'unknown',
      cpus: 4,
      startNs: 5000000100000,
      endNs: 5000000700000,
      events: { kvm_entry: 1, kvm_exit: 1, kvm_inj_virq: 1, sched_switch: 3, sched_waking: 1, sched_wakeup: 1, tracing_mark_write: 1 },
      vcpuThreads: [
        { tid: 150790, tgid: 150742, comm: 'CPU 0/KVM', vcpu: 0, style: 'qemu-kvm' },
        { tid: 150791, tgid: 150742, comm: 'CPU 1/KVM', vcpu: 1, style: 'qemu-kvm' },
      ],
    });
    expect(j.lost.map((l: { kind: string }) => l.kind)).toEqual(['overwrite', 'buffer-started', 'lost']);
    expect(j.warnings).toHaveLength(3);
    expect(j.machines).toHaveLength(1);
  });

  it('several files give a JSON array; trace-cmd multi-file input lists its machines', async () => {
    const r = await cli('inspect', '--json', fixture('atrace.txt'), fixture('trace-cmd-multi.txt'));
    const j = JSON.parse(r.out);
    expect(j.map((x: { format: string }) => x.format)).toEqual(['atrace', 'trace-cmd-report']);
    expect(j[1].machines.map((m: { machine: string }) => m.machine)).toEqual(['trace-host.dat', 'trace-guest.dat']);
  });

  it('human output lists counts, top threads, vCPU threads, lost data; trace text cannot inject terminal escapes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vr-cli-'));
    const evil = join(dir, 'evil.txt');
    const good = await readFile(fixture('trace-pipe-pid5-noflags.txt'), 'utf8');
    await writeFile(evil, good.replaceAll('Web Content', 'Web\x1b[31mCont'));
    const r = await cli('inspect', fixture('ftrace-tgid7-flags5.txt'), evil);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/sched_switch\s+3/);
    expect(r.out).toMatch(/vcpu 1: tid 150791 \(tgid 150742\) CPU 1\/KVM \[qemu-kvm\]/);
    expect(r.out).toMatch(/lost cpu 1: 5000\.000210 s \.\. 5000\.000600 s, 42 events/);
    expect(r.out).toContain('Web\\x1b[31mCont');
    expect(r.out).not.toContain('\x1b');
  });

  it('bad options and bad files exit 2 with one clear line', async () => {
    let r = await cli('inspect', fixture('atrace.txt'), '--tsc-hz', 'fast');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--tsc-hz must be a positive number/);
    r = await cli('inspect', '/nonexistent/trace.txt');
    expect(r.code).toBe(2);
    expect(r.err).toBe('vcpu-replay: /nonexistent/trace.txt: no such file\n');
  });

  it('--help documents every option', async () => {
    const r = await cli('inspect', '--help');
    for (const o of ['--json', '--tsc-hz', '--strict', '--top']) expect(r.out).toContain(o);
    const i = await cli('ingest', '--help');
    for (const o of ['--out', '--format', '--tsc-hz', '--strict']) expect(i.out).toContain(o);
  });
});

describe('vcpu-replay ingest', () => {
  it('writes one file per table plus meta.json; several inputs get a subdirectory each', async () => {
    const out = await mkdtemp(join(tmpdir(), 'vr-ingest-'));
    const r = await cli('ingest', fixture('ftrace-tgid7-flags5.txt'), fixture('trace-cmd-multi.txt'), '-o', out, '--format', 'parquet');
    expect(r.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['ftrace-tgid7-flags5', 'trace-cmd-multi']);
    const files = await readdir(join(out, 'ftrace-tgid7-flags5'));
    expect(files).toContain('sched_switch.parquet');
    expect(files).toContain('meta.json');
    const back = await readTraceDir(join(out, 'ftrace-tgid7-flags5'));
    expect(back.machines[0]!.sched_switch.length).toBe(3);
    const multi = await readTraceDir(join(out, 'trace-cmd-multi'));
    expect(multi.machines.map((m) => m.meta.machine)).toEqual(['trace-host.dat', 'trace-guest.dat']);
    expect((await cli('ingest', fixture('atrace.txt'), '-o', out, '--format', 'csv')).code).toBe(2);
  });
});

describe('trace summary and vCPU thread names', () => {
  it('CPU time per thread from sched_switch', async () => {
    const m = (await ingest(fixture('trace-pipe-pid5-noflags.txt'))).machines[0]!;
    // ksoftirqd runs 123.456800-123.456900; Web Content from 123.456900 to the CPU's last event
    expect([...cpuTimeByThread(m).entries()].sort()).toEqual([
      [31337, { ns: 100000, ins: 1 }],
      [9, { ns: 100000, ins: 1 }],
    ]);
    const s = summarizeTrace(m);
    expect(s.topThreads.map((t) => [t.tid, t.comm])).toEqual([
      [9, 'ksoftirqd/0'],
      [31337, 'Web Content'],
    ]);
    expect(s.durationNs).toBe(211000);
  });

  it('recognises QEMU KVM/TCG and crosvm vCPU names, nothing else', async () => {
    expect(vcpuFromThreadName('CPU 12/KVM')).toEqual({ vcpu: 12, style: 'qemu-kvm' });
    expect(vcpuFromThreadName('CPU 0/TCG')).toEqual({ vcpu: 0, style: 'qemu-tcg' });
    expect(vcpuFromThreadName('crosvm_vcpu3')).toEqual({ vcpu: 3, style: 'crosvm' });
    for (const n of ['qemu-system-x86', 'CPU 1/KVMx', 'cpu 1/KVM', 'crosvm_vcpu', 'vcpu0', 'CPU /KVM']) expect(vcpuFromThreadName(n)).toBeNull();
    const crosvm = (await ingest(fixture('trace-cmd-33-flags.txt'))).machines[0]!;
    expect(detectVcpuThreads(crosvm)).toEqual([{ tid: 7001, tgid: -1, comm: 'crosvm_vcpu2', vcpu: 2, style: 'crosvm' }]);
    // renamed by task_rename: the thread shows up under its vCPU name
    const renamed = (await ingest(fixture('ftrace-payloads.txt'))).machines[0]!;
    expect(detectVcpuThreads(renamed)).toEqual([{ tid: 4210, tgid: -1, comm: 'CPU 3/KVM', vcpu: 3, style: 'qemu-kvm' }]);
  });
});
