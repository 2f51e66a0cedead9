import type { Command } from 'commander';
import { registerInspect } from './inspect.js';
import { registerIngest } from './ingest.js';
import { registerBatch } from './batch.js';
import { registerMerge } from './merge.js';
import { registerLatency } from './latency.js';
import { registerTimeline } from './timeline.js';
import { registerCompare } from './compare.js';
import { registerChart } from './chart.js';
import { registerReport } from './report.js';
import { registerExportPerfetto } from './exportPerfetto.js';
import { registerReplay } from './replay.js';
import { registerGenerate } from './generate.js';
import { registerValidate } from './validate.js';

// One line per command; each command's options and action live in its own file.
export function registerCommands(program: Command): void {
  registerInspect(program);
  registerIngest(program);
  registerBatch(program);
  registerMerge(program);
  registerLatency(program);
  registerTimeline(program);
  registerCompare(program);
  registerChart(program);
  registerReport(program);
  registerExportPerfetto(program);
  registerReplay(program);
  registerGenerate(program);
  registerValidate(program);
}
