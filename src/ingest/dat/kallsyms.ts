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
  private lineAt = new Int32Array(0);
  private source = '';
  private text: string | null;

  /** Parsing a full kallsyms (~5 MB) is deferred to the first lookup: many traces need none. */
  constructor(text: string) {
    this.text = text;
  }

  /** Parse now rather than at the first lookup: readDat() does it while zstd runs. */
  warm(): void {
    if (this.text !== null) this.parse();
  }

  private parse(): void {
    const text = this.text!;
    this.text = null;
    // One pass over char codes; names are sliced only for the symbols looked up.
    let cap = 1 << 16;
    let hi = new Uint32Array(cap);
    let lo = new Uint32Array(cap);
    let at = new Int32Array(cap);
    let n = 0;
    const len = text.length;
    let pos = 0;
    while (pos < len) {
      let h = 0;
      let l = 0;
      let digits = 0;
      let c = text.charCodeAt(pos);
      while (digits < 17) {
        const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
        if (d < 0) break;
        h = ((h * 16) + Math.floor(l / 0x10000000)) >>> 0;
        l = ((l * 16) % 0x100000000) + d;
        digits++;
        c = text.charCodeAt(pos + digits);
      }
      const lineStart = pos;
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = len;
      if (c === 32 && digits > 0 && (h || l)) {
        if (n === cap) {
          cap *= 2;
          const h2 = new Uint32Array(cap);
          h2.set(hi);
          hi = h2;
          const l2 = new Uint32Array(cap);
          l2.set(lo);
          lo = l2;
          const a2 = new Int32Array(cap);
          a2.set(at);
          at = a2;
        }
        hi[n] = h;
        lo[n] = l;
        at[n] = lineStart;
        n++;
      }
      pos = nl + 1;
    }
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) sorted = hi[i - 1]! < hi[i]! || (hi[i - 1] === hi[i] && lo[i - 1]! <= lo[i]!);
    if (!sorted) {
      // /proc/kallsyms lists modules after the core kernel, out of address order.
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]!);
      hi = Uint32Array.from(order, (i) => hi[i]!);
      lo = Uint32Array.from(order, (i) => lo[i]!);
      at = Int32Array.from(order, (i) => at[i]!);
    }
    this.hi = hi.subarray(0, n);
    this.lo = lo.subarray(0, n);
    this.lineAt = at.subarray(0, n);
    this.source = text;
  }

  /** "addr type name[\tmodule]" -> name. */
  private nameAt(i: number): string {
    const t = this.source;
    const s = this.lineAt[i]!;
    let nl = t.indexOf('\n', s);
    if (nl < 0) nl = t.length;
    const sp1 = t.indexOf(' ', s);
    const sp2 = t.indexOf(' ', sp1 + 1);
    if (sp1 < 0 || sp2 < 0 || sp2 > nl) return '';
    let name = t.slice(sp2 + 1, nl);
    const tab = name.indexOf('\t');
    if (tab >= 0) name = name.slice(0, tab);
    return name.trim();
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
    return { name: this.nameAt(lo), off: addr - base };
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
