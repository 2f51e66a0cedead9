import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineOverrides } from '../replay/replayDemand.js';
import type { ExtractOptions } from '../replay/demand/fromTrace.js';
import { demandFromAligned } from '../replay/demand/fromTrace.js';
import { demandFromSpec, type WorkloadSpec } from '../replay/demand/synthetic.js';
import { replayDemandAll } from '../replay/replay.js';
import { measureProbe } from '../replay/validate.js';
import { alignScenario } from '../align/alignScenario.js';
import { writeTraceDir } from '../tables/io.js';
import { addScenarioArgs, resolveScenarios, type ScenarioArgOpts } from './scenarioArgs.js';
import { progress } from './progress.js';
import { UsageError } from './main.js';

// `vcpu-replay replay SCENARIO... --policy vanilla,dynamic,static`: replay captured (or generated)
// scenarios under vCPU policies and print probe latencies and boost statistics per policy.

// Options shared by `replay` and `validate`: the engine's parameters (defaults are the kernel's)
// and the built-in policies' parameters.

export interface ReplayCliOpts {
  seed?: string;
  scheduler?: string;
  hz?: string;
  rtThrottle?: string;
  haltPollNs?: string;
  postedInterrupts?: string;
  wakeIdle?: string;
  runToParity?: string;
  delayDequeue?: string;
  tcgResched?: string;
  platformDelays?: string;
  emulatorRuns?: string;
  loadBalance?: string;
  reschedIpiNs?: string;
  exitNs?: string;
  msrExitNs?: string;
  guestIrqNs?: string;
  guestSwitchNs?: string;
  tcgSlackNs?: string;
  tcgMainLoopNs?: string;
  guestIdlePollUs?: string;
  affinity?: string;
  boostPolicy?: string;
  boostPrio?: string;
  capUs?: string;
  pdBoosts?: boolean;
  haltBoost?: boolean;
  staticVcpus?: string;
  staticPolicy?: string;
  staticPrio?: string;
}

export function addReplayOptions(cmd: Command): Command {
  return cmd
    .option('--seed <n>', 'PRNG seed (same inputs + options + seed = identical output)', '1')
    .option('--scheduler <cfs|eevdf>', 'host fair scheduler (default: from the host kernel version; CFS < 6.6 <= EEVDF)')
    .option('--hz <n>', 'host CONFIG_HZ (default 250)')
    .option('--rt-throttle <on|off>', 'host RT throttling 950 ms / 1 s (default: on for kernels < 6.12)')
    .option('--halt-poll-ns <ns>', 'KVM halt_poll_ns (0 disables host halt polling)', '200000')
    .option('--posted-interrupts <on|off>', 'posted interrupts (APICv/AVIC): guest IPIs need no VM exit and do not boost under dynamic', 'on')
    .option('--wake-idle <on|off>', 'wake fair tasks on an idle CPU when their previous CPU is busy', 'on')
    .option('--run-to-parity <on|off>', 'host EEVDF RUN_TO_PARITY feature', 'on')
    .option('--delay-dequeue <on|off>', 'host EEVDF DELAY_DEQUEUE/DELAY_ZERO: a task blocking in debt waits it off while asleep (default: on for kernels >= 6.12)')
    .option('--tcg-resched <on|off>', "TCG guests: charge the guest trace's sched_waking -> sched_switch floor (emulated interrupt exit + schedule) before a timer wakeup's switch", 'on')
    .option('--platform-delays <empirical|median>', "timer interrupt delivery, idle exit and (TCG) QEMU timer-path delays: sampled from the capture's measured distributions, or their fixed medians/floors", 'empirical')
    .option('--emulator-runs <on|off>', "TCG guests: replay the vCPU threads' captured host runs that have no guest activity (QEMU BQL hand-offs and housekeeping while the guest CPU idles) at their times, when the vCPU is halted then", 'on')
    .option('--load-balance <on|off>', 'periodic load balancing between host CPUs', 'on')
    .option('--resched-ipi-ns <ns>', 'reschedule IPI latency', '1000')
    .option('--exit-ns <ns>', 'VM exit + entry cost charged to the vCPU thread', '1500')
    .option('--msr-exit-ns <ns>', 'cost of the dynamic policy notify-MSR exit', '1500')
    .option('--guest-irq-ns <ns>', 'guest interrupt handling cost', '2000')
    .option('--guest-switch-ns <ns>', 'guest context switch cost', '1500')
    .option('--tcg-slack-ns <ns>', 'TCG: ppoll timer slack of the QEMU main loop before it runs guest timers', '50000')
    .option('--tcg-main-loop-ns <ns>', 'TCG: QEMU main-loop work per guest timer before the vCPU kick', '10000')
    .option('--guest-idle-poll-us <us|poll>', "guest idle poll before HLT ('poll' = idle=poll; default: inferred from the host trace)")
    .option('--affinity <observed|any>', 'CPUs a replayed thread may use: those it was seen on, or any', 'observed')
    .option('--boost-policy <rr|fifo>', 'dynamic: boost class', 'rr')
    .option('--boost-prio <n>', 'dynamic: boost RT priority', '8')
    .option('--cap-us <us>', 'dynamic: preempt-disabled cap (0 disables)', '3000')
    .option('--pd-boosts', 'dynamic: use the RFC 3/8 rule (preempt-disabled is itself a boost reason)')
    .option('--no-halt-boost', 'dynamic: do not boost a vCPU when it blocks on HLT')
    .option('--static-vcpus <list>', 'static: guest CPU indexes to boost, comma-separated (default: all)')
    .option('--static-policy <rr|fifo>', 'static: RT class', 'rr')
    .option('--static-prio <n>', 'static: RT priority', '8');
}

