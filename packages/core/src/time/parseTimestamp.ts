import { InvalidTimestampError } from '../errors.js';
import { type Instant, MS_PER_DAY, daysFromCivil, daysInMonth } from './instant.js';
import { resolveLocalTime } from './resolveLocalTime.js';
import { assertTimeZone } from './timeZone.js';

export interface ParseTimestampOptions {
  /**
   * IANA zone for timestamps written without an offset (POLICY.md D7). Without it,
   * such a timestamp is an error. Timestamps that carry an offset ignore it.
   */
  readonly inputTimeZone?: string | undefined;
}

/** Instants are kept to the years an ISO-8601 timestamp can write, 0000–9999. */
const MIN_EPOCH_MS = daysFromCivil(0, 1, 1) * MS_PER_DAY;
const MAX_EPOCH_MS = daysFromCivil(10000, 1, 1) * MS_PER_DAY - 1;

/** The largest offset accepted, ±18:00, as java.time and most databases do. */
const MAX_OFFSET_MINUTES = 18 * 60;

function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9 || i >= text.length) return -1;
    value = value * 10 + c;
  }
  return value;
}

function fail(text: string, reason: string): never {
  throw new InvalidTimestampError(`timestamp ${JSON.stringify(text)}: ${reason}`, 'timestamp');
}

function isEpochMillis(text: string): boolean {
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  if (i === text.length) return false;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Reads the instant a log row happened at: an ISO-8601 date-time with a UTC offset
 * (`Z`, `±HH:MM`, `±HHMM`, `±HH`), an ISO-8601 local date-time together with an input
 * time zone, or integer epoch milliseconds. Fractions of a second up to nanoseconds are
 * kept. Impossible dates (2025-02-30, 24:00, second 60) are errors.
 *
 * @example
 * formatInstant(parseTimestamp('2025-10-31T21:30:00-05:00')) //=> '2025-11-01T02:30:00Z'
 * formatInstant(parseTimestamp('1759276800000'))             //=> '2025-10-01T00:00:00Z'
 * formatInstant(parseTimestamp('2025-03-30T03:30:00', { inputTimeZone: 'Europe/Berlin' }))
 * //=> '2025-03-30T01:30:00Z'
 */
export function parseTimestamp(text: string, options: ParseTimestampOptions = {}): Instant {
  if (text.length === 0) fail(text, 'empty value');
  if (isEpochMillis(text)) {
    const ms = Number(text);
    if (!(ms >= MIN_EPOCH_MS && ms <= MAX_EPOCH_MS)) fail(text, 'epoch milliseconds out of range (years 0000 to 9999)');
    return { epochMs: ms === 0 ? 0 : ms, nanos: 0 };
  }
  // YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][offset]
  const year = digitsAt(text, 0, 4);
  if (year < 0 || text[4] !== '-' || text[7] !== '-') {
    fail(text, 'expected an ISO-8601 date-time like 2025-10-31T19:00:00-05:00, or epoch milliseconds');
  }
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (month < 0 || day < 0) fail(text, 'expected a date as YYYY-MM-DD');
  const sep = text[10];
  if (sep !== 'T' && sep !== 't' && sep !== ' ') {
    fail(text, text.length === 10 ? 'a date without a time of day is not an instant' : 'expected "T" between date and time');
  }
  const hour = digitsAt(text, 11, 2);
  const minute = text[13] === ':' ? digitsAt(text, 14, 2) : -1;
  if (hour < 0 || minute < 0) fail(text, 'expected a time as HH:MM:SS');
  let i = 16;
  let second = 0;
  let fractionNanos = 0;
  if (text[i] === ':') {
    second = digitsAt(text, i + 1, 2);
    if (second < 0) fail(text, 'expected seconds as two digits');
    i += 3;
    if (text[i] === '.' || text[i] === ',') {
      const start = ++i;
      while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
      const digits = i - start;
      if (digits === 0) fail(text, 'a decimal point must be followed by digits');
      if (digits > 9) fail(text, 'more than 9 fractional digits of a second');
      fractionNanos = Number(text.slice(start, i).padEnd(9, '0'));
    }
  }
  if (month < 1 || month > 12) fail(text, `month ${month} does not exist`);
  if (day < 1 || day > daysInMonth(year, month)) fail(text, `day ${day} does not exist in ${year}-${String(month).padStart(2, '0')}`);
  if (hour > 23) fail(text, `hour ${hour} does not exist`);
  if (minute > 59) fail(text, `minute ${minute} does not exist`);
  if (second > 59) fail(text, `second ${second} does not exist`);

  const localMs = daysFromCivil(year, month, day) * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000;
  const msPart = Math.floor(fractionNanos / 1_000_000);
  const nanos = fractionNanos % 1_000_000;

  if (i === text.length) {
    const zone = options.inputTimeZone;
    if (zone === undefined || zone === '') {
      fail(text, 'has no UTC offset; write one (Z, +02:00) or name the input time zone');
    }
    assertTimeZone(zone);
    const epochMs = resolveLocalTime(localMs, zone, () => `local time ${text}`);
    return inRange(text, { epochMs: epochMs + msPart, nanos });
  }
  const sign = text[i];
  let offsetMinutes = 0;
  if (sign === 'Z' || sign === 'z') {
    i++;
  } else if (sign === '+' || sign === '-') {
    const oh = digitsAt(text, i + 1, 2);
    if (oh < 0) fail(text, 'expected an offset as ±HH:MM');
    i += 3;
    let om = 0;
    if (text[i] === ':') {
      om = digitsAt(text, i + 1, 2);
      if (om < 0) fail(text, 'expected an offset as ±HH:MM');
      i += 3;
    } else if (i < text.length) {
      om = digitsAt(text, i, 2);
      if (om < 0) fail(text, 'expected an offset as ±HH:MM');
      i += 2;
    }
    if (om > 59) fail(text, `offset minute ${om} does not exist`);
    offsetMinutes = oh * 60 + om;
    if (offsetMinutes > MAX_OFFSET_MINUTES) fail(text, 'offset beyond ±18:00');
    if (sign === '-') offsetMinutes = -offsetMinutes;
  } else {
    fail(text, `unexpected ${JSON.stringify(text.slice(i))} after the time; expected an offset like Z or -05:00`);
  }
  if (i !== text.length) fail(text, `unexpected ${JSON.stringify(text.slice(i))} after the offset`);
  return inRange(text, { epochMs: localMs - offsetMinutes * 60_000 + msPart, nanos });
}

/**
 * An offset can carry a written year 0000 or 9999 past the years an instant is kept in
 * (0000-01-01T00:00:00+01:00 is in year -1 in UTC): such an instant has no period label.
 */
function inRange(text: string, instant: Instant): Instant {
  if (instant.epochMs < MIN_EPOCH_MS || instant.epochMs > MAX_EPOCH_MS) fail(text, 'is outside the years 0000 to 9999 in UTC');
  return instant;
}
