import type { CellSpec } from './types.js';

// Which cell a free worker runs next. A runner reads and aligns a scenario's traces once and keeps
// them (replayCellRunner), so a worker should stay on one scenario, and fresh workers should start
// on scenarios nobody is on: each scenario is then read about once instead of once per worker.
// Output order does not depend on this (outputs follow the plan).

export class CellQueue {
  private readonly byScenario = new Map<string, { cells: CellSpec[]; at: number }>();
  private remaining = 0;

  constructor(cells: CellSpec[]) {
    for (const c of cells) {
      const k = CellQueue.scenarioKey(c);
      let q = this.byScenario.get(k);
      if (!q) this.byScenario.set(k, (q = { cells: [], at: 0 }));
      q.cells.push(c);
    }
    this.remaining = cells.length;
  }

  static scenarioKey(c: CellSpec): string {
    return JSON.stringify(c.scenario);
  }

  get size(): number {
    return this.remaining;
  }

  /**
   * The next cell for a worker whose last cell was of scenario `last` (null: none), while other
   * workers are on the scenarios in `busy`: same scenario first, then one nobody is on, then any.
   */
  take(last: string | null, busy: ReadonlySet<string>): CellSpec | null {
    if (this.remaining === 0) return null;
    const from = (k: string): CellSpec | null => {
      const q = this.byScenario.get(k);
      if (!q || q.at >= q.cells.length) return null;
      this.remaining--;
      return q.cells[q.at++]!;
    };
    if (last !== null) {
      const c = from(last);
      if (c) return c;
    }
    let fallback: string | null = null;
    for (const [k, q] of this.byScenario) {
      if (q.at >= q.cells.length) continue;
      if (!busy.has(k)) return from(k);
      fallback ??= k;
    }
    return fallback === null ? null : from(fallback);
  }
}
