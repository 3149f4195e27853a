import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ByokError,
  InvalidTimeZoneError,
  InvalidTimestampError,
  NonexistentLocalTimeError,
  formatInstant,
  parseTimestamp,
  type ParseTimestampOptions,
} from '@byok-billing/core';
import { thrown } from '../support/expectErrors.js';

function timestampError(text: string, options?: ParseTimestampOptions): InvalidTimestampError {
  const e = thrown(() => parseTimestamp(text, options));
  expect(e).toBeInstanceOf(InvalidTimestampError);
  expect(e).toBeInstanceOf(ByokError);
  const error = e as InvalidTimestampError;
  expect(error.code).toBe('INVALID_TIMESTAMP');
  expect(error.field).toBe('timestamp');
  expect(error.message.startsWith(`timestamp ${JSON.stringify(text)}: `)).toBe(true);
  return error;
}

/** The reason part of the message, after `timestamp "<text>": `. */
function reason(text: string, options?: ParseTimestampOptions): string {
  return timestampError(text, options).message.slice(`timestamp ${JSON.stringify(text)}: `.length);
}

const utc = (...args: [number, number, number?, number?, number?, number?, number?]): number => Date.UTC(...args);

describe('parseTimestamp: ISO-8601 with an offset', () => {
  it.each([
    ['2025-10-31T23:59:59Z', utc(2025, 9, 31, 23, 59, 59)],
    ['2025-10-31t23:59:59z', utc(2025, 9, 31, 23, 59, 59)],
    ['2025-10-31 23:59:59Z', utc(2025, 9, 31, 23, 59, 59)],
    ['2025-10-31T19:00:00-05:00', utc(2025, 10, 1, 0, 0, 0)],
    ['2025-10-31T19:00:00-0500', utc(2025, 10, 1, 0, 0, 0)],
    ['2025-10-31T19:00:00-05', utc(2025, 10, 1, 0, 0, 0)],
    ['2025-10-31T21:30:00-05:00', utc(2025, 10, 1, 2, 30, 0)],
    ['2025-10-01T05:30:00+05:30', utc(2025, 9, 1, 0, 0, 0)],
    ['2025-10-01T05:30:00+0530', utc(2025, 9, 1, 0, 0, 0)],
    ['2025-10-01T02:00:00+02', utc(2025, 9, 1, 0, 0, 0)],
    ['2025-10-01T00:00:00+00:00', utc(2025, 9, 1)],
    ['2025-10-01T00:00:00-00:00', utc(2025, 9, 1)],
    ['2025-10-01T00:00:00+00', utc(2025, 9, 1)],
    ['2025-10-01T18:00:00+18:00', utc(2025, 9, 1)],
    ['2025-09-30T06:00:00-18:00', utc(2025, 9, 1)],
    ['2025-10-01T00:45:00+00:45', utc(2025, 9, 1)],
    ['2025-10-01T00:59:00+00:59', utc(2025, 9, 1)],
    ['2025-10-31T19:00Z', utc(2025, 9, 31, 19, 0)],
    ['2025-10-31T19:07-01:00', utc(2025, 9, 31, 20, 7)],
    ['2024-02-29T12:00:00Z', utc(2024, 1, 29, 12)],
    ['2000-02-29T12:00:00Z', utc(2000, 1, 29, 12)],
    ['2025-12-31T23:59:59+00:00', utc(2025, 11, 31, 23, 59, 59)],
    ['2025-01-01T00:00:00+01:00', utc(2024, 11, 31, 23, 0, 0)],
    ['1970-01-01T00:00:00Z', 0],
    ['1969-12-31T23:59:59Z', -1000],
    ['2025-04-30T00:00:00Z', utc(2025, 3, 30)],
    ['2025-01-31T23:00:00Z', utc(2025, 0, 31, 23)],
  ])('%s', (text, epochMs) => {
    expect(parseTimestamp(text)).toEqual({ epochMs, nanos: 0 });
  });

  it('reads years 0000–0099 literally (not as 1900–1999)', () => {
    expect(formatInstant(parseTimestamp('0000-01-01T00:00:00Z'))).toBe('0000-01-01T00:00:00Z');
    expect(formatInstant(parseTimestamp('0099-12-31T23:59:59Z'))).toBe('0099-12-31T23:59:59Z');
    expect(formatInstant(parseTimestamp('9999-12-31T23:59:59.999999999Z'))).toBe('9999-12-31T23:59:59.999999999Z');
  });

  it('the worked example: 2025-10-31T21:30:00-05:00 is 2025-11-01T02:30:00Z', () => {
    expect(formatInstant(parseTimestamp('2025-10-31T21:30:00-05:00'))).toBe('2025-11-01T02:30:00Z');
  });

  it('ignores the input time zone when the text carries an offset', () => {
    const expected = parseTimestamp('2025-10-31T19:00:00-05:00');
    expect(parseTimestamp('2025-10-31T19:00:00-05:00', { inputTimeZone: 'Asia/Tokyo' })).toEqual(expected);
    expect(parseTimestamp('2025-10-31T19:00:00-05:00', { inputTimeZone: 'Not/AZone' })).toEqual(expected);
    expect(parseTimestamp('2025-11-01T00:00:00Z', { inputTimeZone: 'Europe/Berlin' })).toEqual(expected);
  });
});

