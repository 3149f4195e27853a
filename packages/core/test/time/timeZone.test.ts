import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidTimeZoneError, NonexistentLocalTimeError, assertTimeZone } from '@byok-billing/core';
import { MS_PER_DAY, daysFromCivil } from '../../src/time/instant.js';
import { resolveLocalTime } from '../../src/time/resolveLocalTime.js';
import { zoneOffsetMs } from '../../src/time/timeZone.js';
import { thrown } from '../support/expectErrors.js';

const HOUR = 3_600_000;

/** Wall-clock time written as if it were UTC, as resolveLocalTime takes it. */
const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number =>
  daysFromCivil(y, mo, d) * MS_PER_DAY + h * HOUR + mi * 60_000 + s * 1000;

describe('assertTimeZone', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'Etc/GMT-14', 'europe/berlin', 'EST5EDT'])(
    'accepts %j',
    (zone) => {
      expect(() => assertTimeZone(zone)).not.toThrow();
    },
  );

  it.each(['+02:00', '-05:00', '', ' Europe/Berlin', 'Europe/Berlin ', '1Europe', '_Europe', 'Europe/Ber lin', 'Europe:Berlin', 'Z'])(
    'refuses %j by its shape',
    (zone) => {
      const e = thrown(() => assertTimeZone(zone));
      expect(e).toBeInstanceOf(InvalidTimeZoneError);
      expect((e as InvalidTimeZoneError).code).toBe('INVALID_TIME_ZONE');
      expect((e as Error).message).toBe(`unknown time zone ${JSON.stringify(zone)}; use an IANA name such as Europe/Berlin`);
    },
  );

  it('refuses fixed offsets and malformed names by their shape, even where Intl would accept them', () => {
    // Newer V8 versions accept offset zones such as "+02:00" in Intl.DateTimeFormat; the
    // shape check must refuse them regardless. Simulate such a permissive platform.
    const Original = Intl.DateTimeFormat;
    const permissive = function (locale?: string, options?: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
      return new Original(locale, { ...options, timeZone: 'UTC' });
    };
    Intl.DateTimeFormat = permissive as unknown as typeof Intl.DateTimeFormat;
    try {
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: '+02:00' })).not.toThrow();
      for (const zone of ['+02:00', '-0500', '1Europe', '_Europe', 'Europe/Berlin ', ' Europe/Berlin', 'Europe/Ber lin', 'Europe:Berlin', '']) {
        expect(() => assertTimeZone(zone), zone).toThrow(InvalidTimeZoneError);
        expect(() => assertTimeZone(zone), zone).toThrow(`unknown time zone ${JSON.stringify(zone)}; use an IANA name such as Europe/Berlin`);
      }
    } finally {
      Intl.DateTimeFormat = Original;
    }
  });

  it.each(['Not/AZone', 'Europe/Atlantis', 'Mars'])('refuses %j, which has the shape but is not in the IANA database', (zone) => {
    const e = thrown(() => assertTimeZone(zone));
    expect(e).toBeInstanceOf(InvalidTimeZoneError);
    expect((e as Error).message).toBe(`unknown time zone ${JSON.stringify(zone)}; use an IANA name such as Europe/Berlin`);
    // A second time too (nothing is cached for a refused zone).
    expect(() => assertTimeZone(zone)).toThrow(InvalidTimeZoneError);
  });
});

