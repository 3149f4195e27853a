import { InvalidPeriodError } from '../errors.js';
import { type Instant, MS_PER_DAY, civilFromDays, daysFromCivil } from './instant.js';
import { resolveLocalTime } from './resolveLocalTime.js';
import { assertTimeZone, zoneOffsetMs } from './timeZone.js';

/** A billing period: a calendar month written `YYYY-MM`. */
export type Period = string;

/**
 * Maps instants to billing periods. The allowance resets at midnight at the start of
 * every month in the reset zone: UTC by the policy (POLICY.md F6), another IANA zone
 * for what-if runs. A calendar memoizes month starts, so it is cheap per request.
 */
export interface PeriodCalendar {
  readonly resetTimeZone: string;
  /** The period an instant falls in. */
  periodOf(instant: Instant): Period;
  /** The first instant (epoch ms) of a period. */
  periodStartMs(period: Period): number;
}

const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function formatPeriod(year: number, month: number): Period {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

export function parsePeriod(period: string): { year: number; month: number } {
  const m = PERIOD_PATTERN.exec(period);
  if (!m) throw new InvalidPeriodError(`byok-billing: period ${JSON.stringify(period)} is not YYYY-MM`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

function monthIndex(year: number, month: number): number {
  return year * 12 + (month - 1);
}

function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Z';
}

/**
 * A calendar for a reset zone (default UTC).
 *
 * @example
 * createPeriodCalendar().periodOf(parseTimestamp('2025-10-31T21:30:00-05:00')) //=> '2025-11'
 */
export function createPeriodCalendar(resetTimeZone = 'UTC'): PeriodCalendar {
  const utc = isUtc(resetTimeZone);
  if (!utc) assertTimeZone(resetTimeZone);
  const startCache = new Map<number, number>();
  const labels = new Map<number, Period>();

  const label = (index: number): Period => {
    let text = labels.get(index);
    if (text === undefined) {
      text = formatPeriod(Math.floor(index / 12), (index % 12) + 1);
      labels.set(index, text);
    }
    return text;
  };

  // Midnight of the first of the month in the reset zone. If that midnight falls in a
  // daylight-saving gap (some zones switch at 00:00), the month starts when the clocks
  // jump, which is the earliest instant whose local date is in the new month.
  const startOf = (index: number): number => {
    let start = startCache.get(index);
    if (start === undefined) {
      const localMs = daysFromCivil(Math.floor(index / 12), (index % 12) + 1, 1) * MS_PER_DAY;
      if (utc) {
        start = localMs;
      } else {
        try {
          start = resolveLocalTime(localMs, resetTimeZone, () => 'midnight');
        } catch {
          // The clocks jump at the instant the old offset would have shown midnight.
          start = localMs - zoneOffsetMs(resetTimeZone, localMs - MS_PER_DAY);
        }
      }
      startCache.set(index, start);
    }
    return start;
  };

  // One-entry cache: logs are in time order, so consecutive requests share a month.
  let lastStart = 1;
  let lastEnd = 0;
  let lastLabel: Period = '';

  return {
    resetTimeZone: utc ? 'UTC' : resetTimeZone,
    periodOf(instant: Instant): Period {
      const ms = instant.epochMs;
      if (ms >= lastStart && ms < lastEnd) return lastLabel;
      const { year, month } = civilFromDays(Math.floor(ms / MS_PER_DAY));
      let index = monthIndex(year, month);
      // A zone's offset is under a day, so the local month is this UTC month or a neighbour.
      if (!utc) {
        if (ms < startOf(index)) index--;
        else if (ms >= startOf(index + 1)) index++;
      }
      lastStart = startOf(index);
      lastEnd = startOf(index + 1);
      lastLabel = label(index);
      return lastLabel;
    },
    periodStartMs(period: Period): number {
      const { year, month } = parsePeriod(period);
      return startOf(monthIndex(year, month));
    },
  };
}
