import { emptyTraceTables, type TraceTables } from '../tables/index.js';
import type { AlignedScenario } from '../align/types.js';
import { ThreadState } from './schema.js';
import { threadStates, type ThreadStatesTable } from './threadStates.js';
import { cpuStates, type CpuStatesTable } from './cpuStates.js';
import { sections, type SectionsTable } from './sections.js';
import { vcpuStates, type VcpuStatesTable } from './vcpuStates.js';
import { intervalSet, EMPTY_INTERVALS, type IntervalSet } from './intervals.js';

/** Derived tables of one machine. For a guest, vcpuStates holds its vCPU threads' host-side states. */
export interface MachineTimeline {
  machine: string;
  /** The machine's string pool ('str' columns index it). */
  strings: string[];
  threadStates: ThreadStatesTable;
  cpuStates: CpuStatesTable;
  sections: SectionsTable;
  vcpuStates: VcpuStatesTable | null;
}

export interface ScenarioTimeline {
  host: MachineTimeline;
  guests: MachineTimeline[];
}

/** comm string id of each tid (its latest name), -1 when unknown. */
export function commLookup(t: TraceTables): (tid: number) => number {
  const m = new Map<number, number>();
  const th = t.threads.cols;
  for (let i = 0; i < t.threads.length; i++) m.set(th.tid[i]!, th.comm[i]!);
  return (tid) => m.get(tid) ?? -1;
}

export function machineTimeline(t: TraceTables, machine = t.meta.machine): MachineTimeline {
  const threads = threadStates(t);
  return {
    machine,
    strings: t.strings,
    threadStates: threads,
    cpuStates: cpuStates(t),
    sections: sections(t, threads, commLookup(t)),
    vcpuStates: null,
  };
}

/** Timelines of an aligned scenario: host, and each traced guest with its vCPU lanes. */
export function scenarioTimeline(a: AlignedScenario): ScenarioTimeline {
  const host = machineTimeline(a.host, 'host');
  const guests: MachineTimeline[] = [];
  for (const g of a.guests) {
    const base = g.tables ? machineTimeline(g.tables, g.name) : machineTimelineOfNothing(g.name, a.host.strings);
    base.vcpuStates = vcpuStates(a.host, host.threadStates, g.vcpus.tids);
    guests.push(base);
  }
  return { host, guests };
}

function machineTimelineOfNothing(machine: string, strings: string[]): MachineTimeline {
  return { ...machineTimeline(emptyTraceTables('(no trace)', 'generated'), machine), strings };
}

/** Intervals in which `tid` was in `state` (default running), merged and sorted. */
export function threadIntervals(tl: ThreadStatesTable, tid: number, state: number = ThreadState.RUNNING): IntervalSet {
  const T = tl.cols;
  const s: number[] = [];
  const e: number[] = [];
  for (let i = 0; i < tl.length; i++) {
    if (T.tid[i] === tid && T.state[i] === state) {
      s.push(T.tsNs[i]!);
      e.push(T.endNs[i]!);
    }
  }
  return s.length ? intervalSet(s, e) : EMPTY_INTERVALS;
}