describe('zoneOffsetMs', () => {
  it.each([
    ['UTC', Date.UTC(2025, 0, 15), 0],
    ['Europe/Berlin', Date.UTC(2025, 0, 15), HOUR],
    ['Europe/Berlin', Date.UTC(2025, 6, 15), 2 * HOUR],
    ['America/New_York', Date.UTC(2025, 0, 15), -5 * HOUR],
    ['America/New_York', Date.UTC(2025, 6, 15), -4 * HOUR],
    ['Asia/Kolkata', Date.UTC(2025, 6, 15), 5.5 * HOUR],
    ['Asia/Kathmandu', Date.UTC(2025, 6, 15), 5.75 * HOUR],
    ['Pacific/Kiritimati', Date.UTC(2025, 6, 15), 14 * HOUR],
    ['Etc/GMT+12', Date.UTC(2025, 6, 15), -12 * HOUR],
  ])('%s at %i is %i ms', (zone, ms, offset) => {
    expect(zoneOffsetMs(zone, ms)).toBe(offset);
  });

  it('switches exactly at the transition instant', () => {
    // Berlin springs forward at 2025-03-30T01:00:00Z.
    expect(zoneOffsetMs('Europe/Berlin', Date.UTC(2025, 2, 30, 1) - 1)).toBe(HOUR);
    expect(zoneOffsetMs('Europe/Berlin', Date.UTC(2025, 2, 30, 1))).toBe(2 * HOUR);
    // ... and falls back at 2025-10-26T01:00:00Z.
    expect(zoneOffsetMs('Europe/Berlin', Date.UTC(2025, 9, 26, 1) - 1)).toBe(2 * HOUR);
    expect(zoneOffsetMs('Europe/Berlin', Date.UTC(2025, 9, 26, 1))).toBe(HOUR);
  });

  it('is exact for instants between whole seconds, before and after the epoch', () => {
    expect(zoneOffsetMs('UTC', 1500)).toBe(0);
    expect(zoneOffsetMs('UTC', 999)).toBe(0);
    expect(zoneOffsetMs('UTC', -1)).toBe(0);
    expect(zoneOffsetMs('UTC', -500)).toBe(0);
    expect(zoneOffsetMs('UTC', -1001)).toBe(0);
    expect(zoneOffsetMs('Europe/Berlin', -1)).toBe(HOUR);
    expect(zoneOffsetMs('Asia/Tokyo', Date.UTC(2025, 0, 1, 12, 0, 0, 999))).toBe(9 * HOUR);
  });

  it('matches the offset Intl reports as "longOffset" for any instant', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/St_Johns', 'UTC'];
    const names = new Map(zones.map((z) => [z, new Intl.DateTimeFormat('en-US', { timeZone: z, timeZoneName: 'longOffset' })]));
    const offsetOf = (zone: string, ms: number): number => {
      const name = names.get(zone)!.formatToParts(ms).find((p) => p.type === 'timeZoneName')!.value;
      const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
      if (!m) throw new Error(`unexpected offset name ${name}`);
      if (m[1] === undefined) return 0;
      return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * HOUR + Number(m[3]) * 60_000);
    };
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2037, 11, 31) }), fc.constantFrom(...zones), (ms, zone) => {
        expect(zoneOffsetMs(zone, ms)).toBe(offsetOf(zone, ms));
      }),
    );
  });

  it('throws InvalidTimeZoneError for an unknown zone', () => {
    expect(() => zoneOffsetMs('Not/AZone', 0)).toThrow(InvalidTimeZoneError);
  });

  it('is right for instants before 1 AD, which Intl writes as era years (1 BC is year 0)', () => {
    // New York kept local mean time, UTC−4:56:02, until 1883.
    const lmt = -(4 * HOUR + 56 * 60_000 + 2_000);
    expect(zoneOffsetMs('America/New_York', daysFromCivil(1, 1, 1) * MS_PER_DAY + 12 * HOUR)).toBe(lmt);
    expect(zoneOffsetMs('America/New_York', daysFromCivil(0, 6, 1) * MS_PER_DAY)).toBe(lmt);
    expect(zoneOffsetMs('America/New_York', daysFromCivil(0, 3, 1) * MS_PER_DAY)).toBe(lmt); // local 29 Feb of year 0
    expect(zoneOffsetMs('America/New_York', daysFromCivil(1, 1, 1) * MS_PER_DAY)).toBe(lmt); // local 31 Dec of year 0
    expect(zoneOffsetMs('America/New_York', daysFromCivil(-250, 10, 19) * MS_PER_DAY)).toBe(lmt);
    expect(zoneOffsetMs('Asia/Tokyo', daysFromCivil(0, 12, 31) * MS_PER_DAY + 20 * HOUR)).toBe(9 * HOUR + 18 * 60_000 + 59_000);
    expect(zoneOffsetMs('UTC', daysFromCivil(-1000, 1, 1) * MS_PER_DAY)).toBe(0);
  });
});

