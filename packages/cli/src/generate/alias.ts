import type { Xoshiro128 } from './prng.js';

/**
 * Walker/Vose alias table: O(1) draws from a discrete distribution. The table is built
 * with float arithmetic in a fixed order (no transcendental functions), so it is the same
 * on every machine.
 */
export class AliasTable {
  readonly size: number;
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new Error('AliasTable: no weights');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`AliasTable: bad weight ${w}`);
      total += w;
    }
    if (!(total > 0)) throw new Error('AliasTable: all weights are zero');
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let ns = 0;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i]! * n) / total;
      if (scaled[i]! < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns]!;
      const l = large[nl - 1]!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      if (scaled[l]! < 1) {
        nl--;
        small[ns++] = l;
      }
    }
    while (nl > 0) {
      const l = large[--nl]!;
      this.prob[l] = 1;
      this.alias[l] = l;
    }
    while (ns > 0) {
      const s = small[--ns]!;
      this.prob[s] = 1;
      this.alias[s] = s;
    }
  }

  /** One draw (two 32-bit words of the stream). */
  sample(rng: Xoshiro128): number {
    const i = rng.int(this.size);
    return rng.float() < this.prob[i]! ? i : this.alias[i]!;
  }

  /** One draw from a given uniform pair (for draws derived from hashes rather than a stream). */
  sampleWith(u1: number, u2: number): number {
    const i = Math.floor(u1 * this.size);
    return u2 < this.prob[i]! ? i : this.alias[i]!;
  }
}
