import type { Instant } from '../time/instant.js';
import { MS_PER_DAY } from '../time/instant.js';
import { zoneOffsetMs } from '../time/timeZone.js';
import { Ratio } from './ratio.js';

/** Nanoseconds in an hour: instants are exact to the nanosecond, so time is measured in them. */
export const NS_PER_HOUR = 3_600_000_000_000n;
const NS_PER_MS = 1_000_000n;

/** An instant as nanoseconds since the epoch. */
export function instantNs(instant: Instant): bigint {
  return BigInt(instant.epochMs) * NS_PER_MS + BigInt(instant.nanos);
}

/**
 * A weekday-and-hour bucket in the reset zone: `weekday * 24 + hour`, weekday 0 = Sunday,
 * so 0–167. Traffic is diurnal and weekly; the same local hour on the same weekday is the
 * best predictor of itself.
 */
export type Bucket = number;

/** The bucket of the instant `epochMs`, in `zone`'s local time. */
export function bucketOf(epochMs: number, zone: string): Bucket {
  const local = epochMs + (zone === 'UTC' ? 0 : zoneOffsetMs(zone, epochMs));
  const days = Math.floor(local / MS_PER_DAY);
  const weekday = (((days + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const hour = Math.floor((local - days * MS_PER_DAY) / 3_600_000);
  return weekday * 24 + hour;
}

/** One hour slot of the month: `[startNs, endNs)`, an hour from the month start (the last may be shorter). */
export interface HourSlot {
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly bucket: Bucket;
}

/** The month's hour slots, from its first instant: hours after local midnight of the 1st. */
export function hourSlots(monthStartMs: number, monthEndMs: number, zone: string): HourSlot[] {
  const slots: HourSlot[] = [];
  for (let ms = monthStartMs; ms < monthEndMs; ms += 3_600_000) {
    const end = Math.min(ms + 3_600_000, monthEndMs);
    slots.push({ startNs: BigInt(ms) * NS_PER_MS, endNs: BigInt(end) * NS_PER_MS, bucket: bucketOf(ms, zone) });
  }
  return slots;
}

/** Where an hour's expected count comes from. */
export type RateSource = 'bucket' | 'overall-hourly-average' | 'month-so-far-rate';

/**
 * The month so far as a weekday-and-hour profile: requests per hour in each bucket,
 * counted over the hour slots that are **complete** at the as-of instant (every instant of
 * the slot ≤ as-of), so a half-observed hour does not pass for a whole one.
 */
export interface HourProfile {
  /** Requests per hour in a bucket observed in at least one complete slot. */
  readonly rates: ReadonlyMap<Bucket, Ratio>;
  /**
   * The rate of a bucket with no complete slot yet: the overall hourly average over the
   * complete slots (`overall-hourly-average`), or, before the first slot completes, the
   * requests so far over the time elapsed (`month-so-far-rate`).
   */
  readonly fallback: Ratio;
  readonly fallbackSource: Exclude<RateSource, 'bucket'>;
  /** Complete slots observed. */
  readonly completeHours: number;
}

/**
 * The counted requests of each slot (index as in `slots`) from their instants (all in the
 * month). What the profile needs of a scope's month: a count per hour, not the requests.
 */
export function slotCountsOf(slots: readonly HourSlot[], instants: Iterable<bigint>): number[] {
  const counts = new Array<number>(slots.length).fill(0);
  for (const ns of instants) counts[slotIndexOf(slots, ns)]!++;
  return counts;
}

/** The slot an instant of the month lies in: slots are whole hours from the month's first instant. */
export function slotIndexOf(slots: readonly HourSlot[], ns: bigint): number {
  return Number((ns - slots[0]!.startNs) / NS_PER_HOUR);
}

/**
 * The profile of a scope's month so far from `slotCounts` (its counted requests per slot,
 * all ≤ `asOfNs`). `asOfNs` is inclusive: the elapsed time is every nanosecond from the
 * month start to it.
 *
 * @example
 * // two complete hours with 3 and 5 requests (Wednesday 00h and 01h of October 2025)
 * buildHourProfile(octoberSlots, [3, 5, 0, …], lastInstantOfHour1).rates
 * //=> Map { 72 => 3, 73 => 5 }, fallback 4 ('overall-hourly-average')
 */
export function buildHourProfile(slots: readonly HourSlot[], slotCounts: readonly number[], asOfNs: bigint): HourProfile {
  const first = slots[0]!;
  const counts = new Map<Bucket, bigint>();
  const hours = new Map<Bucket, Ratio>();
  let completeCount = 0n;
  let completeExposure = Ratio.ZERO;
  let completeHours = 0;
  let total = 0n;
  slots.forEach((slot, index) => {
    const n = BigInt(slotCounts[index] ?? 0);
    total += n;
    if (slot.endNs - 1n > asOfNs) return;
    const exposure = new Ratio(slot.endNs - slot.startNs, NS_PER_HOUR);
    counts.set(slot.bucket, (counts.get(slot.bucket) ?? 0n) + n);
    hours.set(slot.bucket, (hours.get(slot.bucket) ?? Ratio.ZERO).add(exposure));
    completeCount += n;
    completeExposure = completeExposure.add(exposure);
    completeHours++;
  });
  const rates = new Map<Bucket, Ratio>();
  for (const [bucket, n] of counts) rates.set(bucket, new Ratio(n).divide(hours.get(bucket)!));
  if (completeHours > 0) {
    return { rates, fallback: new Ratio(completeCount).divide(completeExposure), fallbackSource: 'overall-hourly-average', completeHours };
  }
  const elapsed = new Ratio(asOfNs + 1n - first.startNs, NS_PER_HOUR);
  return { rates, fallback: new Ratio(total).divide(elapsed), fallbackSource: 'month-so-far-rate', completeHours };
}

/** A part of the rest of the month, `(after as-of)`, with the rate its hour is projected at. */
export interface RemainingPiece {
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly rate: Ratio;
  readonly source: RateSource;
  /** Expected requests in the piece: rate × its length in hours. */
  readonly expected: Ratio;
}

/**
 * The rest of the month after `asOfNs` (the instants `asOfNs + 1ns` … end − 1ns), slot by
 * slot, each priced at its bucket's rate or the profile's fallback. At the month's last
 * instant it is empty.
 */
export function remainingPieces(slots: readonly HourSlot[], profile: HourProfile, asOfNs: bigint): RemainingPiece[] {
  const pieces: RemainingPiece[] = [];
  for (const slot of slots) {
    if (slot.endNs - 1n <= asOfNs) continue;
    const startNs = slot.startNs > asOfNs ? slot.startNs : asOfNs + 1n;
    const observed = profile.rates.get(slot.bucket);
    const rate = observed ?? profile.fallback;
    const expected = rate.multiply(new Ratio(slot.endNs - startNs, NS_PER_HOUR));
    pieces.push({ startNs, endNs: slot.endNs, rate, source: observed === undefined ? profile.fallbackSource : 'bucket', expected });
  }
  return pieces;
}
