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
        // 64-bit shift across the two u32 halves (a 17th digit drops out of the top).
        h = ((h << 4) | (l >>> 28)) >>> 0;
        l = ((l << 4) | d) >>> 0;
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
    // /proc/kallsyms lists modules after the core kernel, out of address order.
    if (!sorted) [hi, lo, at] = sortRuns(hi, lo, at, n);
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

/**
 * Stable sort of (hi, lo, at) rows by (hi, lo): merges the ascending runs pairwise. kallsyms is a
 * long sorted core plus module runs, so this does a few linear passes where an index sort with a
 * comparator closure cost ~50 ms on a 150k-symbol table. Ties keep input order, as Array#sort did.
 */
type U32 = Uint32Array<ArrayBuffer>;
type I32 = Int32Array<ArrayBuffer>;

function sortRuns(hi: U32, lo: U32, at: I32, n: number): [U32, U32, I32] {
  let runs: number[] = [0];
  for (let i = 1; i < n; i++) if (hi[i - 1]! > hi[i]! || (hi[i - 1] === hi[i] && lo[i - 1]! > lo[i]!)) runs.push(i);
  runs.push(n);
  let sh = hi.slice(0, n);
  let sl = lo.slice(0, n);
  let sa = at.slice(0, n);
  let dh = new Uint32Array(n);
  let dl = new Uint32Array(n);
  let da = new Int32Array(n);
  while (runs.length > 2) {
    const next: number[] = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const a0 = runs[r]!;
      const a1 = runs[r + 1]!;
      const b1 = r + 2 < runs.length ? runs[r + 2]! : a1;
      let i = a0;
      let j = a1;
      let o = a0;
      while (i < a1 && j < b1) {
        // Take from the right run only when strictly smaller: equal keys keep input order.
        if (sh[j]! < sh[i]! || (sh[j] === sh[i] && sl[j]! < sl[i]!)) {
          dh[o] = sh[j]!;
          dl[o] = sl[j]!;
          da[o++] = sa[j++]!;
        } else {
          dh[o] = sh[i]!;
          dl[o] = sl[i]!;
          da[o++] = sa[i++]!;
        }
      }
      for (; i < a1; i++, o++) {
        dh[o] = sh[i]!;
        dl[o] = sl[i]!;
        da[o] = sa[i]!;
      }
      for (; j < b1; j++, o++) {
        dh[o] = sh[j]!;
        dl[o] = sl[j]!;
        da[o] = sa[j]!;
      }
      next.push(b1);
    }
    runs = next;
    [sh, dh] = [dh, sh];
    [sl, dl] = [dl, sl];
    [sa, da] = [da, sa];
  }
  return [sh, sl, sa];
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