describe('parseTimestamp: fractions of a second', () => {
  const base = utc(2025, 9, 31, 23, 59, 59);
  it.each([
    ['.1', 100, 0],
    ['.12', 120, 0],
    ['.123', 123, 0],
    ['.1234', 123, 400_000],
    ['.12345', 123, 450_000],
    ['.123456', 123, 456_000],
    ['.1234567', 123, 456_700],
    ['.12345678', 123, 456_780],
    ['.123456789', 123, 456_789],
    ['.000000001', 0, 1],
    ['.999999999', 999, 999_999],
    ['.000', 0, 0],
    [',5', 500, 0],
    [',433273', 433, 273_000],
  ])('%s keeps milliseconds %i and nanos %i', (fraction, ms, nanos) => {
    expect(parseTimestamp(`2025-10-31T23:59:59${fraction}Z`)).toEqual({ epochMs: base + ms, nanos });
  });

  it('keeps microseconds with an offset (a gateway export)', () => {
    expect(parseTimestamp('2024-07-15T23:33:19.433273+00:00')).toEqual({ epochMs: utc(2024, 6, 15, 23, 33, 19, 433), nanos: 273_000 });
    expect(formatInstant(parseTimestamp('2024-07-15T23:33:19.433273+02:00'))).toBe('2024-07-15T21:33:19.433273Z');
  });

  it('refuses a point without digits and more than 9 digits', () => {
    expect(reason('2025-10-31T23:59:59.Z')).toBe('a decimal point must be followed by digits');
    expect(reason('2025-10-31T23:59:59,Z')).toBe('a decimal point must be followed by digits');
    expect(reason('2025-10-31T23:59:59.')).toBe('a decimal point must be followed by digits');
    expect(reason('2025-10-31T23:59:59.1234567890Z')).toBe('more than 9 fractional digits of a second');
  });

  it('a fraction without seconds is not a time', () => {
    expect(reason('2025-10-31T23:59.5Z')).toBe('unexpected ".5Z" after the time; expected an offset like Z or -05:00');
  });
});

describe('parseTimestamp: epoch milliseconds', () => {
  it.each([
    ['0', 0],
    ['1759276800000', 1_759_276_800_000],
    ['-1', -1],
    ['-86400000', -86_400_000],
    ['00042', 42],
    ['253402300799999', 253402300799999], // 9999-12-31T23:59:59.999Z, the last instant kept
    ['-62167219200000', -62167219200000], // 0000-01-01T00:00:00Z, the first
  ])('%s', (text, epochMs) => {
    expect(parseTimestamp(text)).toEqual({ epochMs, nanos: 0 });
  });

  it('a bare year is epoch milliseconds (all digits), not a date', () => {
    expect(parseTimestamp('2025')).toEqual({ epochMs: 2025, nanos: 0 });
  });

  it('the documented example is 2025-10-01T00:00:00Z', () => {
    expect(formatInstant(parseTimestamp('1759276800000'))).toBe('2025-10-01T00:00:00Z');
  });

  it('refuses instants outside the years 0000 to 9999', () => {
    const range = 'epoch milliseconds out of range (years 0000 to 9999)';
    expect(reason('253402300800000')).toBe(range);
    expect(reason('-62167219200001')).toBe(range);
    expect(reason('9007199254740992')).toBe(range);
    expect(reason('99999999999999999999')).toBe(range);
  });

  it('is not fooled by a lone minus sign or signs elsewhere', () => {
    const iso = 'expected an ISO-8601 date-time like 2025-10-31T19:00:00-05:00, or epoch milliseconds';
    expect(reason('-')).toBe(iso);
    expect(reason('+1000')).toBe(iso);
    expect(reason('1-0')).toBe(iso);
    expect(reason('12a')).toBe(iso);
    expect(reason('1.5')).toBe(iso);
    expect(reason('--1')).toBe(iso);
  });

  it('reads any epoch millisecond of the years 0000 to 9999 exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62167219200000, max: 253402300799999 }), (ms) => {
        expect(parseTimestamp(String(ms))).toEqual({ epochMs: ms, nanos: 0 });
      }),
    );
  });
});

