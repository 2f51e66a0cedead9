// Pure helpers of the capture lab: cyclictest summary parsing and the sync-marker clock estimate.
import { describe, expect, it } from 'vitest';
import { parseCyclictestSummary } from '../traces/capture/lib/cyclictest.js';
import { estimateClock, pairRounds, parseSyncMarker, type SyncMarker } from '../traces/capture/lib/syncClock.js';
import { parseBufferStats } from '../traces/capture/lib/traceFacts.js';

describe('parseCyclictestSummary', () => {
  it('reads every T: line, including wide and padded fields', () => {
    const text = '# /dev/cpu_dma_latency set to 0us\nT: 0 (  110) P: 0 I:500 C:   2012 Min:     55 Act:  132 Avg:  652 Max:   36008\nT: 1 (31743) P:90 I:1000 C:   1953 Min:     16 Act:15682 Avg:  648 Max:   35935\n';
    expect(parseCyclictestSummary(text, 'x')).toEqual([
      { thread: 0, tid: 110, priority: 0, intervalUs: 500, count: 2012, minUs: 55, avgUs: 652, maxUs: 36008 },
      { thread: 1, tid: 31743, priority: 90, intervalUs: 1000, count: 1953, minUs: 16, avgUs: 648, maxUs: 35935 },
    ]);
  });
  it('names the file when there is no summary', () => {
    expect(() => parseCyclictestSummary('cyclictest: invalid option\n', 'run/cyclictest.txt')).toThrow(/run\/cyclictest.txt: no cyclictest summary/);
  });
});

describe('sync-marker clock', () => {
  it('parses host and guest marker lines (record-tgid and plain layouts)', () => {
    expect(parseSyncMarker('            bash-3904    (   3889) [001] ...1.  1849.305794: tracing_mark_write: vcpu-replay-sync host-send tag=pre seq=7')).toEqual({ role: 'host-send', tag: 'pre', seq: 7, tsNs: 1849305794000 });
    expect(parseSyncMarker('            init-1     [000] ...1.    12.394989: tracing_mark_write: vcpu-replay-sync guest tag=post seq=20')).toEqual({ role: 'guest', tag: 'post', seq: 20, tsNs: 12394989000 });
    expect(parseSyncMarker('  init-1 [000] ...1. 12.394989: tracing_mark_write: hello')).toBeUndefined();
  });

  const OFFSET = 1_849_293_773_000;
  // Round trips with asymmetric delays around a known offset; the true offset must lie in the estimate.
  function rounds(tag: string, startNs: number, offsetNs: number, n: number): { host: SyncMarker[]; guest: SyncMarker[] } {
    const host: SyncMarker[] = [];
    const guest: SyncMarker[] = [];
    for (let k = 1; k <= n; k++) {
      const send = startNs + k * 30e6;
      const there = 200e3 + ((k * 7919) % 900) * 1e3;
      const back = 150e3 + ((k * 104729) % 700) * 1e3;
      host.push({ role: 'host-send', tag, seq: k, tsNs: send }, { role: 'host-recv', tag, seq: k, tsNs: send + there + back });
      guest.push({ role: 'guest', tag, seq: k, tsNs: send + there - offsetNs });
    }
    return { host, guest };
  }

  it('bounds a constant offset by intersecting rounds', () => {
    const a = rounds('pre', 1_850e9, OFFSET, 20);
    const b = rounds('post', 1_870e9, OFFSET, 20);
    const est = estimateClock(pairRounds([...a.host, ...b.host], [...a.guest, ...b.guest]));
    expect(est.clock.source).toBe('sync-markers');
    expect(est.clock.scale).toBeUndefined();
    expect(Math.abs(est.clock.offsetNs! - OFFSET)).toBeLessThanOrEqual(est.clock.uncertaintyNs!);
    // Tighter than the best single round's half round trip.
    expect(est.clock.uncertaintyNs!).toBeLessThan(Math.min(...est.phases.map((p) => p.bestRoundTripNs)) / 2);
  });

  it('fits a rate when the phases disagree', () => {
    const a = rounds('pre', 1_850e9, OFFSET, 20);
    const b = rounds('post', 1_870e9, OFFSET + 2e6, 20); // guest clock lost 2 ms over 20 s
    const est = estimateClock(pairRounds([...a.host, ...b.host], [...a.guest, ...b.guest]));
    expect(est.clock.scale).toBeGreaterThan(1);
    const g = 1_860e9 - OFFSET - 1e6; // a guest time mid-way
    const hostNs = g * est.clock.scale! + est.clock.offsetNs!;
    expect(Math.abs(hostNs - (g + OFFSET + 1e6))).toBeLessThan(1e6);
  });

  it('drops rounds that lack a side and fails with none', () => {
    const a = rounds('pre', 1_850e9, OFFSET, 3);
    expect(pairRounds(a.host.filter((m) => m.seq !== 2), a.guest)).toHaveLength(2);
    expect(() => estimateClock([])).toThrow(/no sync rounds/);
  });
});

describe('parseBufferStats', () => {
  it('sums per-CPU overrun and dropped counts', () => {
    const text = '== cpu0\nentries: 10\noverrun: 0\ncommit overrun: 0\ndropped events: 0\n== cpu1\nentries: 5\noverrun: 3\ncommit overrun: 0\ndropped events: 2\n';
    expect(parseBufferStats(text)).toEqual({ overrun: 3, dropped: 2, entries: 15 });
  });
});
