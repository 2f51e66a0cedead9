import { createHash } from 'node:crypto';
import type { Trace } from '../src/tables/index.js';

/**
 * One hash over everything a text read produces: meta (the file path replaced, so the digest
 * does not depend on where the checkout is), the string dictionary, and every column of every
 * table, row for row. Typed columns are hashed as their bytes, text columns as JSON.
 */
export function traceDigest(t: Trace, path: string): string {
  const h = createHash('sha256');
  const json = (v: unknown) =>
    JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? `num:${x}` : x)).split(path).join('<path>');
  h.update(json({ format: t.format, n: t.machines.length }));
  for (const m of t.machines) {
    h.update(json(m.meta));
    h.update(json(m.strings));
    for (const [name, v] of Object.entries(m)) {
      if (name === 'meta' || name === 'strings') continue;
      const tab = v as { length: number; cols: Record<string, unknown> };
      h.update(json([name, tab.length]));
      for (const [col, a] of Object.entries(tab.cols)) {
        h.update(col);
        if (ArrayBuffer.isView(a)) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
        else h.update(json(a));
      }
    }
  }
  return h.digest('hex').slice(0, 32);
}

/**
 * Seeded damaged copies of a trace (truncation, replaced, deleted, inserted and duplicated
 * bytes, CRLF and UTF-8 comms): the odd lines that leave the fast path for the fallback.
 */
export function mutants(orig: Uint8Array, count: number, seed: number): Uint8Array[] {
  let s = seed >>> 0;
  const rnd = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const special = Buffer.from('[]:- =()._\t\r0123456789x#|<>,\u00e9\u4e2d\u0000\u0007', 'utf8');
  const text = Buffer.from(orig).toString('utf8');
  const crlf = Buffer.from(Buffer.from(orig).toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
  const utf = Buffer.from(
    text
      .replace(/(\s)(\S{1,10})-(\d+)(\s+(?:\(|\[))/g, (_m, a: string, c: string, p: string, z: string) => `${a}${c}\u00e9\u4e2d-${p}${z}`)
      .replace(/comm=(\S+)/g, 'comm=$1\u00fc'),
    'utf8',
  );
  const out: Uint8Array[] = [crlf, utf];
  for (let v = 0; v < count; v++) {
    let b = Buffer.from(v % 2 ? utf : orig);
    const nm = 1 + rnd(6);
    for (let j = 0; j < nm && b.length > 2; j++) {
      const at = rnd(b.length);
      switch (rnd(6)) {
        case 0:
          b = b.subarray(0, at);
          break;
        case 1:
          b[at] = special[rnd(special.length)]!;
          break;
        case 2:
          b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rnd(20)))]);
          break;
        case 3:
          b = Buffer.concat([b.subarray(0, at), special.subarray(rnd(special.length)).subarray(0, 1 + rnd(3)), b.subarray(at)]);
          break;
        case 4: {
          const nl = b.indexOf(10, at);
          const nl2 = nl < 0 ? -1 : b.indexOf(10, nl + 1);
          if (nl2 > 0) b = Buffer.concat([b.subarray(0, nl2), b.subarray(nl, nl2), b.subarray(nl2)]);
          break;
        }
        default:
          b[at] = 48 + rnd(10);
      }
    }
    out.push(b);
  }
  return out;
}
