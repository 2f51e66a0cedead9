import type { PageHeader } from './formatFile.js';

// Ring-buffer pages -> an index of records (formats.md §3.5; libtraceevent kbuffer-parse.c).
// One pass per CPU writes timestamps and record offsets into typed arrays; no per-event objects.

const COMMIT_MASK = (1 << 27) - 1;
const MISSING_EVENTS = 0x80000000;
const MISSING_STORED = 0x40000000;
const TS_SHIFT_MUL = 2 ** 27;

export interface CpuRecords {
  cpu: number;
  data: Uint8Array;
  view: DataView;
  n: number;
  /** Raw (clock-domain) timestamps. */
  ts: Float64Array;
  /** Offset of each record's payload (its common_type) in `data`. */
  off: Uint32Array;
  len: Uint32Array;
  /** File offset of data[0], or -1 when data was decompressed (offsets are then within it). */
  fileBase: number;
}

export interface PageLoss {
  cpu: number;
  /** The CpuRecords (index in the reader's list) the loss belongs to; set by the caller. */
  src?: number;
  /** Index in this CPU's records of the first record after the loss (may equal n). */
  beforeRecord: number;
  /** Raw timestamp of the page that reported it. */
  pageTs: number;
  /** Lost events when the kernel stored the count, else null. */
  events: number | null;
  /** 'lost' = ring-buffer MISSING_EVENTS flag; 'corrupt' = page we could not decode. */
  kind: 'lost' | 'corrupt';
  detail?: string;
}

/** Scan one CPU's pages. Corrupt pages are skipped and reported, never thrown. */
export function scanCpuPages(
  data: Uint8Array,
  cpu: number,
  little: boolean,
  ph: PageHeader,
  pageSize: number,
  losses: PageLoss[],
  /** Byte offset of data[0] in the file (uncompressed data) or -1 (decompressed chunks). */
  fileBase: number,
): CpuRecords {
  const s = new PageScanner(data, cpu, little, ph, pageSize, fileBase);
  s.scan(data.length, true, losses);
  return s.records();
}

/**
 * scanCpuPages() in steps, for data that arrives in order (a background decompressor filling
 * `data`): scan(filled) reads the whole pages below `filled`, scan(.., true) the rest. The steps
 * give the same records and losses as one scan of the finished data.
 */
export class PageScanner implements CpuRecords {
  readonly view: DataView;
  n = 0;
  ts: Float64Array;
  off: Uint32Array;
  len: Uint32Array;
  /** Next page to read (byte offset in data). */
  private page = 0;
  private cap: number;
  /** Index in the reader's CPU list, stamped on the losses this scanner reports. */
  src: number | undefined;

  constructor(
    readonly data: Uint8Array,
    readonly cpu: number,
    private readonly little: boolean,
    private readonly ph: PageHeader,
    private readonly pageSize: number,
    readonly fileBase: number,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    // Real records average 30-60 bytes with their headers; grow if a file packs them tighter.
    this.cap = Math.max(64, (data.length / 40) | 0);
    this.ts = new Float64Array(this.cap);
    this.off = new Uint32Array(this.cap);
    this.len = new Uint32Array(this.cap);
  }

  /** Bytes of data scanned so far: records below this offset are indexed. */
  get scanned(): number {
    return this.page;
  }

  /** The records, trimmed to n (after the last scan). */
  records(): CpuRecords {
    const { cpu, data, view, n, fileBase } = this;
    return { cpu, data, view, n, ts: this.ts.subarray(0, n), off: this.off.subarray(0, n), len: this.len.subarray(0, n), fileBase };
  }

  private grow(): void {
    this.cap *= 2;
    const t2 = new Float64Array(this.cap);
    t2.set(this.ts);
    this.ts = t2;
    const o2 = new Uint32Array(this.cap);
    o2.set(this.off);
    this.off = o2;
    const l2 = new Uint32Array(this.cap);
    l2.set(this.len);
    this.len = l2;
  }

