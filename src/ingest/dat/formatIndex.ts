import type { MachineBuilder } from '../../tables/index.js';
import { parseFormat, type EventFormat } from './formatFile.js';
import type { DatLayout } from './layout.js';

/**
 * Event formats by id. A file carries every event of the traced systems (thousands); only the
 * ids that occur are parsed, on first use.
 */
export class FormatIndex {
  private readonly texts = new Map<number, { text: string; system: string }>();
  private readonly parsed = new Map<number, EventFormat | null>();

  constructor(
    l: DatLayout,
    private readonly b: MachineBuilder,
  ) {
    const add = (text: string, system: string) => {
      const m = /^ID:\s*(\d+)/m.exec(text);
      if (m) this.texts.set(Number(m[1]), { text, system });
      else b.warn(`an event format of system "${system}" has no ID line`);
    };
    for (const t of l.ftraceFormats) add(t, 'ftrace');
    for (const { system, text } of l.eventFormats) add(text, system);
  }

  get(id: number): EventFormat | null {
    let f = this.parsed.get(id);
    if (f !== undefined) return f;
    const src = this.texts.get(id);
    f = null;
    if (src) {
      try {
        f = parseFormat(src.text, src.system);
      } catch (e) {
        this.b.warn(`event format ${id} of system "${src.system}" is unreadable (${(e as Error).message})`);
      }
    }
    this.parsed.set(id, f);
    return f;
  }

  /** The event name of an id, read without parsing the format (and so without its warnings). */
  name(id: number): string | null {
    const src = this.texts.get(id);
    return src ? (/^name:\s*(\S+)/m.exec(src.text)?.[1] ?? null) : null;
  }

  /** Any parseable format, for the common_* field offsets. */
  any(): EventFormat | undefined {
    for (const id of this.texts.keys()) {
      const f = this.get(id);
      if (f && f.common.length) return f;
    }
    return undefined;
  }
}