describe('parseTimestamp: refused text', () => {
  const iso = 'expected an ISO-8601 date-time like 2025-10-31T19:00:00-05:00, or epoch milliseconds';
  it.each([
    ['', 'empty value'],
    ['hello', iso],
    ['2025/10/31T00:00:00Z', iso],
    ['2025-10/31T00:00:00Z', iso],
    ['2025/10-31T00:00:00Z', iso],
    ['2025-1000-31T00:00:00Z', iso],
    ['20a5-10-31T00:00:00Z', iso],
    ['2025-1-31T00:00:00Z', iso],
    ['+2025-10-31T00:00:00Z', iso],
    ['2025-1/-31T00:00:00Z', 'expected a date as YYYY-MM-DD'],
    ['2025-1:-31T00:00:00Z', 'expected a date as YYYY-MM-DD'],
    ['2025-10-3/T00:00:00Z', 'expected a date as YYYY-MM-DD'],
    ['2025-10-3:T00:00:00Z', 'expected a date as YYYY-MM-DD'],
    ['2025-10-3', 'expected a date as YYYY-MM-DD'],
    ['2025-10-', 'expected a date as YYYY-MM-DD'],
    ['2025-10-31', 'a date without a time of day is not an instant'],
    ['2025-10-31Z', 'expected "T" between date and time'],
    ['2025-10-31X00:00:00Z', 'expected "T" between date and time'],
    ['2025-10-31_00:00:00Z', 'expected "T" between date and time'],
    ['2025-10-31T', 'expected a time as HH:MM:SS'],
    ['2025-10-31T1', 'expected a time as HH:MM:SS'],
    ['2025-10-31T19', 'expected a time as HH:MM:SS'],
    ['2025-10-31T19Z', 'expected a time as HH:MM:SS'],
    ['2025-10-31T1:00:00Z', 'expected a time as HH:MM:SS'],
    ['2025-10-31Tx0:00:00Z', 'expected a time as HH:MM:SS'],
    ['2025-10-31T-1:00:00Z', 'expected a time as HH:MM:SS'],
    ['2025-10-31T19:x0:00Z', 'expected a time as HH:MM:SS'],
    ['2025-10-31T1900Z', 'expected a time as HH:MM:SS'],
    ['2025-10-31T19-00Z', 'expected a time as HH:MM:SS'],
    ['2025-10-31T19:0', 'expected a time as HH:MM:SS'],
    ['2025-10-31T19:0Z', 'expected a time as HH:MM:SS'],
    ['2025-10-31T19:00:', 'expected seconds as two digits'],
    ['2025-10-31T19:00:5Z', 'expected seconds as two digits'],
    ['2025-10-31T19:00:5', 'expected seconds as two digits'],
    ['2025-13-01T00:00:00Z', 'month 13 does not exist'],
    ['2025-00-01T00:00:00Z', 'month 0 does not exist'],
    ['2025-02-29T00:00:00Z', 'day 29 does not exist in 2025-02'],
    ['2024-02-30T00:00:00Z', 'day 30 does not exist in 2024-02'],
    ['1900-02-29T00:00:00Z', 'day 29 does not exist in 1900-02'],
    ['2025-04-31T00:00:00Z', 'day 31 does not exist in 2025-04'],
    ['2025-12-32T00:00:00Z', 'day 32 does not exist in 2025-12'],
    ['2025-01-00T00:00:00Z', 'day 0 does not exist in 2025-01'],
    ['0005-02-29T00:00:00Z', 'day 29 does not exist in 5-02'],
    ['2025-10-31T24:00:00Z', 'hour 24 does not exist'],
    ['2025-10-31T99:00:00Z', 'hour 99 does not exist'],
    ['2025-10-31T23:60:00Z', 'minute 60 does not exist'],
    ['2025-10-31T23:59:60Z', 'second 60 does not exist'],
    ['2025-10-31T23:59:99Z', 'second 99 does not exist'],
    ['2025-10-31T19:00:00+18:01', 'offset beyond ±18:00'],
    ['2025-10-31T19:00:00-18:01', 'offset beyond ±18:00'],
    ['2025-10-31T19:00:00+19', 'offset beyond ±18:00'],
    ['2025-10-31T19:00:00+1830', 'offset beyond ±18:00'],
    ['2025-10-31T19:00:00+05:60', 'offset minute 60 does not exist'],
    ['2025-10-31T19:00:00+0560', 'offset minute 60 does not exist'],
    ['2025-10-31T19:00:00+', 'expected an offset as ±HH:MM'],
    ['2025-10-31T19:00:00+5', 'expected an offset as ±HH:MM'],
    ['2025-10-31T19:00:00+5:00', 'expected an offset as ±HH:MM'],
    ['2025-10-31T19:00:00+05:', 'expected an offset as ±HH:MM'],
    ['2025-10-31T19:00:00+05:3', 'expected an offset as ±HH:MM'],
    ['2025-10-31T19:00:00+05:a0', 'expected an offset as ±HH:MM'],
    ['2025-10-31T19:00:00+053', 'expected an offset as ±HH:MM'],
    ['2025-10-31T19:00:00+05a0', 'expected an offset as ±HH:MM'],
    ['2025-10-31T19:00:00Zabc', 'unexpected "abc" after the offset'],
    ['2025-10-31T19:00:00ZZ', 'unexpected "Z" after the offset'],
    ['2025-10-31T19:00:00+05:00:00', 'unexpected ":00" after the offset'],
    ['2025-10-31T19:00:00+05:00Z', 'unexpected "Z" after the offset'],
    ['2025-10-31T19:00:00+0500 ', 'unexpected " " after the offset'],
    ['2025-10-31T19:00:00 UTC', 'unexpected " UTC" after the time; expected an offset like Z or -05:00'],
    ['2025-10-31T19:00:00 Z', 'unexpected " Z" after the time; expected an offset like Z or -05:00'],
    ['2025-10-31T19:00:00GMT', 'unexpected "GMT" after the time; expected an offset like Z or -05:00'],
  ])('%j: %s', (text, expected) => {
    expect(reason(text)).toBe(expected);
  });

  it('checks the date before the offset, so an impossible date is named even with a valid offset', () => {
    expect(reason('2025-02-29T00:00:00+01:00')).toBe('day 29 does not exist in 2025-02');
  });

  it('refuses a timestamp without an offset when no input time zone is named', () => {
    const message = 'has no UTC offset; write one (Z, +02:00) or name the input time zone';
    expect(reason('2025-10-31T19:00:00')).toBe(message);
    expect(reason('2025-10-31T19:00')).toBe(message);
    expect(reason('2025-10-31T19:00:00.123')).toBe(message);
    expect(reason('2025-10-31T19:00:00', {})).toBe(message);
    expect(reason('2025-10-31T19:00:00', { inputTimeZone: undefined })).toBe(message);
    expect(reason('2025-10-31T19:00:00', { inputTimeZone: '' })).toBe(message);
  });

  it('still validates the date and time when there is no offset', () => {
    expect(reason('2025-02-29T00:00:00', { inputTimeZone: 'UTC' })).toBe('day 29 does not exist in 2025-02');
    expect(reason('2025-10-31T24:00:00', { inputTimeZone: 'UTC' })).toBe('hour 24 does not exist');
  });
});

