/**
 * Interns strings (comms, event names, irq names) to small integer ids, so that string columns
 * are Int32Array and Arrow dictionary-encodes them for free.
 */
export class StringPool {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();

  id(s: string): number {
    let v = this.ids.get(s);
    if (v === undefined) {
      v = this.values.length;
      this.values.push(s);
      this.ids.set(s, v);
    }
    return v;
  }

  static from(values: readonly string[]): StringPool {
    const p = new StringPool();
    for (const v of values) p.id(v);
    return p;
  }
}
