// Parses cyclictest's own end-of-run summary lines into the scenario's MeasuredProbe threads.
import type { CyclictestThreadSummary } from '../../../src/scenario/types.js';

// e.g. "T: 0 ( 1234) P:90 I:500 C:  19998 Min:      3 Act:    5 Avg:    6 Max:     120"
const SUMMARY_RE = /^T:\s*(\d+)\s+\(\s*(\d+)\)\s+P:\s*(\d+)\s+I:\s*(\d+)\s+C:\s*(\d+)\s+Min:\s*(\d+)\s+Act:\s*(\d+)\s+Avg:\s*(\d+)\s+Max:\s*(\d+)/;

/** One entry per `T:` summary line, in file order; throws naming `source` when there is none. */
export function parseCyclictestSummary(text: string, source: string): CyclictestThreadSummary[] {
  const threads: CyclictestThreadSummary[] = [];
  const lines = text.split('\n');
  lines.forEach((line) => {
    const m = SUMMARY_RE.exec(line.trim());
    if (!m) return;
    const n = m.slice(1).map(Number);
    threads.push({ thread: n[0], tid: n[1], priority: n[2], intervalUs: n[3], count: n[4], minUs: n[5], avgUs: n[7], maxUs: n[8] });
  });
  if (threads.length === 0) {
    throw new Error(`${source}: no cyclictest summary line ("T: n (tid) P:.. I:.. C:.. Min:.. Act:.. Avg:.. Max:..") found`);
  }
  return threads;
}
