import { ingest, type IngestOptions } from '../ingest/index.js';
import type { Trace, TraceTables } from '../tables/index.js';
import { scenarioPath, type GuestSpec, type ScenarioOnDisk } from '../scenario/index.js';
import type { AlignedGuest, AlignedScenario } from './types.js';
import { alignGuest } from './alignGuest.js';
import { AlignError } from './errors.js';

export interface AlignOptions {
  /** Called with a label as each trace is read (for progress display). */
  onStage?: (label: string) => void;
  /** Byte progress while reading each trace. */
  onProgress?: IngestOptions['onProgress'];
  strict?: boolean;
  /** Narrow a stated clock offset with a wide error bar using the traces (default true). */
  refineClock?: boolean;
}

function checkClockUnit(t: TraceTables, what: string, file: string): void {
  if (t.meta.timeUnit === 'ticks') {
    throw new AlignError(
      `${file}: the ${what} trace uses the raw counter clock "${t.meta.clock}" and no frequency is known, so its timestamps ` +
        `cannot become ns; give "tscHz" for the ${what} in scenario.json`,
    );
  }
}

/** The machine of a (possibly multi-machine) trace that is the host, or that is named like the guest. */
function pickMachine(trace: Trace, name: string | null): TraceTables {
  if (trace.machines.length === 1) return trace.machines[0]!;
  if (name === null) return trace.machines.find((m) => m.meta.machine === 'host') ?? trace.machines[0]!;
  const hit = trace.machines.find((m) => m.meta.machine === name);
  if (hit) return hit;
  throw new AlignError(`${trace.source}: has machines ${trace.machines.map((m) => m.meta.machine).join(', ')} and none is named "${name}"`);
}

/**
 * Read a scenario's host and guest traces and put every guest onto the host clock with its vCPU
 * map. A guest without its own trace file may live in the host file (Perfetto multi-machine).
 */
export async function alignScenario(onDisk: ScenarioOnDisk, opts: AlignOptions = {}): Promise<AlignedScenario> {
  const s = onDisk.scenario;
  const read = async (path: string, tscHz: number | undefined, label: string, machine?: string): Promise<Trace> => {
    opts.onStage?.(label);
    return ingest(scenarioPath(onDisk.dir, path), {
      ...(tscHz ? { tscHz } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.strict ? { strict: true } : {}),
      ...(machine ? { machine } : {}),
    });
  };
  const hostTrace = await read(s.host.trace, s.host.tscHz, `host ${s.host.trace}`);
  const host = pickMachine(hostTrace, null);
  checkClockUnit(host, 'host', hostTrace.source);
  const warnings: string[] = [];
  const guests: AlignedGuest[] = [];
  // A multi-machine host file (Perfetto VM tracing) with no guests declared: every other machine is one.
  const guestSpecs: GuestSpec[] =
    s.guests.length || hostTrace.machines.length < 2 ? s.guests : hostTrace.machines.filter((m) => m !== host).map((m) => ({ name: m.meta.machine }));
  const others = hostTrace.machines.filter((m) => m !== host);
  for (const g of guestSpecs) {
    let tables: TraceTables | null = null;
    let sameTrace = false;
    if (g.trace) {
      const tr = await read(g.trace, g.tscHz, `guest ${g.name} ${g.trace}`, g.name);
      tables = tr.machines.length === 1 ? tr.machines[0]! : pickMachine(tr, g.name);
      checkClockUnit(tables, `guest "${g.name}"`, tr.source);
    } else if (others.length) {
      tables = others.find((m) => m.meta.machine === g.name) ?? (others.length === 1 && guestSpecs.length === 1 ? others[0]! : null);
      sameTrace = tables !== null;
    }
    const aligned = alignGuest({ host, guestTables: tables, spec: g, guestCount: guestSpecs.length, sameTrace, refineClock: opts.refineClock ?? true });
    warnings.push(...aligned.warnings);
    guests.push(aligned.guest);
  }
  // What the readers flagged (overwritten buffers, lost events, unparsed lines) stays visible.
  const traceNotes = (name: string, t: TraceTables | null): string[] => {
    if (!t) return [];
    const notes = t.meta.warnings.map((w) => `${name} trace: ${w}`);
    if (t.meta.lost.length) notes.push(`${name} trace: ${t.meta.lost.length} lost-data windows (${t.meta.lost.map((l) => l.kind).filter((k, i, a) => a.indexOf(k) === i).join(', ')})`);
    return notes;
  };
  warnings.unshift(...traceNotes('host', host), ...guests.flatMap((g) => traceNotes(`guest "${g.name}"`, g.tables)));
  return { name: s.name, dir: onDisk.dir, scenario: s, host, guests, warnings };
}
