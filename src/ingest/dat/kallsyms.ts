// /proc/kallsyms as saved in the .dat: address -> the function containing it, for %ps/%pS and
// bprint/print `ip` fields.

export interface Sym {
  name: string;
  off: bigint;
}

export class Kallsyms {
  private addrs = new BigUint64Array(0);
  private names: string[] = [];
  private text: string | null;

  /** Parsing a full kallsyms (~5 MB) is deferred to the first lookup: many traces need none. */
  constructor(text: string) {
    this.text = text;
  }

  private parse(): void {
    const text = this.text!;
    this.text = null;
    const rows: Array<[bigint, string]> = [];
    for (const line of text.split('\n')) {
      const sp1 = line.indexOf(' ');
      if (sp1 <= 0) continue;
      const sp2 = line.indexOf(' ', sp1 + 1);
      if (sp2 < 0) continue;
      let name = line.slice(sp2 + 1);
      const tab = name.indexOf('\t');
      if (tab >= 0) name = name.slice(0, tab);
      let addr: bigint;
      try {
        addr = BigInt('0x' + line.slice(0, sp1));
      } catch {
        continue;
      }
      if (addr === 0n) continue;
      rows.push([addr, name.trim()]);
    }
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.addrs = new BigUint64Array(rows.length);
    this.names = new Array<string>(rows.length);
    rows.forEach(([a, n], i) => {
      this.addrs[i] = a;
      this.names[i] = n;
    });
  }

  /** The symbol at or below addr, or null when addr is below every symbol. */
  lookup(addr: bigint): Sym | null {
    if (this.text !== null) this.parse();
    const a = this.addrs;
    let lo = 0;
    let hi = a.length - 1;
    if (hi < 0 || addr < a[0]!) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a[mid]! <= addr) lo = mid;
      else hi = mid - 1;
    }
    return { name: this.names[lo]!, off: addr - a[lo]! };
  }
}

/** printk_formats: "0xADDR : \"fmt\"" lines -> address -> format, for bprint. */
export function parsePrintk(text: string): Map<bigint, string> {
  const out = new Map<bigint, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(0x[0-9a-fA-F]+)\s*:\s*"(.*)"\s*$/.exec(line);
    if (!m) continue;
    out.set(BigInt(m[1]!), m[2]!.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\"/g, '"').replace(/\\\\/g, '\\'));
  }
  return out;
}
