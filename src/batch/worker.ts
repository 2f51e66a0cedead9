import { parentPort, workerData } from 'node:worker_threads';
import { executeCell, loadRunner } from './executeCell.js';
import type { CellRunner, CellSpec } from './types.js';

// Worker-thread entry: load the runner once, then run the cells the pool sends, one at a time.

export type ToWorker = { type: 'run'; cell: CellSpec };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; record: import('./types.js').CellRecord }
  | { type: 'fatal'; error: string };

const port = parentPort;
if (port) {
  const { runner: runnerRef } = workerData as { runner: string };
  let runner: CellRunner | null = null;
  try {
    runner = await loadRunner(runnerRef);
  } catch (e) {
    port.postMessage({ type: 'fatal', error: `cannot load cell runner ${runnerRef}: ${(e as Error).message}` } satisfies FromWorker);
  }
  if (runner) {
    const r = runner;
    port.on('message', (msg: ToWorker) => {
      void executeCell(r, msg.cell).then((record) => port.postMessage({ type: 'result', record } satisfies FromWorker));
    });
    port.postMessage({ type: 'ready' } satisfies FromWorker);
  }
}
