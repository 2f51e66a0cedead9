import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { failedRecord } from './executeCell.js';
import { CellQueue } from './cellQueue.js';
import type { FromWorker, ToWorker } from './worker.js';
import type { CellRecord, CellSpec } from './types.js';

// A pool of worker threads running cells. Each worker takes another cell when it finishes one
// (preferring its scenario: cellQueue.ts); a crashed or timed-out worker fails only its own cell
// and is replaced.

/**
 * URL of a module next to this one. Compiled (dist/*.js) it is the .js file; under tsx or
 * vitest this file is .ts, and so is its sibling.
 */
export function siblingModule(name: string): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, import.meta.url).href;
}

/** tsx's ESM register API, resolved from this package (not the cwd, which an eval'd worker would use). */
function tsxEsmApi(): string {
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: string | { default: string } }> };
  const e = pkg.exports['./esm/api']!.import;
  return pathToFileURL(join(dirname(pkgFile), typeof e === 'string' ? e : e.default)).href;
}

function startWorker(runner: string): Worker {
  const entry = siblingModule('worker');
  if (!entry.endsWith('.ts')) return new Worker(new URL(entry), { workerData: { runner } });
  // Node 20 checks a worker's entry extension before any --import hook runs, so a .ts entry
  // must be loaded from a tiny bootstrap that registers tsx's loader first.
  const tsxApi = tsxEsmApi();
  const code = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData: { runner } });
}

export interface PoolOptions {
  workers: number;
  /** Runner module: absolute path or URL of a module exporting runCell. */
  runner: string;
  cellTimeoutMs: number | null;
  /** Called once per cell, in completion order; awaited one at a time. */
  onRecord(rec: CellRecord): Promise<void>;
}

interface Slot {
  worker: Worker;
  cell: CellSpec | null;
  /** Scenario of the last cell this worker ran (its runner may hold that scenario's traces). */
  lastScenario: string | null;
  timer: NodeJS.Timeout | null;
  ready: boolean;
  dead: boolean;
}

export function runPool(cells: CellSpec[], opts: PoolOptions): Promise<void> {
  if (cells.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const queue = new CellQueue(cells);
    let finished = 0;
    let settled = false;
    let writes: Promise<void> = Promise.resolve();
    const slots = new Set<Slot>();

    const stopAll = (): void => {
      for (const s of slots) {
        s.dead = true;
        if (s.timer) clearTimeout(s.timer);
        void s.worker.terminate();
      }
      slots.clear();
    };
    const fatal = (err: Error): void => {
      if (settled) return;
      settled = true;
      stopAll();
      reject(err);
    };
    const record = (rec: CellRecord): void => {
      writes = writes.then(() => opts.onRecord(rec));
      writes.catch(fatal);
      if (++finished === cells.length) {
        stopAll();
        writes.then(() => {
          if (!settled) {
            settled = true;
            resolve();
          }
        }, fatal);
      }
    };
    const dispatch = (s: Slot): void => {
      if (settled || s.dead) return;
      const busy = new Set<string>();
      for (const o of slots) if (o !== s && o.cell) busy.add(CellQueue.scenarioKey(o.cell));
      const cell = queue.take(s.lastScenario, busy);
      if (!cell) {
        s.dead = true;
        slots.delete(s);
        void s.worker.terminate();
        return;
      }
      s.cell = cell;
      s.lastScenario = CellQueue.scenarioKey(cell);
      if (opts.cellTimeoutMs) {
        s.timer = setTimeout(() => {
          s.dead = true;
          slots.delete(s);
          void s.worker.terminate();
          record(failedRecord(cell, `timed out after ${opts.cellTimeoutMs! / 1000} s (cellTimeoutS)`, opts.cellTimeoutMs!));
          if (queue.size > 0) spawn();
        }, opts.cellTimeoutMs);
      }
      s.worker.postMessage({ type: 'run', cell } satisfies ToWorker);
    };
    const crashed = (s: Slot, why: string): void => {
      if (s.dead || settled) return;
      s.dead = true;
      slots.delete(s);
      if (s.timer) clearTimeout(s.timer);
      // A worker that dies before it is ready would die again: the runner itself is broken.
      if (!s.ready) return fatal(new Error(`batch worker failed to start: ${why}`));
      if (s.cell) record(failedRecord(s.cell, `worker crashed: ${why}`));
      s.cell = null;
      if (queue.size > 0) spawn();
    };
    const spawn = (): void => {
      const s: Slot = { worker: startWorker(opts.runner), cell: null, lastScenario: null, timer: null, ready: false, dead: false };
      slots.add(s);
      s.worker.on('message', (msg: FromWorker) => {
        if (s.dead || settled) return;
        if (msg.type === 'fatal') return fatal(Object.assign(new Error(msg.error), { userError: true }));
        if (msg.type === 'ready') s.ready = true;
        if (msg.type === 'result') {
          if (s.timer) clearTimeout(s.timer);
          s.timer = null;
          s.cell = null;
          record(msg.record);
        }
        dispatch(s);
      });
      s.worker.on('error', (e) => crashed(s, e.message));
      s.worker.on('exit', (code) => crashed(s, `exited with code ${code}`));
    };
    for (let i = 0; i < Math.max(1, Math.min(opts.workers, cells.length)); i++) spawn();
  });
}
