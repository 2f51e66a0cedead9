import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Trace } from '../../tables/index.js';
import type { IngestOptions } from '../registry.js';
import { readTextTrace } from '../text/readTextTrace.js';

// Latency-format .dat files (a latency tracer's `trace` text stored after a "latency" tag, no
// ring-buffer pages) are ftrace text: they are read by the ftrace text reader.

export async function readLatencyText(source: string, text: string, opts: IngestOptions): Promise<Trace> {
  const dir = mkdtempSync(join(tmpdir(), 'vcpu-replay-latency-'));
  try {
    const file = join(dir, 'trace.txt');
    writeFileSync(file, text);
    const t = await readTextTrace(file, 'ftrace-text', opts);
    for (const m of t.machines) {
      m.meta.source = source;
      m.meta.format = 'trace-cmd-dat';
      m.meta.formatDetail = 'trace-cmd dat, latency format (ftrace text)';
      for (const u of m.meta.unparsed.examples) u.text = u.text.split(file).join(source);
      m.meta.warnings = m.meta.warnings.map((w) => w.split(file).join(source));
    }
    return { source, format: 'trace-cmd-dat', machines: t.machines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
