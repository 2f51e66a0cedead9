// Comparing byte ranges four bytes at a time: a DataView load is one machine load, where a
// Uint8Array loop is one load, compare and branch per byte. The hot path compares the same
// chunk many times in a row, so its DataView is cached.

let lastBuf: Uint8Array | null = null;
let lastView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/** A DataView over exactly the bytes of b (index 0 = b[0]). */
export function viewOf(b: Uint8Array): DataView<ArrayBufferLike> {
  if (b !== lastBuf) {
    lastBuf = b;
    lastView = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  return lastView;
}

/** True when b[a, a+n) equals m[mOff, mOff+n); bv and mv are viewOf-style views of b and m. */
export function sameBytes(b: Uint8Array, bv: DataView, a: number, m: Uint8Array, mv: DataView, mOff: number, n: number): boolean {
  let k = 0;
  for (; k + 4 <= n; k += 4) if (bv.getUint32(a + k, true) !== mv.getUint32(mOff + k, true)) return false;
  for (; k < n; k++) if (b[a + k] !== m[mOff + k]) return false;
  return true;
}
