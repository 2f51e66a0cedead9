// Content sniffing for the text formats. Each test looks at the decompressed head of the file.

/** True when the head is text (no NUL at the start, few control bytes): binary formats never pass. */
export function looksLikeText(head: Uint8Array): boolean {
  const n = Math.min(head.length, 4096);
  if (n === 0) return false;
  let ctrl = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    if (b === 0 && i < 256) return false;
    if (b < 9 || (b > 13 && b < 32 && b !== 27)) ctrl++;
  }
  return ctrl / n < 0.01;
}

const EVENT_LINE = /^\s*(?:\S+:\s+)?.*?-\d+\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[\d+\](?:-0x[0-9a-f]+)?\s*(?:[A-Za-z.][A-Za-z0-9.]{3,7}\s+)?\d+(?:\.\d+)?:\s/m;

/** ftrace-style event lines or a `# tracer:` header in the head. */
export function hasFtraceLines(text: string): boolean {
  return /^# tracer: /m.test(text) || EVENT_LINE.test(text);
}

export function isSystraceHtml(text: string): boolean {
  return (
    /^\s*(<!DOCTYPE html|<html)/i.test(text) ||
    text.includes('class="trace-data"') ||
    /var\s+linuxPerfData\s*=/.test(text)
  );
}

/** trace-cmd report: starts with `version = N` or has a `cpus=N` header line before the events. */
export function isTraceCmdReport(text: string): boolean {
  const first = text.split('\n', 8).map((l) => l.trim()).filter(Boolean);
  return first.some((l) => /^version = \S+$/.test(l) || /^(?:\S.*:\s+)?cpus=\d+$/.test(l));
}

/** Android atrace text: `# enabled events`, atrace preamble, 5-dash tgids or atrace marker payloads. */
export function isAtrace(text: string): boolean {
  if (!hasFtraceLines(text)) return false;
  return (
    /^# enabled events:/m.test(text) ||
    /^(capturing trace\.\.\.|TRACE:)/m.test(text) ||
    /\(-----\) \[\d+\]/.test(text) ||
    /tracing_mark_write: (?:[BCSFE]\||E$|trace_event_clock_sync)/m.test(text)
  );
}
