import { MS_PER_DAY } from './format.js';
import type { Xoshiro128 } from './prng.js';

/**
 * Relative traffic by UTC hour: quiet in the small hours, busiest when Europe's afternoon
 * overlaps America's morning. Interpolated linearly within the hour.
 */
export const DIURNAL_UTC: readonly number[] = [
  0.55, 0.45, 0.38, 0.33, 0.32, 0.36, 0.45, 0.6, 0.75, 0.85, 0.9, 0.92, //
  0.95, 1, 1, 1, 0.98, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.62,
];

/** Weekends (UTC) carry this fraction of a weekday's traffic. */
const WEEKEND_FACTOR = 0.7;

/** Relative traffic intensity at an instant (before random noise). */
export function intensity(epochMs: number): number {
  const days = Math.floor(epochMs / MS_PER_DAY);
  const hours = (epochMs - days * MS_PER_DAY) / 3_600_000;
  const h = Math.floor(hours);
  const f = hours - h;
  const level = DIURNAL_UTC[h]! * (1 - f) + DIURNAL_UTC[(h + 1) % 24]! * f;
  const dow = (((days + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return dow === 0 || dow === 6 ? level * WEEKEND_FACTOR : level;
}

/**
 * The request instants of a log: `rows` epoch-millisecond times in [start, end), in
 * non-decreasing order, following the diurnal/weekly intensity with per-day and
 * per-bucket noise and occasional bursts. The range is cut into buckets (a minute, or a
 * second for short ranges); each bucket's row count is its share of the cumulative weight
 * (exact integer total), and its instants are uniform within it, sorted.
 */
export class Timeline {
  private readonly weights: Float64Array;
  private readonly totalWeight: number;
  private readonly bucketMs: number;
  private bucket = -1;
  private cumulative = 0;
  private assigned = 0;
  private scratch = new Float64Array(1024);
  private count = 0;
  private pos = 0;

  constructor(
    private readonly rows: number,
    private readonly startMs: number,
    private readonly endMs: number,
    private readonly rng: Xoshiro128,
  ) {
    const range = endMs - startMs;
    let bucketMs = range >= 2 * MS_PER_DAY ? 60_000 : 1000;
    const maxBuckets = 1 << 22;
    if (range / bucketMs > maxBuckets) bucketMs = Math.ceil(range / maxBuckets);
    this.bucketMs = bucketMs;
    const n = Math.ceil(range / bucketMs);
    this.weights = new Float64Array(n);
    let total = 0;
    let dayKey = Number.NaN;
    let dayFactor = 1;
    for (let b = 0; b < n; b++) {
      const from = startMs + b * bucketMs;
      const width = Math.min(bucketMs, endMs - from);
      const mid = from + Math.floor(width / 2);
      const day = Math.floor(mid / MS_PER_DAY);
      if (day !== dayKey) {
        dayKey = day;
        dayFactor = 0.85 + 0.3 * rng.float();
      }
      let w = width * intensity(mid) * dayFactor * (0.75 + 0.5 * rng.float());
      if (rng.float() < 0.002) w *= 2 + 6 * rng.float(); // a burst: a batch job, a launch
      this.weights[b] = w;
      total += w;
    }
    this.totalWeight = total;
  }

  /** The next instant (epoch ms); call exactly `rows` times. */
  next(): number {
    while (this.pos === this.count) this.fillNextBucket();
    return this.scratch[this.pos++]!;
  }

  private fillNextBucket(): void {
    const b = ++this.bucket;
    const last = b === this.weights.length - 1;
    if (b >= this.weights.length) throw new Error('Timeline: more instants requested than rows');
    this.cumulative += this.weights[b]!;
    const upTo = last ? this.rows : Math.min(this.rows, Math.floor((this.rows * this.cumulative) / this.totalWeight));
    const k = Math.max(0, upTo - this.assigned);
    this.assigned += k;
    if (k > this.scratch.length) this.scratch = new Float64Array(Math.max(k, this.scratch.length * 2));
    const from = this.startMs + b * this.bucketMs;
    const width = Math.min(this.bucketMs, this.endMs - from);
    const view = this.scratch.subarray(0, k);
    for (let i = 0; i < k; i++) view[i] = from + this.rng.int(width);
    view.sort();
    this.count = k;
    this.pos = 0;
  }
}
