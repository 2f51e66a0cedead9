import type { TimeShift } from './options.js';

// Guest -> host timestamp correction from the TIME_SHIFT option (formats.md §3.7; trace-cmd
// lib/trace-cmd/trace-input.c timestamp_correction_calc / timestamp_host_sync).

interface Sample {
  time: bigint;
  offset: bigint;
  scaling: bigint;
  frac: number;
}

/** Sorted, de-duplicated samples per guest CPU. */
function prepare(ts: TimeShift): Sample[][] {
  return ts.cpus.map((c) => {
    const s: Sample[] = c.times.map((time, i) => ({ time, offset: c.offsets[i]!, scaling: c.scalings[i]!, frac: c.fractions[i] ?? 0 }));
    s.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    return s.filter((x, i) => i === 0 || x.time !== s[i - 1]!.time);
  });
}

function scaled(g: bigint, s: Sample): bigint {
  // A scaling of 0, or the kvm default ratio (1 << frac), means "no scaling".
  if (s.scaling === 0n || (s.frac > 0 && s.scaling === 1n << BigInt(s.frac))) return g;
  return (g * s.scaling) >> BigInt(s.frac);
}

/** host = ((guest * scaling) >> frac) + offset, offset interpolated between samples when flagged. */
export function correctGuestTs(samples: Sample[][], interpolate: boolean, guest: bigint, cpu: number): bigint {
  const s = samples[cpu];
  if (!s || s.length === 0) return guest;
  if (s.length === 1) return guest + s[0]!.offset;
  let lo: number;
  if (guest <= s[0]!.time) lo = 0;
  else if (guest >= s[s.length - 1]!.time) lo = s.length - 2;
  else {
    let a = 0;
    let z = s.length - 1;
    while (z - a > 1) {
      const m = (a + z) >> 1;
      if (s[m]!.time <= guest) a = m;
      else z = m;
    }
    lo = a;
  }
  const a = s[lo]!;
  const b = s[lo + 1]!;
  let corr = a.offset;
  if (interpolate && b.time !== a.time) {
    const span = b.time - a.time;
    corr = a.offset + ((guest - a.time) * (b.offset - a.offset) + span / 2n) / span;
  }
  return scaled(guest, a) + corr;
}

export function makeGuestCorrection(ts: TimeShift): (guest: bigint, cpu: number) => bigint {
  const samples = prepare(ts);
  return (g, cpu) => correctGuestTs(samples, ts.interpolate, g, cpu);
}

/** Summary for meta.extra.timeShift: enough to re-apply or audit the correction. */
export function describeTimeShift(ts: TimeShift): Record<string, unknown> {
  return {
    peerTraceId: ts.peerTraceId,
    interpolate: ts.interpolate,
    cpus: ts.cpus.map((c) => ({
      samples: c.times.length,
      times: c.times.map(String),
      offsets: c.offsets.map(String),
      scalings: c.scalings.map(String),
      fractions: c.fractions,
    })),
  };
}
