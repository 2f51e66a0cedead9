// Builds scenario.json for one lab run from the raw run directory written by run-matrix.sh:
//   npx tsx traces/capture/make-scenario.ts <rawRunDir> <scenarioName>
// writes <rawRunDir>/scenario.json; run-matrix.sh moves it into the scenario directory only after
// the compressed traces are there, so readers never see a scenario.json without its traces.
// Reads run.env, vcpus.txt, host.trace.txt, guest.trace.txt, host-cyclictest.txt, cyclictest.txt
// (guest) and both buffer-stats files; validates the result with validateScenario.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateScenario } from '../../src/scenario/validate.js';
import type { Scenario } from '../../src/scenario/types.js';
import { parseCyclictestSummary } from './lib/cyclictest.js';
import { estimateClock, pairRounds } from './lib/syncClock.js';
import { parseBufferStats, readTraceFacts } from './lib/traceFacts.js';

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

async function main(): Promise<void> {
  const [raw, name] = process.argv.slice(2);
  if (!raw || !name) throw new Error('usage: make-scenario.ts <rawRunDir> <scenarioName>');
  const read = (f: string): string => readFileSync(join(raw, f), 'utf8');
  const env = parseEnv(read('run.env'));
  const vcpus: number[] = [];
  for (const line of read('vcpus.txt').split('\n')) {
    const m = /^(\d+)\s+(\d+)$/.exec(line.trim());
    if (m) vcpus[Number(m[1])] = Number(m[2]);
  }
  const host = await readTraceFacts(join(raw, 'host.trace.txt'), vcpus);
  const guest = await readTraceFacts(join(raw, 'guest.trace.txt'));
  const warnings: string[] = [];
  vcpus.forEach((tid, cpu) => {
    const name = host.switchComms.get(tid);
    if (name === undefined) warnings.push(`vCPU thread ${tid} is never switched out in the host trace`);
    else if (!name.startsWith(`CPU ${cpu}/`)) warnings.push(`vCPU ${cpu} thread ${tid} is "${name}" in the host trace, not "CPU ${cpu}/..."`);
  });
  const buffers: Record<string, unknown> = {};
  for (const [machine, facts, statsFile] of [['host', host, 'host-buffer-stats.txt'], ['guest0', guest, 'buffer-stats.txt']] as const) {
    const stats = existsSync(join(raw, statsFile)) ? parseBufferStats(read(statsFile)) : undefined;
    buffers[machine] = { entriesInBuffer: facts.entriesInBuffer, entriesWritten: facts.entriesWritten, overrun: stats?.overrun, dropped: stats?.dropped, lostLines: facts.lostLines };
    if (facts.entriesInBuffer !== facts.entriesWritten) warnings.push(`${machine}: ring buffer overwrote events (entries-in-buffer/entries-written ${facts.entriesInBuffer}/${facts.entriesWritten})`);
    if (stats && (stats.overrun > 0 || stats.dropped > 0)) warnings.push(`${machine}: ring buffer overrun ${stats.overrun}, dropped ${stats.dropped}`);
    if (facts.lostLines > 0) warnings.push(`${machine}: ${facts.lostLines} LOST/DROPPED lines in the trace`);
  }
  const rounds = pairRounds(host.markers, guest.markers);
  const est = estimateClock(rounds);
  const hostCt = read('host-cyclictest.txt');
  const guestCt = read('cyclictest.txt');
  const ctCommand = `cyclictest ${env.CYCLICTEST_ARGS}`;
  const guestKernel = /kernel=(\S+)/.exec(env.GUEST_READY ?? '')?.[1] ?? env.GUEST_KERNEL_RELEASE;
  const policy = env.POLICY;
  const scenario: Scenario = {
    version: 1,
    name,
    description:
      `Real capture from the vcpu-replay QEMU lab: ${env.VCPUS}-vCPU ${env.ACCEL.toUpperCase()} guest, host ${env.LOAD}` +
      `${env.LOAD === 'busy' ? ` (stress-ng --cpu ${env.HOST_CPUS})` : ''}, vCPU threads ${policy}, ${ctCommand} in the guest and on the host.`,
    host: { trace: 'host.trace.txt.zst', kernel: env.HOST_KERNEL, cpus: Number(env.HOST_CPUS), tscHz: Number(env.HOST_TSC_KHZ) * 1000 },
    guests: [{ name: 'guest0', trace: 'guest0.trace.txt.zst', vcpus, clock: est.clock, kernel: guestKernel, cpus: Number(env.VCPUS) }],
    capturedPolicy: { name: policy, params: JSON.parse(env.POLICY_PARAMS) as Record<string, unknown> },
    probes: { host: 'cyclictest', guest0: 'cyclictest' },
    measured: {
      host: { tool: 'cyclictest', task: 'cyclictest', command: ctCommand, threads: parseCyclictestSummary(hostCt, join(raw, 'host-cyclictest.txt')), raw: hostCt.trim() },
      guest0: { tool: 'cyclictest', task: 'cyclictest', command: ctCommand, threads: parseCyclictestSummary(guestCt, join(raw, 'cyclictest.txt')), raw: guestCt.trim() },
    },
    capture: {
      lab: 'traces/capture/run-matrix.sh',
      load: env.LOAD,
      loadCommand: env.LOAD === 'busy' ? `stress-ng --cpu ${env.HOST_CPUS}` : null,
      intervalUs: Number(env.INTERVAL_US),
      probeClass: env.PROBE === 'rt' ? 'SCHED_FIFO 90 (-p 90 -m)' : 'SCHED_OTHER (no -p, as in the RFC)',
      durationS: Number(env.DURATION_S),
      accel: env.ACCEL,
      traceClock: 'mono',
      hostNote: env.HOST_NOTE ?? 'not stated',
      ...(env.HOST_LOADAVG_BEFORE ? { hostLoadavgBefore: env.HOST_LOADAVG_BEFORE } : {}),
      hostLoadavgAfter: env.HOST_LOADAVG,
      capturedAt: env.CAPTURED_AT,
      versions: {
        hostKernel: env.HOST_KERNEL,
        hostCpuModel: env.HOST_CPU_MODEL,
        qemu: env.QEMU_VERSION,
        traceCmd: env.TRACE_CMD_VERSION,
        rtTests: env.RT_TESTS_VERSION,
        stressNg: env.STRESS_NG_VERSION,
        guestKernelPackage: `${env.GUEST_KERNEL_PACKAGE} ${env.GUEST_KERNEL_PACKAGE_VERSION}`,
        guestKernel,
        busybox: env.GUEST_BUSYBOX_VERSION,
      },
      guestMemMb: Number(env.GUEST_MEM_MB),
      guestCmdlineTscEarlyKhz: Number(env.HOST_TSC_KHZ),
      vcpuPolicies: read('vcpu-policies.txt').trim().split('\n'),
      clockSync: {
        rounds: rounds.length,
        phases: est.phases,
        driftNs: est.driftNs,
        method: 'offset interval = intersection over rounds of [send - guest, recv - guest] (+-1 us text resolution)',
      },
      buffers,
      warnings,
    },
  };
  validateScenario(JSON.parse(JSON.stringify(scenario)), join(raw, 'scenario.json'));
  writeFileSync(join(raw, 'scenario.json'), JSON.stringify(scenario, null, 2) + '\n');
  for (const w of warnings) process.stderr.write(`make-scenario: WARNING ${name}: ${w}\n`);
  const c = est.clock;
  process.stderr.write(`make-scenario: ${name}: clock offset ${c.offsetNs} ns +- ${c.uncertaintyNs} ns${c.scale ? ` scale ${c.scale}` : ''} from ${rounds.length} rounds, drift ${est.driftNs} ns\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`make-scenario: ${(e as Error).message}\n`);
  process.exit(1);
});
