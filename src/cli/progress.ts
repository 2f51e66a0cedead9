// Progress on a TTY for long work; silent when stderr is piped (CI, scripts).

export interface Progress {
  update(done: number, total: number | null, label?: string): void;
  done(): void;
}

const NOOP: Progress = { update() {}, done() {} };

export function progress(title: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || process.env['CI']) return NOOP;
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(done, total, label) {
      const now = Date.now();
      // Only after a second of work, and at most 10 redraws a second.
      if (now - start < 1000 || now - last < 100) return;
      last = now;
      shown = true;
      const elapsed = (now - start) / 1000;
      let line = `${title}`;
      if (total && total > 0) {
        const f = Math.min(1, done / total);
        const width = 24;
        const bar = '#'.repeat(Math.round(f * width)).padEnd(width, '.');
        const eta = f > 0 ? elapsed / f - elapsed : 0;
        line += ` [${bar}] ${(f * 100).toFixed(0)}% ETA ${eta.toFixed(0)}s`;
      } else {
        line += ` ${done.toLocaleString()}`;
      }
      if (label) line += ` ${label}`;
      stream.write(`\r\x1b[K${line.slice(0, (stream.columns || 100) - 1)}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
