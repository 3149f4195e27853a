import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ByokError,
  InvalidPeriodError,
  InvalidTimeZoneError,
  type Instant,
  type PeriodCalendar,
  createPeriodCalendar,
  formatInstant,
  formatPeriod,
  parsePeriod,
  parseTimestamp,
} from '@byok-billing/core';

const at = (epochMs: number): Instant => ({ epochMs, nanos: 0 });
const utc = (...args: [number, number, number?, number?, number?, number?, number?]): number => Date.UTC(...args);

/** Independent oracle: the local year-month of `ms` in `zone`, as Intl shows it. */
const oracleFormatters = new Map<string, Intl.DateTimeFormat>();
function localPeriod(zone: string, ms: number): string {
  let f = oracleFormatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit' });
    oracleFormatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));
  return `${parts.year!.padStart(4, '0')}-${parts.month}`;
}

describe('formatPeriod / parsePeriod', () => {
  it.each([
    [2025, 10, '2025-10'],
    [2025, 1, '2025-01'],
    [2025, 12, '2025-12'],
    [5, 3, '0005-03'],
    [0, 1, '0000-01'],
    [9999, 12, '9999-12'],
  ])('formatPeriod(%i, %i) is %s', (year, month, text) => {
    expect(formatPeriod(year, month)).toBe(text);
    expect(parsePeriod(text)).toEqual({ year, month });
  });

  it.each(['2025-13', '2025-00', '2025-1', '25-01', '2025/01', ' 2025-01', '2025-01 ', '2025-01-01', 'x2025-01', '2025-01x', '', '20250-01', '２０２５-01'])(
    'parsePeriod refuses %j with an InvalidPeriodError',
    (text) => {
      expect(() => parsePeriod(text)).toThrow(InvalidPeriodError);
      // A period label is input (an invoice row, a report): a ByokError with a code, as the CLI expects of input problems.
      expect(() => parsePeriod(text)).toThrow(ByokError);
      expect(() => parsePeriod(text)).toThrow(expect.objectContaining({ code: 'INVALID_PERIOD', name: 'InvalidPeriodError' }));
      expect(() => parsePeriod(text)).toThrow(`byok-billing: period ${JSON.stringify(text)} is not YYYY-MM`);
    },
  );

  it('parse/format round-trips for every period of years 0000–9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        expect(parsePeriod(formatPeriod(year, month))).toEqual({ year, month });
      }),
    );
  });
});

/**
 * Replaces Intl.DateTimeFormat while `fn` runs. Used to show what does not depend on the
 * platform's time-zone database.
 */
function withIntlDateTimeFormat(replacement: unknown, fn: () => void): void {
  const original = Intl.DateTimeFormat;
  Intl.DateTimeFormat = replacement as typeof Intl.DateTimeFormat;
  try {
    fn();
  } finally {
    Intl.DateTimeFormat = original;
  }
}

