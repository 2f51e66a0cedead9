// The simulator's one event queue: a binary min-heap on typed arrays, ordered by (time, insertion
// sequence). The sequence makes ties deterministic: two events at the same ns run in the order
// they were scheduled. Cancellation is by token: a handler compares the token it was scheduled
// with against the owner's current one and ignores stale events (cheaper than heap deletion).

export class EventQueue {
  private tsNs: Float64Array;
  private seq: Float64Array;
  private kind: Uint8Array;
  private a: Int32Array;
  private tok: Float64Array;
  private size = 0;
  private nextSeq = 0;

  constructor(capacity = 1024) {
    this.tsNs = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.a = new Int32Array(capacity);
    this.tok = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(tsNs: number, kind: number, a: number, token: number): void {
    if (this.size === this.tsNs.length) this.grow();
    let i = this.size++;
    const s = this.nextSeq++;
    // Sift up with a hole instead of swaps.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.tsNs[p]! < tsNs || (this.tsNs[p] === tsNs && this.seq[p]! < s)) break;
      this.move(p, i);
      i = p;
    }
    this.tsNs[i] = tsNs;
    this.seq[i] = s;
    this.kind[i] = kind;
    this.a[i] = a;
    this.tok[i] = token;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTs(): number {
    return this.size ? this.tsNs[0]! : Infinity;
  }

  // The popped event, readable until the next pop.
  popTsNs = 0;
  popKind = 0;
  popA = 0;
  popToken = 0;

  /** Remove the earliest event into popTsNs/popKind/popA/popToken. Returns false when empty. */
  pop(): boolean {
    if (this.size === 0) return false;
    this.popTsNs = this.tsNs[0]!;
    this.popKind = this.kind[0]!;
    this.popA = this.a[0]!;
    this.popToken = this.tok[0]!;
    const last = --this.size;
    if (last === 0) return true;
    const t = this.tsNs[last]!;
    const s = this.seq[last]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      const r = c + 1;
      if (r < last && (this.tsNs[r]! < this.tsNs[c]! || (this.tsNs[r] === this.tsNs[c] && this.seq[r]! < this.seq[c]!))) c = r;
      if (t < this.tsNs[c]! || (t === this.tsNs[c] && s < this.seq[c]!)) break;
      this.move(c, i);
      i = c;
    }
    this.move(last, i);
    return true;
  }

  private move(from: number, to: number): void {
    this.tsNs[to] = this.tsNs[from]!;
    this.seq[to] = this.seq[from]!;
    this.kind[to] = this.kind[from]!;
    this.a[to] = this.a[from]!;
    this.tok[to] = this.tok[from]!;
  }

  private grow(): void {
    const n = this.tsNs.length * 2;
    const g = <T extends Float64Array | Uint8Array | Int32Array>(old: T, ctor: new (n: number) => T): T => {
      const x = new ctor(n);
      x.set(old);
      return x;
    };
    this.tsNs = g(this.tsNs, Float64Array);
    this.seq = g(this.seq, Float64Array);
    this.kind = g(this.kind, Uint8Array);
    this.a = g(this.a, Int32Array);
    this.tok = g(this.tok, Float64Array);
  }
}
