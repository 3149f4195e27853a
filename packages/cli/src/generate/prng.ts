/**
 * A small, portable PRNG: xoshiro128** (Blackman & Vigna) on 32-bit integers. Every
 * operation is integer arithmetic (`Math.imul`, shifts), so a seed gives the same sequence
 * on every machine and JavaScript engine. Floats derived from it (`float()`) are exact
 * quotients of integers by 2^32, also identical everywhere.
 */

/** murmur3's 32-bit finalizer: a bijective avalanche mix. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a few 32-bit words (order matters). */
export function hash32(...words: number[]): number {
  let h = 0x9e37_79b9;
  for (const w of words) h = fmix32((h ^ Math.imul(w | 0, 0xcc9e_2d51)) + 0x6b43_a9b5);
  return h;
}

/** The two 32-bit halves of a non-negative safe integer. */
export function splitSeed(seed: number): [lo: number, hi: number] {
  const hi = Math.floor(seed / 4_294_967_296);
  return [(seed - hi * 4_294_967_296) >>> 0, hi >>> 0];
}

export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** One independent stream per (seed, stream id). */
  constructor(seed: number, stream: number) {
    const [lo, hi] = splitSeed(seed);
    this.a = hash32(lo, hi, stream, 1);
    this.b = hash32(lo, hi, stream, 2);
    this.c = hash32(lo, hi, stream, 3);
    this.d = hash32(lo, hi, stream, 4);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
    for (let i = 0; i < 8; i++) this.next();
  }

  /** The next uniform 32-bit unsigned integer. */
  next(): number {
    const b = this.b;
    const t = b << 9;
    let r = Math.imul(b, 5);
    r = Math.imul((r << 7) | (r >>> 25), 9);
    this.c ^= this.a;
    this.d ^= b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return r >>> 0;
  }

  /** Uniform in [0, 1), a multiple of 2^-32. */
  float(): number {
    return this.next() / 4_294_967_296;
  }

  /** Uniform in (0, 1], a multiple of 2^-32 (safe to divide by). */
  floatOpen0(): number {
    return (this.next() + 1) / 4_294_967_296;
  }

  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (multiply-shift; bias below 2^-32·n). */
  int(n: number): number {
    return Math.floor((this.next() / 4_294_967_296) * n);
  }
}

/** Stream ids: each concern draws from its own stream, so toggling one option (e.g. `--offsets`) leaves the others' draws unchanged. */
export const STREAM = {
  population: 1,
  timeline: 2,
  who: 3,
  what: 4,
  results: 5,
  duplicates: 6,
  shuffle: 7,
  offsets: 8,
} as const;
