import { readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';

// Minimal glob over the file system: '*' and '?' within one path segment, '**' for any depth.
// Node 20 has no fs.glob; scenario globs need no more than this.

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (const ch of seg) re += ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`);
}

const hasMagic = (seg: string): boolean => /[*?]/.test(seg);

async function entries(dir: string): Promise<Array<{ name: string; dir: boolean }>> {
  try {
    const ents = await readdir(dir, { withFileTypes: true });
    return ents.map((e) => ({ name: e.name, dir: e.isDirectory() || (e.isSymbolicLink() && !e.isFile()) }));
  } catch {
    return [];
  }
}

/** Absolute paths matching `pattern` (relative to `cwd`), sorted by code unit. Hidden names match only an explicit '.'. */
export async function glob(pattern: string, cwd: string): Promise<string[]> {
  const abs = isAbsolute(pattern) ? pattern : join(cwd, pattern);
  const segs = abs.split(/[\\/]+/).filter((s, i) => s.length > 0 || i === 0);
  // Start from the longest literal prefix.
  let i = 0;
  let base = segs[0] === '' ? sep : '';
  if (segs[0] === '') i = 1;
  while (i < segs.length - 1 && !hasMagic(segs[i]!)) base = join(base, segs[i++]!);
  const out = new Set<string>();
  await walk(resolve(base || sep), segs.slice(i), out);
  return [...out].sort();
}

async function walk(dir: string, rest: string[], out: Set<string>): Promise<void> {
  if (rest.length === 0) {
    out.add(dir);
    return;
  }
  const [seg, ...tail] = rest as [string, ...string[]];
  if (seg === '**') {
    await walk(dir, tail, out); // zero directories
    for (const e of await entries(dir)) if (e.dir && !e.name.startsWith('.')) await walk(join(dir, e.name), rest, out);
    return;
  }
  if (!hasMagic(seg)) {
    const ents = await entries(dir);
    if (ents.some((e) => e.name === seg) && (tail.length === 0 || ents.find((e) => e.name === seg)!.dir)) await walk(join(dir, seg), tail, out);
    return;
  }
  const re = segmentRegex(seg);
  for (const e of await entries(dir)) {
    if (e.name.startsWith('.') && !seg.startsWith('.')) continue;
    if (!re.test(e.name)) continue;
    if (tail.length > 0 && !e.dir) continue;
    await walk(join(dir, e.name), tail, out);
  }
}
