import { describe, expect, it } from 'vitest';
import { CellQueue } from '../src/batch/cellQueue.js';
import type { CellSpec } from '../src/batch/types.js';

// Scheduling of cells onto workers: stay on a scenario, spread fresh workers over scenarios.

const cell = (index: number, label: string): CellSpec => ({ index, id: `c${index}`, scenario: { label, dir: `/s/${label}` }, policy: 'vanilla', params: {}, seed: 1 });

describe('cell queue', () => {
  it('keeps a worker on its scenario, starts fresh workers on free scenarios, then lets them steal', () => {
    const cells = [cell(0, 'a'), cell(1, 'a'), cell(2, 'a'), cell(3, 'b'), cell(4, 'b'), cell(5, 'c')];
    const q = new CellQueue(cells);
    const key = (label: string) => CellQueue.scenarioKey(cell(0, label));
    expect(q.take(null, new Set())!.index).toBe(0); // worker 1 -> a
    expect(q.take(null, new Set([key('a')]))!.index).toBe(3); // worker 2 -> b, nobody is on it
    expect(q.take(key('a'), new Set([key('b')]))!.index).toBe(1); // worker 1 stays on a
    expect(q.take(key('b'), new Set([key('a')]))!.index).toBe(4);
    expect(q.take(key('b'), new Set([key('a')]))!.index).toBe(5); // b done: c is free
    expect(q.take(key('c'), new Set([key('a')]))!.index).toBe(2); // only a left: steal
    expect(q.size).toBe(0);
    expect(q.take(key('a'), new Set())).toBeNull();
  });
});