describe('resolveLocalTime', () => {
  const describeIt = (): string => 'the local time';

  it('converts an unambiguous wall-clock time', () => {
    expect(resolveLocalTime(local(2025, 1, 15, 12), 'Europe/Berlin', describeIt)).toBe(Date.UTC(2025, 0, 15, 11));
    expect(resolveLocalTime(local(2025, 7, 15, 12), 'Europe/Berlin', describeIt)).toBe(Date.UTC(2025, 6, 15, 10));
    expect(resolveLocalTime(local(2025, 7, 15, 12), 'UTC', describeIt)).toBe(Date.UTC(2025, 6, 15, 12));
  });

  it('around the spring-forward gap', () => {
    expect(resolveLocalTime(local(2025, 3, 30, 1, 59, 59), 'Europe/Berlin', describeIt)).toBe(Date.UTC(2025, 2, 30, 0, 59, 59));
    expect(resolveLocalTime(local(2025, 3, 30, 3), 'Europe/Berlin', describeIt)).toBe(Date.UTC(2025, 2, 30, 1));
    const e = thrown(() => resolveLocalTime(local(2025, 3, 30, 2, 30), 'Europe/Berlin', describeIt));
    expect(e).toBeInstanceOf(NonexistentLocalTimeError);
    expect((e as NonexistentLocalTimeError).code).toBe('NONEXISTENT_LOCAL_TIME');
    expect((e as NonexistentLocalTimeError).field).toBe('timestamp');
    expect((e as Error).message).toBe('the local time does not exist in Europe/Berlin: the clocks skip it (daylight-saving gap)');
  });

  it('resolves a repeated wall-clock time (fall back) to the earlier instant', () => {
    expect(resolveLocalTime(local(2025, 10, 26, 2, 30), 'Europe/Berlin', describeIt)).toBe(Date.UTC(2025, 9, 26, 0, 30));
    expect(resolveLocalTime(local(2025, 11, 2, 1, 30), 'America/New_York', describeIt)).toBe(Date.UTC(2025, 10, 2, 5, 30));
    // The southern hemisphere falls back in April: Sydney 2025-04-06 03:00 AEDT → 02:00 AEST.
    expect(resolveLocalTime(local(2025, 4, 6, 2, 30), 'Australia/Sydney', describeIt)).toBe(Date.UTC(2025, 3, 5, 15, 30));
  });

  it('calls describe only to build the error message', () => {
    let calls = 0;
    const counting = (): string => {
      calls++;
      return 'x';
    };
    resolveLocalTime(local(2025, 1, 15, 12), 'Europe/Berlin', counting);
    expect(calls).toBe(0);
    expect(() => resolveLocalTime(local(2025, 3, 30, 2, 30), 'Europe/Berlin', counting)).toThrow('x does not exist in Europe/Berlin');
    expect(calls).toBe(1);
  });

  it('handles a zone that skipped a whole day (Pacific/Apia, end of 2011-12-29)', () => {
    // Samoa jumped from UTC−10 to UTC+14: 2011-12-30 never happened there.
    expect(() => resolveLocalTime(local(2011, 12, 30, 12), 'Pacific/Apia', describeIt)).toThrow(NonexistentLocalTimeError);
    expect(resolveLocalTime(local(2011, 12, 31, 0), 'Pacific/Apia', describeIt)).toBe(Date.UTC(2011, 11, 30, 10));
  });
});