describe('parseTimestamp: local times with an input time zone', () => {
  it('the documented example: 03:30 in Berlin on the spring-forward day is 01:30Z', () => {
    expect(formatInstant(parseTimestamp('2025-03-30T03:30:00', { inputTimeZone: 'Europe/Berlin' }))).toBe('2025-03-30T01:30:00Z');
  });

  it.each([
    ['2025-01-15T12:00:00', 'Europe/Berlin', '2025-01-15T11:00:00Z'],
    ['2025-07-15T12:00:00', 'Europe/Berlin', '2025-07-15T10:00:00Z'],
    ['2025-03-30T01:59:59', 'Europe/Berlin', '2025-03-30T00:59:59Z'],
    ['2025-03-30T03:00:00', 'Europe/Berlin', '2025-03-30T01:00:00Z'],
    ['2025-10-26T01:59:59', 'Europe/Berlin', '2025-10-25T23:59:59Z'],
    ['2025-10-26T03:00:00', 'Europe/Berlin', '2025-10-26T02:00:00Z'],
    ['2025-07-04T12:00:00', 'America/New_York', '2025-07-04T16:00:00Z'],
    ['2025-12-25T12:00:00', 'America/New_York', '2025-12-25T17:00:00Z'],
    ['2025-03-09T01:59:59', 'America/New_York', '2025-03-09T06:59:59Z'],
    ['2025-03-09T03:00:00', 'America/New_York', '2025-03-09T07:00:00Z'],
    ['2025-10-31T19:00:00', 'America/New_York', '2025-10-31T23:00:00Z'],
    ['2025-10-31T21:30:00', 'America/New_York', '2025-11-01T01:30:00Z'],
    ['2025-11-02T02:00:00', 'America/New_York', '2025-11-02T07:00:00Z'],
    ['2025-10-01T09:00:00', 'Asia/Tokyo', '2025-10-01T00:00:00Z'],
    ['2025-10-01T05:30:00', 'Asia/Kolkata', '2025-10-01T00:00:00Z'],
    ['2025-10-01T00:00:00', 'UTC', '2025-10-01T00:00:00Z'],
    ['2025-10-01 00:00', 'UTC', '2025-10-01T00:00:00Z'],
    ['2025-10-01t00:00:00', 'Etc/UTC', '2025-10-01T00:00:00Z'],
  ])('%s in %s is %s', (text, zone, expected) => {
    expect(formatInstant(parseTimestamp(text, { inputTimeZone: zone }))).toBe(expected);
  });

  it('an ambiguous local time (clocks fall back) resolves to the earlier instant', () => {
    // Berlin 2025-10-26: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    expect(formatInstant(parseTimestamp('2025-10-26T02:30:00', { inputTimeZone: 'Europe/Berlin' }))).toBe('2025-10-26T00:30:00Z');
    expect(formatInstant(parseTimestamp('2025-10-26T02:00:00', { inputTimeZone: 'Europe/Berlin' }))).toBe('2025-10-26T00:00:00Z');
    expect(formatInstant(parseTimestamp('2025-10-26T02:59:59', { inputTimeZone: 'Europe/Berlin' }))).toBe('2025-10-26T00:59:59Z');
    // New York 2025-11-02: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(formatInstant(parseTimestamp('2025-11-02T01:30:00', { inputTimeZone: 'America/New_York' }))).toBe('2025-11-02T05:30:00Z');
    expect(formatInstant(parseTimestamp('2025-11-02T01:00:00', { inputTimeZone: 'America/New_York' }))).toBe('2025-11-02T05:00:00Z');
  });

  it('reads local times in year 0000 (1 BC) too', () => {
    // America/New_York used local mean time, UTC−4:56:02, then.
    expect(formatInstant(parseTimestamp('0000-06-01T00:00:00', { inputTimeZone: 'America/New_York' }))).toBe('0000-06-01T04:56:02Z');
    expect(formatInstant(parseTimestamp('0000-12-31T20:00:00', { inputTimeZone: 'America/New_York' }))).toBe('0001-01-01T00:56:02Z');
    expect(formatInstant(parseTimestamp('0001-01-01T03:00:00', { inputTimeZone: 'America/New_York' }))).toBe('0001-01-01T07:56:02Z');
  });

  it('keeps the fraction of a local time', () => {
    expect(parseTimestamp('2025-03-30T03:30:00.123456789', { inputTimeZone: 'Europe/Berlin' })).toEqual({
      epochMs: utc(2025, 2, 30, 1, 30, 0, 123),
      nanos: 456_789,
    });
    expect(parseTimestamp('2025-10-26T02:30:00.5', { inputTimeZone: 'Europe/Berlin' })).toEqual({
      epochMs: utc(2025, 9, 26, 0, 30, 0, 500),
      nanos: 0,
    });
  });

  it.each([
    ['2025-03-30T02:30:00', 'Europe/Berlin'],
    ['2025-03-30T02:00:00', 'Europe/Berlin'],
    ['2025-03-30T02:59:59.999', 'Europe/Berlin'],
    ['2025-03-09T02:30:00', 'America/New_York'],
    ['2025-03-09T02:00:00', 'America/New_York'],
  ])('%s does not exist in %s (daylight-saving gap)', (text, zone) => {
    const e = thrown(() => parseTimestamp(text, { inputTimeZone: zone }));
    expect(e).toBeInstanceOf(NonexistentLocalTimeError);
    const error = e as NonexistentLocalTimeError;
    expect(error.code).toBe('NONEXISTENT_LOCAL_TIME');
    expect(error.field).toBe('timestamp');
    expect(error.message).toBe(`local time ${text} does not exist in ${zone}: the clocks skip it (daylight-saving gap)`);
  });

  it.each(['Not/AZone', 'Europe/Berlinn', '+02:00', 'Z'])('an unknown zone %j is an InvalidTimeZoneError', (zone) => {
    const e = thrown(() => parseTimestamp('2025-10-31T19:00:00', { inputTimeZone: zone }));
    expect(e).toBeInstanceOf(InvalidTimeZoneError);
    expect((e as InvalidTimeZoneError).code).toBe('INVALID_TIME_ZONE');
    expect((e as Error).message).toBe(`unknown time zone ${JSON.stringify(zone)}; use an IANA name such as Europe/Berlin`);
  });
});

