/**
 * A point in time, exact to the nanosecond: epoch milliseconds plus the nanoseconds
 * inside that millisecond. Gateway exports carry microseconds
 * (`2024-07-15T23:33:19.433273+00:00`); truncating them to milliseconds would reorder
 * requests written a few microseconds apart, and the allowance is consumed in time order.
 */
export interface Instant {
  /** Milliseconds since 1970-01-01T00:00:00Z (a safe integer). */
  readonly epochMs: number;
  /** Nanoseconds within that millisecond, 0–999999. */
  readonly nanos: number;
}

export const MS_PER_DAY = 86_400_000;

export function instantFromEpochMs(epochMs: number, nanos = 0): Instant {
  return { epochMs, nanos };
}

/** -1, 0 or 1 in time order. */
export function compareInstants(a: Instant, b: Instant): -1 | 0 | 1 {
  if (a.epochMs !== b.epochMs) return a.epochMs < b.epochMs ? -1 : 1;
  if (a.nanos !== b.nanos) return a.nanos < b.nanos ? -1 : 1;
  return 0;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm):
 * pure arithmetic, unlike `Date.UTC`, which maps years 0–99 to 1900–1999.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The calendar date of a day number (inverse of `daysFromCivil`). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The character code of the digit of `n` worth `unit` (1000, 100, 10 or 1). */
const digit = (n: number, unit: number): number => 48 + (Math.floor(n / unit) % 10);

/**
 * `YYYY-MM-DDTHH:MM:SS[.mmm]Z` from its fields, made as one flat string from its
 * character codes. The meter formats an instant for every request it decides; building
 * the text from padded pieces made a dozen strings each time, and a string made of
 * pieces is copied again when SQLite or a hash map first reads it.
 */
function isoFromDigits(year: number, month: number, day: number, hh: number, mm: number, ss: number, ms: number): string {
  const [y1, y2, y3, y4] = [digit(year, 1000), digit(year, 100), digit(year, 10), digit(year, 1)];
  const [mo1, mo2, d1, d2] = [digit(month, 10), digit(month, 1), digit(day, 10), digit(day, 1)];
  const [h1, h2, mi1, mi2, s1, s2] = [digit(hh, 10), digit(hh, 1), digit(mm, 10), digit(mm, 1), digit(ss, 10), digit(ss, 1)];
  return ms === 0
    ? String.fromCharCode(y1, y2, y3, y4, 45, mo1, mo2, 45, d1, d2, 84, h1, h2, 58, mi1, mi2, 58, s1, s2, 90)
    : String.fromCharCode(y1, y2, y3, y4, 45, mo1, mo2, 45, d1, d2, 84, h1, h2, 58, mi1, mi2, 58, s1, s2, 46, digit(ms, 100), digit(ms, 10), digit(ms, 1), 90);
}

/**
 * ISO-8601 in UTC with as many fractional digits as the instant needs (0, 3, 6 or 9).
 *
 * @example
 * formatInstant({ epochMs: 1759276800000, nanos: 0 }) //=> '2025-10-01T00:00:00Z'
 */
export function formatInstant(instant: Instant): string {
  const days = Math.floor(instant.epochMs / MS_PER_DAY);
  const msOfDay = instant.epochMs - days * MS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const hh = Math.floor(msOfDay / 3_600_000);
  const mm = Math.floor((msOfDay % 3_600_000) / 60_000);
  const ss = Math.floor((msOfDay % 60_000) / 1000);
  const ms = msOfDay % 1000;
  if (instant.nanos === 0 && year >= 0 && year <= 9999) return isoFromDigits(year, month, day, hh, mm, ss, ms);
  let fraction = '';
  if (instant.nanos !== 0) {
    const nineDigits = pad(ms, 3) + pad(instant.nanos, 6);
    fraction = `.${nineDigits.endsWith('000') ? nineDigits.slice(0, 6) : nineDigits}`;
  } else if (ms !== 0) {
    fraction = `.${pad(ms, 3)}`;
  }
  const yearText = year >= 0 && year <= 9999 ? pad(year, 4) : (year < 0 ? '-' : '+') + pad(Math.abs(year), 6);
  return `${yearText}-${pad(month, 2)}-${pad(day, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}${fraction}Z`;
}