const int = (flag: string, v: string | undefined, min = 0): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || !Number.isInteger(n)) throw new UsageError(`${flag} takes an integer >= ${min}, got '${v}'`);
  return n;
};
const onOff = (flag: string, v: string | undefined): boolean | undefined => {
  if (v === undefined) return undefined;
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  throw new UsageError(`${flag} takes on or off, got '${v}'`);
};

export interface ParsedReplayOptions {
  seed: number;
  engine: EngineOverrides;
  extract: ExtractOptions;
  policyParams: Record<string, Record<string, unknown>>;
}

function platformDelaysOpt(v: string): 'empirical' | 'median' {
  if (v !== 'empirical' && v !== 'median') throw new UsageError(`--platform-delays takes empirical or median, got '${v}'`);
  return v;
}

export function parseReplayOptions(o: ReplayCliOpts): ParsedReplayOptions {
  const seed = int('--seed', o.seed ?? '1')!;
  if (o.scheduler !== undefined && o.scheduler !== 'cfs' && o.scheduler !== 'eevdf') throw new UsageError(`--scheduler takes cfs or eevdf, got '${o.scheduler}'`);
  const hz = int('--hz', o.hz, 1);
  const engine: EngineOverrides = {
    seed,
    ...(o.scheduler ? { hostFair: o.scheduler as 'cfs' | 'eevdf' } : {}),
    ...(hz ? { hostHz: hz } : {}),
    ...(o.rtThrottle !== undefined ? { rtThrottle: onOff('--rt-throttle', o.rtThrottle)! } : {}),
    postedInterrupts: onOff('--posted-interrupts', o.postedInterrupts ?? 'on')!,
    wakeIdle: onOff('--wake-idle', o.wakeIdle ?? 'on')!,
    runToParity: onOff('--run-to-parity', o.runToParity ?? 'on')!,
    ...(o.delayDequeue !== undefined ? { delayDequeue: onOff('--delay-dequeue', o.delayDequeue)! } : {}),
    tcgReschedFromTrace: onOff('--tcg-resched', o.tcgResched ?? 'on')!,
    platformDelays: platformDelaysOpt(o.platformDelays ?? 'empirical'),
    emulatorRuns: onOff('--emulator-runs', o.emulatorRuns ?? 'on')!,
    loadBalance: onOff('--load-balance', o.loadBalance ?? 'on')!,
    reschedIpiNs: int('--resched-ipi-ns', o.reschedIpiNs ?? '1000')!,
    kvm: { haltPollNs: int('--halt-poll-ns', o.haltPollNs ?? '200000')! },
    costs: {
      exitNs: int('--exit-ns', o.exitNs ?? '1500')!,
      msrExitNs: int('--msr-exit-ns', o.msrExitNs ?? '1500')!,
      guestIrqNs: int('--guest-irq-ns', o.guestIrqNs ?? '2000')!,
      guestSwitchNs: int('--guest-switch-ns', o.guestSwitchNs ?? '1500')!,
      tcgSlackNs: int('--tcg-slack-ns', o.tcgSlackNs ?? '50000')!,
      tcgMainLoopNs: int('--tcg-main-loop-ns', o.tcgMainLoopNs ?? '10000')!,
    },
  };
  const extract: ExtractOptions = {};
  if (o.affinity !== undefined) {
    if (o.affinity !== 'observed' && o.affinity !== 'any') throw new UsageError(`--affinity takes observed or any, got '${o.affinity}'`);
    extract.affinity = o.affinity;
  }
  if (o.guestIdlePollUs !== undefined) extract.guestIdlePollNs = o.guestIdlePollUs === 'poll' ? Infinity : int('--guest-idle-poll-us', o.guestIdlePollUs)! * 1000;
  const rtClass = (flag: string, v: string | undefined) => {
    if (v !== undefined && v !== 'rr' && v !== 'fifo') throw new UsageError(`${flag} takes rr or fifo, got '${v}'`);
    return (v ?? 'rr') as 'rr' | 'fifo';
  };
  const staticVcpus = o.staticVcpus?.split(',').map((x) => int('--static-vcpus', x.trim())!);
  const policyParams = {
    dynamic: {
      boostPolicy: rtClass('--boost-policy', o.boostPolicy),
      boostPrio: int('--boost-prio', o.boostPrio ?? '8', 1)!,
      capUs: int('--cap-us', o.capUs ?? '3000')!,
      postedInterrupts: engine.postedInterrupts,
      preemptDisabledBoosts: !!o.pdBoosts,
      boostOnHalt: o.haltBoost !== false,
    },
    static: { policy: rtClass('--static-policy', o.staticPolicy), rtPrio: int('--static-prio', o.staticPrio ?? '8', 1)!, ...(staticVcpus ? { vcpus: staticVcpus } : {}) },
    'crosvm-rt': staticVcpus ? { vcpus: staticVcpus } : {},
  };
  return { seed, engine, extract, policyParams };
}

