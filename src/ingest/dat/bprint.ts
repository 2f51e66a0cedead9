import { asciiZ } from './fieldAccess.js';
import type { EvalEnv, Value } from './printFmt.js';
import { splitFormat, sprintf } from './printf.js';

/**
 * trace_printk's binary form: the format lives in printk_formats, the arguments are packed in
 * `buf` as vbin_printf stored them (ints aligned to their size, 8-byte values to 4, strings inline).
 */
export function bprintf(fmt: string, data: Uint8Array, view: DataView, start: number, end: number, little: boolean, kernelLong: number, env: EvalEnv): string {
  const values: Value[] = [];
  let p = start;
  const align = (n: number) => {
    p = start + (((p - start + n - 1) / n) | 0) * n;
  };
  const readN = (size: number, signed: boolean): bigint => {
    align(Math.min(size, 4));
    if (p + size > end) {
      p = end;
      return 0n;
    }
    let v: bigint;
    if (size === 8) v = signed ? view.getBigInt64(p, little) : view.getBigUint64(p, little);
    else if (size === 4) v = BigInt(signed ? view.getInt32(p, little) : view.getUint32(p, little));
    else if (size === 2) v = BigInt(signed ? view.getInt16(p, little) : view.getUint16(p, little));
    else v = BigInt(signed ? view.getInt8(p) : view.getUint8(p));
    p += size;
    return v;
  };
  for (const part of splitFormat(fmt)) {
    if (typeof part === 'string') continue;
    if (part.star) values.push(readN(4, true));
    if (part.conv === 's') {
      const s = asciiZ(data, p, end);
      let q = p;
      while (q < end && data[q] !== 0) q++;
      p = Math.min(q + 1, end);
      values.push(s);
      continue;
    }
    let size = 4;
    if (part.conv === 'p' || part.len === 'l' || part.len === 'z' || part.len === 't') size = kernelLong;
    else if (part.len === 'll' || part.len === 'L' || part.len === 'q' || part.len === 'j') size = 8;
    else if (part.len === 'hh' || part.conv === 'c') size = 1;
    else if (part.len === 'h') size = 2;
    values.push(readN(size, part.conv === 'd' || part.conv === 'i'));
  }
  return sprintf(fmt, values, env);
}
