// The contract between the batch machinery (plan, pool, store, outputs) and a cell runner.
// A cell runner is a pure function of its CellSpec: same spec -> same output, on any machine.

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

/** Where a cell's scenario lives, as absolute paths (what a runner opens). */
export interface ScenarioTarget {
  /** Display name: the scenario directory relative to the manifest, or the pair's name. */
  label: string;
  /** Directory holding scenario.json (scenario-directory entries). */
  dir?: string;
  /** Host and guest trace files (trace-pair entries). */
  host?: string;
  guests?: string[];
}

/** One cell of the matrix: scenario x policy x parameter combination x seed. */
export interface CellSpec {
  /** Position in the manifest's deterministic enumeration (0-based). */
  index: number;
  /** Stable id: hash of scenario key + policy + sorted params + seed. */
  id: string;
  scenario: ScenarioTarget;
  policy: string;
  params: Params;
  seed: number;
}

/** One measured number of a cell, in long format. */
export interface MetricRow {
  /** 'host' or a guest name ('' for cell-wide figures). */
  machine: string;
  /** Probe task name ('' for figures that are not about one probe). */
  probe: string;
  metric: string;
  value: number;
}

export interface CellOutput {
  rows: MetricRow[];
  warnings: string[];
}

/** A cell runner module exports `runCell` with this type. */
export type CellRunner = (cell: CellSpec) => Promise<CellOutput> | CellOutput;

/**
 * Optional export `checkCell` of a runner module: throws when a cell's policy or parameters
 * cannot run. Called in the main thread once per distinct policy + parameters before any cell runs.
 */
export type CellCheck = (cell: CellSpec) => unknown;

/** What OUT/cells/<id>.json holds: the cell's identity plus its outcome. */
export interface CellRecord {
  version: 1;
  id: string;
  index: number;
  scenario: string;
  policy: string;
  params: Params;
  seed: number;
  status: 'ok' | 'failed';
  rows: MetricRow[];
  warnings: string[];
  error: string | null;
  /** Wall time of the cell; informational only, never written to the Parquet outputs. */
  elapsedMs: number;
}
