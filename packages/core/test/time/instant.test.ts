import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Instant, compareInstants, formatInstant, instantFromEpochMs } from '@byok-billing/core';
import { MS_PER_DAY, civilFromDays, daysFromCivil, daysInMonth, isLeapYear } from '../../src/time/instant.js';

/** Day numbers JavaScript's Date can represent: ±100,000,000 days around the epoch. */
const DATE_DAY_LIMIT = 100_000_000;

describe('instantFromEpochMs / compareInstants', () => {
  it('builds an instant, nanos defaulting to 0', () => {
    expect(instantFromEpochMs(1234)).toEqual({ epochMs: 1234, nanos: 0 });
    expect(instantFromEpochMs(-5, 42)).toEqual({ epochMs: -5, nanos: 42 });
  });

  it('orders by milliseconds first, then by nanoseconds', () => {
    const a: Instant = { epochMs: 1000, nanos: 999_999 };
    const b: Instant = { epochMs: 1001, nanos: 0 };
    expect(compareInstants(a, b)).toBe(-1);
    expect(compareInstants(b, a)).toBe(1);
    expect(compareInstants({ epochMs: 5, nanos: 1 }, { epochMs: 5, nanos: 2 })).toBe(-1);
    expect(compareInstants({ epochMs: 5, nanos: 2 }, { epochMs: 5, nanos: 1 })).toBe(1);
    expect(compareInstants({ epochMs: 5, nanos: 2 }, { epochMs: 5, nanos: 2 })).toBe(0);
    expect(compareInstants({ epochMs: -1, nanos: 0 }, { epochMs: 0, nanos: 0 })).toBe(-1);
  });

  it('compareInstants is a total order consistent with (epochMs, nanos)', () => {
    const instantArb = fc.record({ epochMs: fc.integer({ min: -5, max: 5 }), nanos: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(instantArb, instantArb, (a, b) => {
        const c = compareInstants(a, b);
        expect(compareInstants(b, a)).toBe(c === 0 ? 0 : -c);
        const key = (i: Instant): number => i.epochMs * 1_000_000 + i.nanos;
        expect(c).toBe(Math.sign(key(a) - key(b)));
      }),
    );
  });
});

describe('daysFromCivil / civilFromDays', () => {
  it.each([
    [1970, 1, 1, 0],
    [1970, 1, 2, 1],
    [1969, 12, 31, -1],
    [2000, 1, 1, 10_957],
    [2000, 2, 29, 11_016],
    [2000, 3, 1, 11_017],
    [2025, 10, 1, 20_362],
    [1, 1, 1, -719_162],
    [0, 1, 1, -719_528],
    [0, 3, 1, -719_468],
    [-1, 12, 31, -719_529],
    [1600, 1, 1, -135_140],
    [9999, 12, 31, 2_932_896],
  ])('%i-%i-%i is day %i', (y, mo, d, days) => {
    expect(daysFromCivil(y, mo, d)).toBe(days);
    expect(civilFromDays(days)).toEqual({ year: y, month: mo, day: d });
  });

  it('agrees with Date.UTC for every day of 1600–2400 (month starts and ends)', () => {
    for (let y = 1600; y <= 2400; y++) {
      for (let mo = 1; mo <= 12; mo++) {
        for (const d of [1, daysInMonth(y, mo)]) {
          expect(daysFromCivil(y, mo, d) * MS_PER_DAY).toBe(Date.UTC(y, mo - 1, d));
        }
      }
    }
  });

  it('civilFromDays inverts daysFromCivil over a wide range of dates', () => {
    const dateArb = fc
      .record({ year: fc.integer({ min: -300_000, max: 300_000 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) })
      .filter(({ year, month, day }) => day <= daysInMonth(year, month));
    fc.assert(
      fc.property(dateArb, (date) => {
        expect(civilFromDays(daysFromCivil(date.year, date.month, date.day))).toEqual(date);
      }),
    );
  });

  it('daysFromCivil inverts civilFromDays over a wide range of day numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000_000, max: 100_000_000 }), (days) => {
        const { year, month, day } = civilFromDays(days);
        expect(month).toBeGreaterThanOrEqual(1);
        expect(month).toBeLessThanOrEqual(12);
        expect(day).toBeGreaterThanOrEqual(1);
        expect(day).toBeLessThanOrEqual(daysInMonth(year, month));
        expect(daysFromCivil(year, month, day)).toBe(days);
      }),
    );
  });

  it('consecutive day numbers are consecutive calendar days', () => {
    fc.assert(
      fc.property(fc.integer({ min: -DATE_DAY_LIMIT, max: DATE_DAY_LIMIT - 1 }), (days) => {
        const a = civilFromDays(days);
        const b = civilFromDays(days + 1);
        if (a.day < daysInMonth(a.year, a.month)) {
          expect(b).toEqual({ year: a.year, month: a.month, day: a.day + 1 });
        } else if (a.month < 12) {
          expect(b).toEqual({ year: a.year, month: a.month + 1, day: 1 });
        } else {
          expect(b).toEqual({ year: a.year + 1, month: 1, day: 1 });
        }
      }),
    );
  });

  it('agrees with Date for years ≥ 100 (Date.UTC maps years 0–99 to 1900–1999)', () => {
    const minDays = daysFromCivil(100, 1, 1);
    fc.assert(
      fc.property(fc.integer({ min: minDays, max: DATE_DAY_LIMIT }), (days) => {
        const { year, month, day } = civilFromDays(days);
        expect(year).toBeGreaterThanOrEqual(100);
        expect(daysFromCivil(year, month, day) * MS_PER_DAY).toBe(Date.UTC(year, month - 1, day));
        const date = new Date(days * MS_PER_DAY);
        expect({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() }).toEqual({ year, month, day });
      }),
    );
  });

  it('is correct for years 0–99, where Date.UTC would say 1900–1999', () => {
    // Cross-check through setUTCFullYear, which takes the year literally.
    for (const year of [0, 1, 4, 50, 99]) {
      const d = new Date(0);
      d.setUTCFullYear(year, 2, 1);
      expect(daysFromCivil(year, 3, 1) * MS_PER_DAY).toBe(d.getTime());
      expect(civilFromDays(daysFromCivil(year, 3, 1))).toEqual({ year, month: 3, day: 1 });
    }
  });
});