describe('parseTimestamp laws', () => {
  /** Instants in 0001–9998, so that any offset keeps the local date within 4-digit years. */
  const msArb = fc.integer({ min: -62_135_596_800_000 + 86_400_000, max: 253_370_764_800_000 });
  const offsetArb = fc.integer({ min: -18 * 60, max: 18 * 60 });
  const styleArb = fc.constantFrom('colon', 'basic', 'hours', 'z');

  function offsetText(minutes: number, style: string): string {
    if (style === 'z' && minutes === 0) return 'Z';
    const sign = minutes < 0 ? '-' : '+';
    const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
    const mm = String(Math.abs(minutes) % 60).padStart(2, '0');
    if (style === 'hours' && mm === '00') return `${sign}${hh}`;
    if (style === 'basic') return `${sign}${hh}${mm}`;
    return `${sign}${hh}:${mm}`;
  }

  /** The local wall-clock text of `ms` at a fixed offset, written independently with Date. */
  function writeWithOffset(ms: number, minutes: number, style: string): string {
    const local = new Date(ms + minutes * 60_000).toISOString().slice(0, 23);
    return `${local}${offsetText(minutes, style)}`;
  }

  it('an instant written with any offset parses back to the same instant', () => {
    fc.assert(
      fc.property(msArb, offsetArb, styleArb, (ms, minutes, style) => {
        expect(parseTimestamp(writeWithOffset(ms, minutes, style))).toEqual({ epochMs: ms, nanos: 0 });
      }),
    );
  });

  it('parse/format round-trips: parseTimestamp(formatInstant(i)) is i, nanos included', () => {
    fc.assert(
      fc.property(msArb, fc.integer({ min: 0, max: 999_999 }), (epochMs, nanos) => {
        const text = formatInstant({ epochMs, nanos });
        expect(parseTimestamp(text)).toEqual({ epochMs, nanos });
        expect(formatInstant(parseTimestamp(text))).toBe(text);
      }),
    );
  });

  it('a zone’s wall-clock reading resolves to an instant showing that reading, never later than the original', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'Pacific/Apia'];
    const formatters = new Map(
      zones.map((zone) => [
        zone,
        new Intl.DateTimeFormat('en-US', {
          timeZone: zone,
          hourCycle: 'h23',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
        }),
      ]),
    );
    const wallClock = (zone: string, ms: number): string => {
      const p = Object.fromEntries(formatters.get(zone)!.formatToParts(ms).map((x) => [x.type, x.value]));
      return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
    };
    // 1990–2037, whole seconds.
    const secondsArb = fc.integer({ min: 631_152_000, max: 2_145_916_800 });
    fc.assert(
      fc.property(secondsArb, fc.constantFrom(...zones), (seconds, zone) => {
        const ms = seconds * 1000;
        const text = wallClock(zone, ms);
        const parsed = parseTimestamp(text, { inputTimeZone: zone });
        expect(parsed.nanos).toBe(0);
        expect(parsed.epochMs).toBeLessThanOrEqual(ms);
        expect(wallClock(zone, parsed.epochMs)).toBe(text);
      }),
    );
  });
});
