// Event format files (events/<system>/<event>/format): field layout and print fmt (formats.md §3.6).

export interface FieldDef {
  name: string;
  /** C type as written, without the array suffix, e.g. 'unsigned long', '__data_loc char[]'. */
  type: string;
  offset: number;
  size: number;
  signed: boolean;
  /** Fixed array element count; 0 for `x[]` (trailing dynamic array); -1 for scalars. */
  arrayLen: number;
  /** `__data_loc` (offset from record start) or `__rel_loc` (offset from the field's end). */
  loc: 'none' | 'data' | 'rel';
  /** char arrays and __data_loc char[]: print as a string. */
  isString: boolean;
  /** Pointer or `unsigned long`-like: rendered as hex in raw output. */
  isPointer: boolean;
  isLong: boolean;
}

export interface EventFormat {
  id: number;
  name: string;
  system: string;
  /** Fields after the common_* ones. */
  fields: FieldDef[];
  common: FieldDef[];
  byName: Map<string, FieldDef>;
  printFmt: string | null;
}

const FIELD_RE = /^\s*field:\s*(.*?);\s*offset:\s*(\d+);\s*size:\s*(\d+);(?:\s*signed:\s*(\d+);)?/;

export function parseFieldLine(line: string): FieldDef | null {
  const m = FIELD_RE.exec(line);
  if (!m) return null;
  let decl = m[1]!.trim();
  const offset = Number(m[2]);
  const size = Number(m[3]);
  const signed = m[4] === '1';
  let loc: FieldDef['loc'] = 'none';
  if (decl.startsWith('__data_loc ')) loc = 'data';
  else if (decl.startsWith('__rel_loc ')) loc = 'rel';
  let arrayLen = -1;
  const arr = /\[([^\]]*)\]\s*$/.exec(decl);
  let name: string;
  let type: string;
  if (loc !== 'none') {
    // `__data_loc char[] name`: the brackets belong to the type.
    const parts = decl.split(/\s+/);
    name = parts.pop()!;
    type = parts.join(' ');
  } else {
    if (arr) {
      arrayLen = arr[1] === '' ? 0 : Number(arr[1]) || 0;
      decl = decl.slice(0, arr.index).trim();
    }
    const nm = /([A-Za-z_][A-Za-z0-9_]*)$/.exec(decl);
    name = nm ? nm[1]! : decl;
    type = decl.slice(0, decl.length - name.length).trim();
  }
  // Old kernels declare trailing arrays without brackets: `char buf; size:0`.
  if (size === 0 && arrayLen === -1 && loc === 'none') arrayLen = 0;
  const isChar = /\bchar\b/.test(type) && !type.includes('*');
  const isString = isChar && (arrayLen >= 0 || loc !== 'none');
  const isPointer = type.includes('*');
  const isLong = /\blong\b/.test(type) && !/\blong\s+long\b/.test(type);
  return { name, type, offset, size, signed, arrayLen, loc, isString, isPointer, isLong };
}

export function parseFormat(text: string, system: string): EventFormat {
  const nameM = /^name:\s*(\S+)/m.exec(text);
  const idM = /^ID:\s*(\d+)/m.exec(text);
  if (!nameM || !idM) throw new Error('format text has no name: or ID: line');
  const fields: FieldDef[] = [];
  const common: FieldDef[] = [];
  for (const line of text.split('\n')) {
    const f = parseFieldLine(line);
    if (!f) continue;
    (f.name.startsWith('common_') ? common : fields).push(f);
  }
  const pf = /^print fmt:\s*(.*)$/m.exec(text);
  const byName = new Map<string, FieldDef>();
  for (const f of [...common, ...fields]) byName.set(f.name, f);
  return { id: Number(idM[1]), name: nameM[1]!, system, fields, common, byName, printFmt: pf ? pf[1]!.trim() : null };
}

export interface PageHeader {
  timestampOffset: number;
  commitOffset: number;
  /** Kernel sizeof(long): 8 or 4. */
  commitSize: number;
  dataOffset: number;
}

/** header_page gives where the commit word and the data are; defaults are the 64-bit layout. */
export function parseHeaderPage(text: string, fallbackLong: number): PageHeader {
  const get = (name: string) => {
    for (const line of text.split('\n')) {
      const f = parseFieldLine(line.replace(/^\s*field:\s*/, 'field:'));
      if (f && f.name === name) return f;
    }
    return null;
  };
  const ts = get('timestamp');
  const commit = get('commit');
  const data = get('data');
  const commitSize = commit?.size ?? fallbackLong;
  return {
    timestampOffset: ts?.offset ?? 0,
    commitOffset: commit?.offset ?? 8,
    commitSize,
    dataOffset: data?.offset ?? 8 + commitSize,
  };
}
