import { describe, expect, it } from 'vitest';
import { Ratio, halfEven, parseTimestamp } from '@byok-billing/core';
import { NS_PER_HOUR, bucketOf, buildHourProfile, hourSlots, instantNs, remainingPieces, slotCountsOf } from '@byok-billing/core/internal';

/*
 * The weekday-and-hour profile on hand-made months, numbers worked out by hand. October 2025
 * (UTC) has 31 × 24 = 744 hour slots and starts on a Wednesday: its Wednesday 00:00 and 01:00
 * hours come 5 times (the 1st, 8th, 15th, 22nd, 29th).
 */
const OCT_START = Date.UTC(2025, 9, 1);
const NOV_START = Date.UTC(2025, 10, 1);
const slots = hourSlots(OCT_START, NOV_START, 'UTC');
const ns = (text: string) => instantNs(parseTimestamp(text));
/** The slot counts of requests at these instants. */
const at = (...texts: string[]) => slotCountsOf(slots, texts.map(ns));
const repeat = (text: string, n: number) => Array.from({ length: n }, () => text);
const sum = (rs: readonly Ratio[]) => rs.reduce((a, b) => a.add(b), Ratio.ZERO);

describe('buckets and slots', () => {
  it('a bucket is the local weekday (0 = Sunday) × 24 + the local hour', () => {
    expect(bucketOf(OCT_START, 'UTC')).toBe(3 * 24); // Wednesday 00h
    expect(bucketOf(Date.UTC(2025, 9, 5, 23), 'UTC')).toBe(0 * 24 + 23); // Sunday 23h
    // 2025-10-01T00:00Z is 02:00 in Berlin (CEST, +2).
    expect(bucketOf(OCT_START, 'Europe/Berlin')).toBe(3 * 24 + 2);
    // 2025-10-05T22:30Z is Sunday 15:30 in Los Angeles (PDT, -7).
    expect(bucketOf(Date.UTC(2025, 9, 5, 22, 30), 'America/Los_Angeles')).toBe(0 * 24 + 15);
  });

  it('a month is cut into its hours from its first instant', () => {
    expect(slots).toHaveLength(744);
    expect(slots[0]!.startNs).toBe(BigInt(OCT_START) * 1_000_000n);
    expect(slots[743]!.endNs).toBe(BigInt(NOV_START) * 1_000_000n);
    // A month in a zone that leaves daylight saving has an hour more: Berlin's October is 745 hours.
    const berlinStart = Date.UTC(2025, 8, 30, 22);
    const berlinEnd = Date.UTC(2025, 9, 31, 23);
    expect(hourSlots(berlinStart, berlinEnd, 'Europe/Berlin')).toHaveLength(745);
  });
});

describe('the profile of the month so far', () => {
  it('two complete hours of 3 and 5 requests: their buckets at 3 and 5, every other at their average 4', () => {
    const requests = at(...repeat('2025-10-01T00:10:00Z', 3), ...repeat('2025-10-01T01:59:59.999999999Z', 5));
    const asOf = ns('2025-10-01T01:59:59.999999999Z'); // the last instant of the second hour: both complete
    const profile = buildHourProfile(slots, requests, asOf);
    expect(profile.completeHours).toBe(2);
    expect(profile.rates.get(72)!.toString()).toBe('3');
    expect(profile.rates.get(73)!.toString()).toBe('5');
    expect(profile.rates.size).toBe(2);
    expect(profile.fallback.toString()).toBe('4');
    expect(profile.fallbackSource).toBe('overall-hourly-average');
    const pieces = remainingPieces(slots, profile, asOf);
    expect(pieces).toHaveLength(742);
    // 4 more Wednesday-00h hours at 3, 4 more Wednesday-01h at 5, 734 others at 4: 12 + 20 + 2936.
    expect(sum(pieces.map((p) => p.expected)).toString()).toBe('2968');
    expect(pieces.filter((p) => p.source === 'bucket')).toHaveLength(8);
  });

  it('the hour holding as-of is not in the profile; its unobserved part is projected', () => {
    const requests = at(...repeat('2025-10-01T00:10:00Z', 3), ...repeat('2025-10-01T01:20:00Z', 5), '2025-10-01T02:10:00Z');
    const asOf = ns('2025-10-01T02:29:59.999999999Z'); // half of hour 2 observed
    const profile = buildHourProfile(slots, requests, asOf);
    expect(profile.completeHours).toBe(2);
    expect(profile.fallback.toString()).toBe('4'); // the request of hour 2 is not in it
    const pieces = remainingPieces(slots, profile, asOf);
    expect(pieces[0]!.startNs).toBe(asOf + 1n);
    expect(pieces[0]!.expected.toString()).toBe('2'); // half an hour at the fallback 4
    // 2 + 4×3 + 4×5 + 733×4 = 2966
    expect(sum(pieces.map((p) => p.expected)).toString()).toBe('2966');
  });

  it('before the first hour completes, the fallback is the requests so far over the time elapsed', () => {
    const requests = at('2025-10-01T00:05:00Z', '2025-10-01T00:20:00Z');
    const asOf = ns('2025-10-01T00:29:59.999999999Z'); // half an hour elapsed: 4 requests an hour
    const profile = buildHourProfile(slots, requests, asOf);
    expect(profile.completeHours).toBe(0);
    expect(profile.fallbackSource).toBe('month-so-far-rate');
    expect(profile.fallback.toString()).toBe('4');
    // half an hour + 743 hours at 4
    expect(sum(remainingPieces(slots, profile, asOf).map((p) => p.expected)).toString()).toBe('2974');
  });

  it('a quiet complete hour counts as an observation of 0', () => {
    const requests = at('2025-10-01T00:10:00Z', '2025-10-01T00:20:00Z');
    const profile = buildHourProfile(slots, requests, ns('2025-10-01T01:59:59.999999999Z'));
    expect(profile.rates.get(73)!.toString()).toBe('0');
    expect(profile.fallback.toString()).toBe('1');
  });

  it('a bucket seen twice averages its hours', () => {
    // Wednesday 00h on the 1st (6 requests) and the 8th (2): 4 an hour.
    const requests = at(...repeat('2025-10-01T00:10:00Z', 6), ...repeat('2025-10-08T00:10:00Z', 2));
    const profile = buildHourProfile(slots, requests, ns('2025-10-08T00:59:59.999999999Z'));
    expect(profile.rates.get(72)!.toString()).toBe('4');
    expect(profile.completeHours).toBe(7 * 24 + 1);
    expect(profile.fallback.toString()).toBe('8/169');
  });

  it('at the last instant of the month nothing remains', () => {
    const profile = buildHourProfile(slots, at('2025-10-01T00:10:00Z'), ns('2025-10-31T23:59:59.999999999Z'));
    expect(profile.completeHours).toBe(744);
    expect(remainingPieces(slots, profile, ns('2025-10-31T23:59:59.999999999Z'))).toEqual([]);
  });

  it('an hour is a ratio of nanoseconds', () => {
    expect(NS_PER_HOUR).toBe(3_600_000_000_000n);
    expect(new Ratio(2n, 3n).toFixed(2, halfEven)).toBe('0.67');
    expect(new Ratio(1n, 8n).toExactDecimal()).toBe('0.125');
    expect(new Ratio(1n, 3n).toExactDecimal()).toBeUndefined();
    expect(new Ratio(5n, 2n).toFixed(0, halfEven)).toBe('2');
  });
});
