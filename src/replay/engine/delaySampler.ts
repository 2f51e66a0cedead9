// Draws platform delays from a capture's empirical distributions (PlatformSamples). It has a PRNG
// stream of its own, so that turning the sampling on or off leaves every other random draw of a
// replay unchanged.
import { Prng } from './prng.js';

export class DelaySampler {
  private readonly rng: Prng;
  constructor(seed: number) {
    this.rng = new Prng((seed ^ 0x5bd1e995) >>> 0);
  }
  /** A sample of `s`, or `fallback` when there is no distribution. */
  draw(s: Float64Array | undefined, fallback: number): number {
    if (!s || s.length === 0) return fallback;
    return s[Math.floor(this.rng.next() * s.length)]!;
  }
}