describe('createPeriodCalendar: UTC (the policy)', () => {
  // Built inside each test, so that a failure is a failing test, not a failing file.
  let calendar: PeriodCalendar | undefined;
  const cal = (): PeriodCalendar => (calendar ??= createPeriodCalendar());

  it('UTC calendars are pure arithmetic: they work without any time-zone database', () => {
    const noTimeZones = function (): never {
      throw new RangeError('no time-zone data');
    };
    withIntlDateTimeFormat(noTimeZones, () => {
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: 'UTC' })).toThrow('no time-zone data');
      for (const zone of [undefined, 'UTC', 'Etc/UTC', 'Z']) {
        const c = zone === undefined ? createPeriodCalendar() : createPeriodCalendar(zone);
        expect(c.resetTimeZone).toBe('UTC');
        expect(c.periodOf(at(utc(2025, 9, 31, 23, 59, 59, 999)))).toBe('2025-10');
        expect(c.periodOf(at(utc(2025, 10, 1)))).toBe('2025-11');
        expect(c.periodStartMs('2025-11')).toBe(utc(2025, 10, 1));
      }
    });
  });

  it('defaults to UTC, and UTC aliases are named UTC', () => {
    expect(cal().resetTimeZone).toBe('UTC');
    expect(createPeriodCalendar('UTC').resetTimeZone).toBe('UTC');
    expect(createPeriodCalendar('Etc/UTC').resetTimeZone).toBe('UTC');
    expect(createPeriodCalendar('Z').resetTimeZone).toBe('UTC');
    expect(createPeriodCalendar('Z').periodStartMs('2025-10')).toBe(utc(2025, 9, 1));
  });

  it('the last millisecond of a month belongs to it, the next to the next month', () => {
    expect(cal().periodOf(at(utc(2025, 9, 31, 23, 59, 59, 999)))).toBe('2025-10');
    expect(cal().periodOf(at(utc(2025, 10, 1)))).toBe('2025-11');
    expect(cal().periodOf(at(utc(2025, 9, 1)))).toBe('2025-10');
    expect(cal().periodOf(at(utc(2025, 9, 1) - 1))).toBe('2025-09');
  });

  it('crosses the year boundary', () => {
    expect(cal().periodOf(at(utc(2025, 11, 31, 23, 59, 59, 999)))).toBe('2025-12');
    expect(cal().periodOf(at(utc(2026, 0, 1)))).toBe('2026-01');
  });

  it('handles leap years', () => {
    expect(cal().periodOf(at(utc(2024, 1, 29, 23, 59, 59, 999)))).toBe('2024-02');
    expect(cal().periodOf(at(utc(2024, 2, 1)))).toBe('2024-03');
    expect(cal().periodOf(at(utc(2025, 1, 28, 23, 59, 59, 999)))).toBe('2025-02');
    expect(cal().periodOf(at(utc(2025, 2, 1)))).toBe('2025-03');
    expect(cal().periodStartMs('2024-03') - cal().periodStartMs('2024-02')).toBe(29 * 86_400_000);
    expect(cal().periodStartMs('2025-03') - cal().periodStartMs('2025-02')).toBe(28 * 86_400_000);
    expect(cal().periodStartMs('2100-03') - cal().periodStartMs('2100-02')).toBe(28 * 86_400_000);
    expect(cal().periodStartMs('2000-03') - cal().periodStartMs('2000-02')).toBe(29 * 86_400_000);
  });

  it('the worked example: 2025-10-31T21:30:00-05:00 belongs to November', () => {
    expect(cal().periodOf(parseTimestamp('2025-10-31T21:30:00-05:00'))).toBe('2025-11');
    expect(cal().periodOf(parseTimestamp('2025-09-30T23:59:59Z'))).toBe('2025-09');
  });

  it('periodStartMs is midnight UTC on the first', () => {
    expect(cal().periodStartMs('2025-10')).toBe(utc(2025, 9, 1));
    expect(cal().periodStartMs('2025-01')).toBe(utc(2025, 0, 1));
    expect(cal().periodStartMs('2025-12')).toBe(utc(2025, 11, 1));
    expect(cal().periodStartMs('1970-01')).toBe(0);
    expect(cal().periodStartMs('1969-12')).toBe(utc(1969, 11, 1));
  });

  it('handles instants before 1970', () => {
    expect(cal().periodOf(at(-1))).toBe('1969-12');
    expect(cal().periodOf(at(utc(1900, 1, 28, 12)))).toBe('1900-02');
  });

  it('nanos do not move an instant across a boundary', () => {
    expect(cal().periodOf({ epochMs: utc(2025, 10, 1) - 1, nanos: 999_999 })).toBe('2025-10');
  });

  it('periodStartMs refuses a malformed period', () => {
    expect(() => cal().periodStartMs('2025-13')).toThrow(InvalidPeriodError);
    expect(() => cal().periodStartMs('2025-13')).toThrow('byok-billing: period "2025-13" is not YYYY-MM');
    expect(() => cal().periodStartMs('October')).toThrow('is not YYYY-MM');
  });

  it('periodOf agrees with an independent computation for instants written with any offset', () => {
    const msArb = fc.integer({ min: -62_135_596_800_000 + 86_400_000, max: 253_370_764_800_000 }); // 0001-01-02 to 9999-01-01
    fc.assert(
      fc.property(msArb, fc.integer({ min: -18 * 60, max: 18 * 60 }), (ms, minutes) => {
        const sign = minutes < 0 ? '-' : '+';
        const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
        const mm = String(Math.abs(minutes) % 60).padStart(2, '0');
        const text = `${new Date(ms + minutes * 60_000).toISOString().slice(0, 23)}${sign}${hh}:${mm}`;
        const instant = parseTimestamp(text);
        expect(createPeriodCalendar().periodOf(instant)).toBe(new Date(ms).toISOString().slice(0, 7));
        expect(cal().periodOf(instant)).toBe(new Date(ms).toISOString().slice(0, 7));
      }),
    );
  });

  it('periodStartMs(periodOf(i)) ≤ i < start of the next period', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_370_764_800_000 }), (ms) => {
        const period = cal().periodOf(at(ms));
        const start = cal().periodStartMs(period);
        expect(start).toBeLessThanOrEqual(ms);
        expect(formatInstant(at(start)).slice(8)).toBe('01T00:00:00Z');
        expect(formatInstant(at(start)).slice(0, 7)).toBe(period);
      }),
    );
  });
});

