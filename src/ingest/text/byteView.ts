// Comparing byte ranges four bytes at a time: a DataView load is one machine load, where a
// Uint8Array loop is one load, compare and branch per byte. The hot path compares the same
// chunk many times in a row, so its DataView is cached.

// An object, not two module-level `let`s: every read of a module `let` carries a TDZ check.
const last = { buf: new Uint8Array(0) as Uint8Array<ArrayBufferLike>, view: new DataView(new ArrayBuffer(0)) as DataView<ArrayBufferLike> };

/** A DataView over exactly the bytes of b (index 0 = b[0]). */
export function viewOf(b: Uint8Array): DataView<ArrayBufferLike> {
  if (b !== last.buf) {
    last.buf = b;
    last.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  return last.view;
}

/** True when b[a, a+n) equals m[mOff, mOff+n); bv and mv are viewOf-style views of b and m. */
export function sameBytes(b: Uint8Array, bv: DataView, a: number, m: Uint8Array, mv: DataView, mOff: number, n: number): boolean {
  let k = 0;
  for (; k + 4 <= n; k += 4) if (bv.getUint32(a + k, true) !== mv.getUint32(mOff + k, true)) return false;
  for (; k < n; k++) if (b[a + k] !== m[mOff + k]) return false;
  return true;
}
