import { spawn, type ChildProcess } from 'node:child_process';
import { close as fsClose, closeSync, fstatSync, openSync, read as fsRead, readSync, statfsSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdCliAvailable } from '../open.js';
import { hasNativeZstd } from './zstd.js';

// v7 zstd pages decompressed by ONE background `zstd` process while this thread decodes.
//
// The reader's k-way merge needs every CPU's next record, so each CPU's chunks are cut into
// pieces of about `pieceRawBytes` and fed to zstd in the order the merge will want them (by the
// share of that CPU's data each piece ends at). zstd writes the concatenated output to a file
// (unlinked at once; we keep the descriptor) at ~1 GB/s, far ahead of the decode, and the
// reader pulls in a piece when its merge reaches it: the decode starts after the first pieces
// instead of after all of them. Whatever goes wrong (spawn, exit code, size) makes feed() throw
// ZstdStreamFailed, and the caller decodes the file again on the synchronous path.

/** Internal knobs; tests shrink them to drive the stream with the small fixtures. */
export const streamTuning = {
  /** Below this many compressed bytes a process spawn costs more than fzstd. */
  minCompressedBytes: 64 << 10,
  /** Decompressed bytes per piece. */
  pieceRawBytes: 1 << 20,
  /** At most this many bytes are pulled in per feed() (pieces already written). */
  maxFeedBytes: 16 << 20,
};

export class ZstdStreamFailed extends Error {}

/** One CPU's data as it arrives: data[0, filled) is final; complete once all of it is. */
export interface StreamedCpu {
  data: Uint8Array;
  filled: number;
  complete: boolean;
}

interface Piece {
  /** Offset in the CPU's data. */
  at: number;
  len: number;
  /** Offset in zstd's output. */
  outAt: number;
}

interface Frame {
  frame: Uint8Array;
  size: number;
}

interface CpuJob<K> {
  key: K;
  frames: Uint8Array[];
  sizes: number[];
}

interface Pending {
  /** Pieces below this index are being read. */
  upto: number;
  done: Promise<void>;
}

interface CpuState {
  cpu: StreamedCpu;
  pieces: Piece[];
  /** First piece not yet in `cpu.data`. */
  next: number;
  pending: Pending | null;
}

/** Where temp files go: tmpfs when it has room (the output is the whole decompressed trace; a container's /dev/shm is often 64 MB). */
function scratchDir(bytes: number): string {
  try {
    const s = statfsSync('/dev/shm');
    if (s.bavail * s.bsize > bytes * 1.25 + (64 << 20)) return '/dev/shm';
  } catch {
    /* no /dev/shm */
  }
  return tmpdir();
}