describe('createPeriodCalendar: other reset zones (what-if runs)', () => {
  it('keeps the zone name', () => {
    expect(createPeriodCalendar('America/New_York').resetTimeZone).toBe('America/New_York');
  });

  it('America/New_York: months start at local midnight, EDT or EST', () => {
    const cal = createPeriodCalendar('America/New_York');
    expect(cal.periodStartMs('2025-11')).toBe(utc(2025, 10, 1, 4));
    expect(cal.periodStartMs('2025-12')).toBe(utc(2025, 11, 1, 5));
    expect(cal.periodStartMs('2026-01')).toBe(utc(2026, 0, 1, 5));
    expect(cal.periodOf(at(utc(2025, 10, 1, 4) - 1))).toBe('2025-10');
    expect(cal.periodOf(at(utc(2025, 10, 1, 4)))).toBe('2025-11');
    expect(cal.periodOf(at(utc(2025, 10, 1, 2, 30)))).toBe('2025-10');
    expect(cal.periodOf(at(utc(2026, 0, 1, 4, 59, 59, 999)))).toBe('2025-12');
    expect(cal.periodOf(at(utc(2026, 0, 1, 5)))).toBe('2026-01');
    expect(cal.periodOf(at(utc(2025, 11, 15)))).toBe('2025-12');
  });

  it('Asia/Tokyo: months start at 15:00Z the day before', () => {
    const cal = createPeriodCalendar('Asia/Tokyo');
    expect(cal.periodStartMs('2025-10')).toBe(utc(2025, 8, 30, 15));
    expect(cal.periodStartMs('2026-01')).toBe(utc(2025, 11, 31, 15));
    expect(cal.periodOf(at(utc(2025, 8, 30, 14, 59, 59, 999)))).toBe('2025-09');
    expect(cal.periodOf(at(utc(2025, 8, 30, 15)))).toBe('2025-10');
    expect(cal.periodOf(at(utc(2025, 11, 31, 15)))).toBe('2026-01');
    expect(cal.periodOf(at(utc(2025, 11, 31, 14, 59, 59, 999)))).toBe('2025-12');
  });

  it('a midnight skipped by daylight saving: the month starts when the clocks jump (America/Asuncion, 2023-10)', () => {
    // Paraguay sprang forward at 2023-10-01T00:00-04:00 = 04:00Z, straight to 01:00-03:00.
    const cal = createPeriodCalendar('America/Asuncion');
    const jump = utc(2023, 9, 1, 4);
    expect(localPeriod('America/Asuncion', jump - 1)).toBe('2023-09');
    expect(localPeriod('America/Asuncion', jump)).toBe('2023-10');
    expect(cal.periodStartMs('2023-10')).toBe(jump);
    expect(cal.periodOf(at(jump - 1))).toBe('2023-09');
    expect(cal.periodOf(at(jump))).toBe('2023-10');
    expect(() => parseTimestamp('2023-10-01T00:00:00', { inputTimeZone: 'America/Asuncion' })).toThrow('does not exist in America/Asuncion');
  });

  it('a midnight skipped by daylight saving: America/Havana, 2012-04', () => {
    // Cuba sprang forward at 2012-04-01T00:00-05:00 = 05:00Z, straight to 01:00-04:00.
    const cal = createPeriodCalendar('America/Havana');
    const jump = utc(2012, 3, 1, 5);
    expect(localPeriod('America/Havana', jump - 1)).toBe('2012-03');
    expect(localPeriod('America/Havana', jump)).toBe('2012-04');
    expect(cal.periodStartMs('2012-04')).toBe(jump);
    expect(cal.periodOf(at(jump - 1))).toBe('2012-03');
    expect(cal.periodOf(at(jump))).toBe('2012-04');
  });

  it('a midnight that happens twice (clocks fall back to 00:00): the month starts at the first (America/Havana, 2020-11)', () => {
    // Cuba fell back at 2020-11-01T01:00-04:00 = 05:00Z to 00:00-05:00: local midnight at 04:00Z and 05:00Z.
    const cal = createPeriodCalendar('America/Havana');
    expect(cal.periodStartMs('2020-11')).toBe(utc(2020, 10, 1, 4));
    expect(cal.periodOf(at(utc(2020, 10, 1, 4) - 1))).toBe('2020-10');
    expect(cal.periodOf(at(utc(2020, 10, 1, 4, 30)))).toBe('2020-11');
  });

  it('is right in year 0000 (1 BC), where Intl writes era years', () => {
    const cal = createPeriodCalendar('America/New_York');
    expect(cal.periodOf(parseTimestamp('0000-06-01T00:00:00Z'))).toBe('0000-05');
    expect(cal.periodOf(parseTimestamp('0000-06-01T04:56:02Z'))).toBe('0000-06');
    expect(cal.periodOf(parseTimestamp('0000-06-01T04:56:01.999Z'))).toBe('0000-05');
    expect(cal.periodStartMs('0000-06')).toBe(parseTimestamp('0000-06-01T04:56:02Z').epochMs);
    expect(cal.periodStartMs('0000-03')).toBe(parseTimestamp('0000-03-01T04:56:02Z').epochMs);
    expect(cal.periodStartMs('0001-01')).toBe(parseTimestamp('0001-01-01T04:56:02Z').epochMs);
  });

  it('refuses an unknown or fixed-offset reset zone', () => {
    expect(() => createPeriodCalendar('Not/AZone')).toThrow(InvalidTimeZoneError);
    expect(() => createPeriodCalendar('+02:00')).toThrow(InvalidTimeZoneError);
    expect(() => createPeriodCalendar('+02:00')).toThrow('unknown time zone "+02:00"');
  });

  const zones = [
    'America/New_York',
    'Asia/Tokyo',
    'Europe/Berlin',
    'America/Asuncion',
    'America/Havana',
    'America/Santiago',
    'Asia/Kolkata',
    'Australia/Lord_Howe',
    'Pacific/Apia',
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
    'America/St_Johns',
    'Africa/Cairo',
    'Asia/Damascus',
  ];
  // 1970–2037.
  const msArb = fc.integer({ min: 0, max: utc(2037, 11, 31) });

  it('periodOf is the local year-month in the reset zone, whatever order instants come in', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.array(msArb, { minLength: 1, maxLength: 20 }), (zone, list) => {
        const cal = createPeriodCalendar(zone);
        for (const ms of list) expect(cal.periodOf(at(ms))).toBe(localPeriod(zone, ms));
      }),
    );
  });

  it('consecutive instants near a month start: the one-entry cache never answers with a stale month', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), msArb, fc.array(fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }), { maxLength: 10 }), (zone, ms, deltas) => {
        const cal = createPeriodCalendar(zone);
        const start = cal.periodStartMs(cal.periodOf(at(ms)));
        for (const d of deltas) expect(cal.periodOf(at(start + d))).toBe(localPeriod(zone, start + d));
      }),
    );
  });

  it('periodStartMs is the first instant of the period: it is in the period, the millisecond before is not', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: 1971, max: 2037 }), fc.integer({ min: 1, max: 12 }), (zone, year, month) => {
        const cal = createPeriodCalendar(zone);
        const period = formatPeriod(year, month);
        const start = cal.periodStartMs(period);
        expect(localPeriod(zone, start)).toBe(period);
        expect(localPeriod(zone, start - 1)).not.toBe(period);
        expect(cal.periodOf(at(start))).toBe(period);
        expect(cal.periodOf(at(start - 1))).not.toBe(period);
      }),
    );
  });
});