describe('isLeapYear / daysInMonth', () => {
  it.each([
    [2024, true],
    [2025, false],
    [2000, true],
    [1900, false],
    [2100, false],
    [2400, true],
    [0, true],
    [-4, true],
    [-100, false],
    [1996, true],
  ])('isLeapYear(%i) is %s', (year, leap) => {
    expect(isLeapYear(year)).toBe(leap);
  });

  it('gives every month its length', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((mo) => daysInMonth(2025, mo))).toEqual([
      31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
    ]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
  });

  it('daysInMonth agrees with Date for any month', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 200_000 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        expect(daysInMonth(year, month)).toBe(new Date(Date.UTC(year, month, 0)).getUTCDate());
      }),
    );
  });
});

describe('formatInstant', () => {
  it.each([
    [0, 0, '1970-01-01T00:00:00Z'],
    [1_759_276_800_000, 0, '2025-10-01T00:00:00Z'],
    [1_759_276_800_123, 0, '2025-10-01T00:00:00.123Z'],
    [1_759_276_800_100, 0, '2025-10-01T00:00:00.100Z'],
    [1_759_276_800_001, 0, '2025-10-01T00:00:00.001Z'],
    [1_759_276_800_123, 456_000, '2025-10-01T00:00:00.123456Z'],
    [1_759_276_800_123, 456_789, '2025-10-01T00:00:00.123456789Z'],
    [1_759_276_800_000, 1_000, '2025-10-01T00:00:00.000001Z'],
    [1_759_276_800_000, 1, '2025-10-01T00:00:00.000000001Z'],
    [1_759_276_800_000, 999_999, '2025-10-01T00:00:00.000999999Z'],
    [1_759_276_800_000, 100_000, '2025-10-01T00:00:00.000100Z'],
    [1_759_276_800_000, 10, '2025-10-01T00:00:00.000000010Z'],
    [-1, 0, '1969-12-31T23:59:59.999Z'],
    [-1, 500_000, '1969-12-31T23:59:59.999500Z'],
    [-86_400_000, 0, '1969-12-31T00:00:00Z'],
    [Date.UTC(2025, 10, 1, 2, 30, 0), 0, '2025-11-01T02:30:00Z'],
    [Date.UTC(2024, 1, 29, 23, 59, 59, 999), 0, '2024-02-29T23:59:59.999Z'],
    [Date.UTC(2025, 0, 2, 3, 4, 5, 6), 0, '2025-01-02T03:04:05.006Z'],
  ])('epochMs %i nanos %i is %s', (epochMs, nanos, text) => {
    expect(formatInstant({ epochMs, nanos })).toBe(text);
  });

  it('writes years outside 0000–9999 in the expanded six-digit form', () => {
    expect(formatInstant({ epochMs: daysFromCivil(9999, 12, 31) * MS_PER_DAY, nanos: 0 })).toBe('9999-12-31T00:00:00Z');
    expect(formatInstant({ epochMs: daysFromCivil(10_000, 1, 1) * MS_PER_DAY, nanos: 0 })).toBe('+010000-01-01T00:00:00Z');
    expect(formatInstant({ epochMs: daysFromCivil(0, 1, 1) * MS_PER_DAY, nanos: 0 })).toBe('0000-01-01T00:00:00Z');
    expect(formatInstant({ epochMs: daysFromCivil(0, 1, 1) * MS_PER_DAY - 1, nanos: 0 })).toBe('-000001-12-31T23:59:59.999Z');
    expect(formatInstant({ epochMs: daysFromCivil(-12_345, 6, 7) * MS_PER_DAY, nanos: 0 })).toBe('-012345-06-07T00:00:00Z');
  });

  it('matches Date.prototype.toISOString for whole milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(formatInstant({ epochMs: ms, nanos: 0 })).toBe(iso.replace(/\.000Z$/, 'Z'));
      }),
    );
  });

  it('writes 0, 3, 6 or 9 fractional digits: as many as the instant needs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: 0, max: 999_999 }), (ms, nanos) => {
        const text = formatInstant({ epochMs: ms, nanos });
        const fraction = /(?:\.(\d+))?Z$/.exec(text)?.[1] ?? '';
        const expectedDigits = nanos !== 0 ? (nanos % 1000 === 0 ? 6 : 9) : ms % 1000 !== 0 ? 3 : 0;
        expect(fraction.length).toBe(expectedDigits);
        const nineDigits = fraction.padEnd(9, '0');
        expect(Number(nineDigits.slice(0, 3))).toBe(ms % 1000);
        expect(Number(nineDigits.slice(3))).toBe(nanos);
      }),
    );
  });
});