/** The frames back to back from offset 0, with positioned writes (the descriptor's offset stays 0). */
function writeAll(fd: number, frames: Uint8Array[], total: number): void {
  let pos = 0;
  for (let i = 0; i < frames.length; ) {
    const batch = frames.slice(i, i + 512);
    let n = 0;
    for (const f of batch) n += f.length;
    const wrote = writevSync(fd, batch, pos);
    if (wrote !== n) {
      // Rare short write: finish this batch frame by frame.
      let done = wrote;
      let at = pos;
      for (const f of batch) {
        if (done >= f.length) {
          done -= f.length;
          at += f.length;
          continue;
        }
        for (let w = done; w < f.length; ) w += writeSync(fd, f, w, f.length - w, at + w);
        at += f.length;
        done = 0;
      }
    }
    pos += n;
    i += batch.length;
  }
  if (pos !== total) throw new Error(`wrote ${pos} of ${total} bytes`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class ZstdStream<K> {
  readonly cpus = new Map<K, StreamedCpu>();
  private readonly state = new Map<K, CpuState>();
  private exitCode: number | null | undefined = undefined;
  private readonly exited: Promise<void>;
  private child: ChildProcess | null = null;
  private outFd = -1;
  private outSize = -1;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly outTotal: number;
  private readonly headLen: number;
  private readonly headSizes: number[];

  /**
   * Starts zstd on the `head` frames (decompressed first: sections needed before the decode) and
   * the CPUs' chunks, or returns null (nothing started) when the synchronous path is the one to use.
   */
  static start<K>(head: Frame[], jobs: CpuJob<K>[]): ZstdStream<K> | null {
    let compressed = 0;
    for (const h of head) compressed += h.frame.length;
    for (const j of jobs) for (const f of j.frames) compressed += f.length;
    if (hasNativeZstd() || compressed < streamTuning.minCompressedBytes || !zstdCliAvailable()) return null;
    try {
      return new ZstdStream(head, jobs, compressed);
    } catch {
      return null;
    }
  }

  private constructor(head: Frame[], jobs: CpuJob<K>[], compressed: number) {
    // Cut each CPU's chunks into pieces and order them by the share of the CPU they end at.
    const order: Array<{ end: number; k: number; piece: Piece; frames: Uint8Array[] }> = [];
    const sizes: number[] = [];
    jobs.forEach((j, k) => {
      let total = 0;
      for (const s of j.sizes) total += s;
      // data is allocated once zstd runs (below): the spawn comes first.
      const st: CpuState = { cpu: { data: new Uint8Array(0), filled: 0, complete: total === 0 }, pieces: [], next: 0, pending: null };
      sizes.push(total);
      let at = 0;
      for (let i = 0; i < j.frames.length; ) {
        const start = at;
        const frames: Uint8Array[] = [];
        do {
          frames.push(j.frames[i]!);
          at += j.sizes[i]!;
          i++;
        } while (i < j.frames.length && at - start < streamTuning.pieceRawBytes);
        const piece: Piece = { at: start, len: at - start, outAt: 0 };
        st.pieces.push(piece);
        order.push({ end: at / total, k, piece, frames });
      }
      this.state.set(j.key, st);
      this.cpus.set(j.key, st.cpu);
    });
    order.sort((a, b) => a.end - b.end || a.k - b.k);
    this.headSizes = head.map((h) => h.size);
    let outAt = 0;
    const input: Uint8Array[] = [];
    for (const h of head) {
      input.push(h.frame);
      outAt += h.size;
    }
    this.headLen = outAt;
    for (const o of order) {
      o.piece.outAt = outAt;
      outAt += o.piece.len;
      for (const f of o.frames) input.push(f);
    }
    this.outTotal = outAt;

    // Both files are unlinked right away: the descriptors keep them, nothing is left behind.
    const base = join(scratchDir(compressed + outAt), `vcpu-replay-zstd-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    const inFd = openSync(base + '.in', 'w+');
    try {
      unlinkSync(base + '.in');
      writeAll(inFd, input, compressed);
      this.outFd = openSync(base + '.out', 'w+');
      unlinkSync(base + '.out');
      // zstd reads its stdin from offset 0 (positioned writes left the offset there) and
      // appends to our output file through its stdout.
      const child = spawn('zstd', ['-d', '-q', '-c'], { stdio: [inFd, this.outFd, 'ignore'] });
      this.child = child;
      this.exited = new Promise<void>((resolve) => {
        child.on('error', () => {
          this.exitCode = null;
          resolve();
        });
        child.on('close', (code) => {
          this.exitCode = code;
          resolve();
        });
      });
    } catch (e) {
      if (this.outFd >= 0) closeSync(this.outFd);
      throw e;
    } finally {
      closeSync(inFd);
    }
    jobs.forEach((j, k) => (this.state.get(j.key)!.cpu.data = new Uint8Array(sizes[k]!)));
  }

  /** Bytes zstd has written so far; throws once it has exited without writing them all. */
  private written(): number {
    const size = fstatSync(this.outFd).size;
    if (this.exitCode !== undefined && (this.exitCode !== 0 || size !== this.outTotal)) {
      throw new ZstdStreamFailed(`zstd ${this.exitCode === null ? 'did not run' : `exited with ${this.exitCode}`} after ${size} of ${this.outTotal} bytes`);
    }
    return size;
  }

  private async waitFor(outEnd: number): Promise<void> {
    while (this.written() < outEnd) await sleep(1);
  }

  private read(into: Uint8Array, at: number, len: number, outAt: number): void {
    for (let got = 0; got < len; ) {
      const r = readSync(this.outFd, into, at + got, len - got, outAt + got);
      if (r <= 0) throw new ZstdStreamFailed(`short read at byte ${outAt + got} of zstd's output`);
      got += r;
    }
  }

  /** read() on libuv's pool: the copy runs on another core while this thread decodes. */
  private async readAsync(into: Uint8Array, at: number, len: number, outAt: number): Promise<void> {
    for (let got = 0; got < len; ) {
      const r = await new Promise<number>((res, rej) => fsRead(this.outFd, into, at + got, len - got, outAt + got, (e, n) => (e ? rej(e) : res(n))));
      if (r <= 0) throw new ZstdStreamFailed(`short read at byte ${outAt + got} of zstd's output`);
      got += r;
    }
  }

  /** Start reading this CPU's pieces from `next` on that zstd has written (at least one, which must be). */
  private readAhead(st: CpuState): Pending {
    const size = this.written();
    const reads: Promise<void>[] = [];
    let upto = st.next;
    let bytes = 0;
    while (upto < st.pieces.length && bytes < streamTuning.maxFeedBytes) {
      const p = st.pieces[upto]!;
      if (p.outAt + p.len > size) break;
      reads.push(this.readAsync(st.cpu.data, p.at, p.len, p.outAt));
      bytes += p.len;
      upto++;
    }
    const done = Promise.all(reads).then(() => undefined);
    // Settled before the file is closed (release); a failure surfaces in feed().
    this.inFlight.add(done.catch(() => undefined));
    return { upto, done };
  }

  /** The head frames' bytes, once written. */
  async head(): Promise<Uint8Array[]> {
    await this.waitFor(this.headLen);
    const all = new Uint8Array(this.headLen);
    this.read(all, 0, this.headLen, 0);
    const out: Uint8Array[] = [];
    let at = 0;
    for (const size of this.headSizes) {
      out.push(all.subarray(at, at + size));
      at += size;
    }
    return out;
  }

  /**
   * Pull in at least the next piece of this CPU (waiting for zstd when needed). The pieces after
   * it that are already written start reading in the background, for the next call.
   */
  async feed(key: K): Promise<void> {
    const st = this.state.get(key);
    if (!st || st.next >= st.pieces.length) return;
    if (!st.pending) {
      const p = st.pieces[st.next]!;
      await this.waitFor(p.outAt + p.len);
      st.pending = this.readAhead(st);
    }
    const { upto, done } = st.pending;
    st.pending = null;
    try {
      await done;
    } catch (e) {
      throw e instanceof ZstdStreamFailed ? e : new ZstdStreamFailed(`reading zstd's output: ${(e as Error).message}`);
    }
    st.next = upto;
    const last = st.pieces[upto - 1]!;
    st.cpu.filled = last.at + last.len;
    st.cpu.complete = st.next === st.pieces.length;
    if (!st.cpu.complete) {
      const p = st.pieces[st.next]!;
      if (p.outAt + p.len <= this.written()) st.pending = this.readAhead(st);
    }
  }

  /** Waits for zstd to exit and releases the output file; then ok() says whether it all went right. */
  async finish(): Promise<void> {
    await this.exited;
    await this.release();
  }

  /** Ends zstd if still running (its output is no longer wanted) and releases the output file. */
  async abort(): Promise<void> {
    if (this.exitCode === undefined) this.child?.kill();
    await this.exited;
    await this.release();
  }

  private async release(): Promise<void> {
    if (this.outFd < 0) return;
    await Promise.all(this.inFlight);
    const fd = this.outFd;
    this.outFd = -1;
    this.outSize = fstatSync(fd).size;
    // Closing frees the file's pages: done on libuv's pool, not waited for.
    fsClose(fd, () => undefined);
  }

  /** After finish(): zstd exited cleanly having written every byte. */
  ok(): boolean {
    return this.exitCode === 0 && this.outSize === this.outTotal;
  }
}