interface ReplayCmdOpts extends ReplayCliOpts, ScenarioArgOpts {
  policy: string;
  output?: string;
  json?: boolean;
  fromSpec?: boolean;
}

/** Terminal-safe text for names that come from traces. */
const printable = (s: string) => s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export function registerReplay(program: Command): void {
  addReplayOptions(
    addScenarioArgs(
      program
        .command('replay')
        .description('replay scenarios in the discrete-event model of host and guest schedulers under vCPU policies; print probe latency and boost statistics'),
    ),
  )
    .option('--policy <list>', 'policies, comma-separated: vanilla, static, dynamic, dynamic-v3, crosvm-rt, or a path to a policy module (.ts/.js)', 'vanilla,dynamic,static')
    .option('-o, --output <dir>', 'write each replayed schedule as Arrow tables (DIR/<scenario>/<policy>/<machine>/) plus summary.json')
    .option('--json', 'print the summary as JSON')
    .option('--from-spec', 'for generated scenarios: replay the generator spec instead of the traces')
    .action(async (args: string[], o: ReplayCmdOpts) => {
      const parsed = parseReplayOptions(o);
      const policies = o.policy.split(',').map((p) => p.trim()).filter(Boolean);
      if (!policies.length) throw new UsageError('--policy needs at least one policy');
      const scenarios = await resolveScenarios(args, o);
      const summary: unknown[] = [];
      for (const sc of scenarios) {
        const p = progress(`replay ${sc.scenario.name}`);
        try {
          const aligned = await alignScenario(sc, { onProgress: (n, total) => p.update(n, total, 'reading') });
          const spec = (sc.scenario.generator as { spec?: WorkloadSpec } | undefined)?.spec;
          if (o.fromSpec && !spec) throw new UsageError(`${sc.file}: --from-spec needs a generated scenario (generator.spec)`);
          const demand = o.fromSpec && spec ? demandFromSpec(spec) : demandFromAligned(aligned, parsed.extract);
          const results = await replayDemandAll(demand, {
            policies,
            policyParams: parsed.policyParams,
            seed: parsed.seed,
            engine: parsed.engine,
            onProgress: (pol, done, total) => p.update(done, total, pol),
          });
          const probes = (sc.scenario.probes ?? {}) as Record<string, string>;
          const rows = results.map((r) => ({
            policy: r.policy,
            simulatedEvents: r.simulatedEvents,
            boost: r.boost,
            warnings: r.warnings,
            probes: r.trace.machines.map((m) => {
              const task = probes[m.meta.machine] ?? 'cyclictest';
              return { machine: m.meta.machine, task, stats: measureProbe(m, task) };
            }),
            params: r.params,
          }));
          summary.push({ scenario: sc.scenario.name, file: sc.file, warnings: demand.warnings, results: rows });
          if (o.output) {
            for (const r of results) await writeTraceDir(join(o.output, safeName(sc.scenario.name), safeName(r.policy)), r.trace);
          }
          if (!o.json) {
            p.done();
            process.stdout.write(formatRows(sc.scenario.name, rows, demand.warnings));
          }
        } finally {
          p.done();
        }
      }
      if (o.output) {
        await mkdir(o.output, { recursive: true });
        await writeFile(join(o.output, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
      }
      if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    });
}

const safeName = (s: string) => s.replace(/[^\w.-]+/g, '_');

function formatRows(
  name: string,
  rows: Array<{ policy: string; boost: { boosts: number; boostedNs: number; throttles: number; capHits: number }; probes: Array<{ machine: string; task: string; stats: { count: number; avgUs: number; p99Us: number; maxUs: number } }> }>,
  warnings: string[],
): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  const out = [`${printable(name)}`, `  ${'policy'.padEnd(12)} ${'probe'.padEnd(28)} ${'n'.padStart(7)} ${'avg us'.padStart(9)} ${'p99 us'.padStart(9)} ${'max us'.padStart(10)}   boosts  boosted ms  throttles`];
  for (const r of rows) {
    r.probes.forEach((pr, i) => {
      const b = i === 0 ? `  ${String(r.boost.boosts).padStart(6)}  ${(r.boost.boostedNs / 1e6).toFixed(1).padStart(10)}  ${String(r.boost.throttles).padStart(9)}` : '';
      out.push(`  ${printable(r.policy).padEnd(12)} ${printable(`${pr.machine}:${pr.task}`).padEnd(28)} ${String(pr.stats.count).padStart(7)} ${f(pr.stats.avgUs).padStart(9)} ${f(pr.stats.p99Us).padStart(9)} ${f(pr.stats.maxUs).padStart(10)} ${b}`);
    });
  }
  for (const w of warnings) out.push(`  warning: ${printable(w)}`);
  return out.join('\n') + '\n';
}
