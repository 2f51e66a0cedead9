// /proc/kallsyms as saved in the .dat: address -> the function containing it, for %ps/%pS and
// bprint/print `ip` fields.

export interface Sym {
  name: string;
  off: bigint;
}

export class Kallsyms {
  /** Sorted addresses as hi/lo u32 halves: parsing ~150k BigInts costs more than the lookups. */
  private hi = new Uint32Array(0);
  private lo = new Uint32Array(0);
  private names: string[] = [];
  private text: string | null;

  /** Parsing a full kallsyms (~5 MB) is deferred to the first lookup: many traces need none. */
  constructor(text: string) {
    this.text = text;
  }

  private parse(): void {
    const text = this.text!;
    this.text = null;
    const his: number[] = [];
    const los: number[] = [];
    const names: string[] = [];
    let pos = 0;
    while (pos < text.length) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = text.length;
      const sp1 = text.indexOf(' ', pos);
      if (sp1 > pos && sp1 < nl && sp1 - pos <= 16) {
        const sp2 = text.indexOf(' ', sp1 + 1);
        if (sp2 > 0 && sp2 < nl) {
          const hex = text.slice(pos, sp1);
          const h = hex.length > 8 ? parseInt(hex.slice(0, hex.length - 8), 16) : 0;
          const l = parseInt(hex.slice(-8), 16);
          if (!Number.isNaN(h) && !Number.isNaN(l) && (h || l)) {
            let name = text.slice(sp2 + 1, nl);
            const tab = name.indexOf('\t');
            if (tab >= 0) name = name.slice(0, tab);
            his.push(h);
            los.push(l);
            names.push(name.trim());
          }
        }
      }
      pos = nl + 1;
    }
    this.hi = Uint32Array.from(his);
    this.lo = Uint32Array.from(los);
    this.names = names;
    let sorted = true;
    for (let i = 1; i < his.length && sorted; i++) sorted = his[i - 1]! < his[i]! || (his[i - 1] === his[i] && los[i - 1]! <= los[i]!);
    if (!sorted) {
      // /proc/kallsyms lists modules after the core kernel, out of address order.
      const order = Array.from(names.keys()).sort((a, b) => his[a]! - his[b]! || los[a]! - los[b]!);
      this.hi = Uint32Array.from(order, (i) => his[i]!);
      this.lo = Uint32Array.from(order, (i) => los[i]!);
      this.names = order.map((i) => names[i]!);
    }
  }

  /** The symbol at or below addr, or null when addr is below every symbol. */
  lookup(addr: bigint): Sym | null {
    if (this.text !== null) this.parse();
    const ah = Number(addr >> 32n);
    const al = Number(addr & 0xffffffffn);
    const H = this.hi;
    const L = this.lo;
    const n = H.length;
    const le = (i: number) => H[i]! < ah || (H[i] === ah && L[i]! <= al);
    if (n === 0 || !le(0)) return null;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (le(mid)) lo = mid;
      else hi = mid - 1;
    }
    const base = (BigInt(H[lo]!) << 32n) | BigInt(L[lo]!);
    return { name: this.names[lo]!, off: addr - base };
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