  /** Index the pages that end at or below `filled`; with `last`, every remaining page. */
  scan(filled: number, last: boolean, losses: PageLoss[]): void {
    const { data, view, little, ph, pageSize, fileBase, cpu } = this;
    const src = this.src;
    const lose = (x: PageLoss) => {
      if (src !== undefined) x.src = src;
      losses.push(x);
    };
    let { ts, off, len, n, cap } = this;
    // The low 32 bits of the commit word hold size and flags, for 4- and 8-byte commit fields.
    const commitLow = ph.commitOffset + (!little && ph.commitSize === 8 ? 4 : 0);
    const where = (p: number) => (fileBase >= 0 ? `byte ${fileBase + p}` : `page ${(p / pageSize) | 0}`);
    let page = this.page;
    for (; last ? page + ph.dataOffset <= data.length : page + pageSize <= filled; page += pageSize) {
      const pageTs = view.getUint32(page + ph.timestampOffset + (little ? 4 : 0), little) * 4294967296 + view.getUint32(page + ph.timestampOffset + (little ? 0 : 4), little);
      const commit = view.getUint32(page + commitLow, little);
      const size = commit & COMMIT_MASK;
      const dataStart = page + ph.dataOffset;
      const pageEnd = Math.min(page + pageSize, data.length);
      if (size === 0 && pageTs === 0 && commit === 0) continue; // unused page
      if (dataStart + size > pageEnd) {
        lose({ cpu, beforeRecord: n, pageTs, events: null, kind: 'corrupt', detail: `CPU ${cpu} page at ${where(page)}: commit size ${size} exceeds the page` });
        continue;
      }
      if (commit & MISSING_EVENTS) {
        let events: number | null = null;
        if (commit & MISSING_STORED && dataStart + size + ph.commitSize <= pageEnd) {
          events = ph.commitSize === 8 ? view.getUint32(dataStart + size + (little ? 0 : 4), little) + view.getUint32(dataStart + size + (little ? 4 : 0), little) * 4294967296 : view.getUint32(dataStart + size, little);
        }
        lose({ cpu, beforeRecord: n, pageTs, events, kind: 'lost' });
      }
      let t = pageTs;
      let p = dataStart;
      const end = dataStart + size;
      while (p + 4 <= end) {
        const hdr = view.getUint32(p, little);
        const typeLen = hdr & 31;
        const delta = hdr >>> 5;
        if (typeLen === 0) {
          if (p + 8 > end) break;
          const l = view.getUint32(p + 4, little);
          const dl = ((l - 4 + 3) & ~3) >>> 0;
          if (l < 4 || p + 8 + dl > end) {
            lose({ cpu, beforeRecord: n, pageTs, events: null, kind: 'corrupt', detail: `CPU ${cpu} page at ${where(page)}: event length ${l} overruns the page at offset ${p - page}` });
            break;
          }
          t += delta;
          if (n === cap) {
            this.grow();
            ({ ts, off, len, cap } = this);
          }
          ts[n] = t;
          off[n] = p + 8;
          len[n] = dl;
          n++;
          p += 8 + dl;
        } else if (typeLen <= 28) {
          const dl = typeLen * 4;
          if (p + 4 + dl > end) {
            lose({ cpu, beforeRecord: n, pageTs, events: null, kind: 'corrupt', detail: `CPU ${cpu} page at ${where(page)}: event overruns the page at offset ${p - page}` });
            break;
          }
          t += delta;
          if (n === cap) {
            this.grow();
            ({ ts, off, len, cap } = this);
          }
          ts[n] = t;
          off[n] = p + 4;
          len[n] = dl;
          n++;
          p += 4 + dl;
        } else if (typeLen === 29) {
          // Padding: delta 0 means the rest of the page is empty.
          if (delta === 0 || p + 8 > end) break;
          const l = view.getUint32(p + 4, little);
          t += delta;
          p += 4 + Math.max(4, l);
        } else if (typeLen === 30) {
          if (p + 8 > end) break;
          t += view.getUint32(p + 4, little) * TS_SHIFT_MUL + delta;
          p += 8;
        } else {
          // Absolute timestamp: 59 bits stored; the top bits of the running clock are kept.
          if (p + 8 > end) break;
          const abs = view.getUint32(p + 4, little) * TS_SHIFT_MUL + delta;
          const top = Math.floor(t / 2 ** 59) * 2 ** 59;
          t = top + abs;
          p += 8;
        }
      }
    }
    this.page = page;
    this.n = n;
  }
}
