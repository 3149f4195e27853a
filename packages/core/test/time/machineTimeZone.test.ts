import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createPeriodCalendar, formatInstant, parseTimestamp } from '@byok-billing/core';

/*
 * The core must not depend on the machine it runs on (timeZone.ts explains why
 * date-fns-tz was refused). Node re-reads process.env.TZ when it is assigned, so each
 * machine zone below really changes what Date's local-time methods report; the table of
 * results must not move.
 *
 * Assigning process.env.TZ only takes effect on a process's main thread: in a worker
 * thread (Stryker's vitest runner forces pool "threads") the assignment changes nothing.
 * So the in-process check runs when the tests run in a forked process (vitest's default
 * pool), and the same table is also checked in a child Node process, which works under
 * either pool.
 */

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const MACHINE_ZONES = ['UTC', 'Pacific/Apia', 'Australia/Sydney', 'America/New_York'] as const;

/** Date's local offset in January 2025 under each machine zone: proof the switch took effect. */
const EXPECTED_LOCAL_OFFSET_MINUTES: Record<(typeof MACHINE_ZONES)[number], number> = {
  UTC: 0,
  'Pacific/Apia': -13 * 60,
  'Australia/Sydney': -11 * 60,
  'America/New_York': 5 * 60,
};

const PARSE_CASES: ReadonlyArray<readonly [string, string | undefined, string]> = [
  ['2025-10-31T23:59:59.123Z', undefined, '2025-10-31T23:59:59.123Z'],
  ['2025-10-31T21:30:00-05:00', undefined, '2025-11-01T02:30:00Z'],
  ['2024-07-15T23:33:19.433273+00:00', undefined, '2024-07-15T23:33:19.433273Z'],
  ['1759276800000', undefined, '2025-10-01T00:00:00Z'],
  ['0', undefined, '1970-01-01T00:00:00Z'],
  ['2025-03-30T03:30:00', 'Europe/Berlin', '2025-03-30T01:30:00Z'],
  ['2025-10-26T02:30:00', 'Europe/Berlin', '2025-10-26T00:30:00Z'],
  ['2025-11-02T01:30:00', 'America/New_York', '2025-11-02T05:30:00Z'],
  ['2025-03-09T03:00:00', 'America/New_York', '2025-03-09T07:00:00Z'],
  ['2025-04-06T02:30:00', 'Australia/Sydney', '2025-04-05T15:30:00Z'],
  ['2025-10-01T00:00:00', 'Pacific/Apia', '2025-09-30T11:00:00Z'],
  ['2025-10-01T00:00:00', 'UTC', '2025-10-01T00:00:00Z'],
];

const GAP_CASES: ReadonlyArray<readonly [string, string]> = [
  ['2025-03-30T02:30:00', 'Europe/Berlin'],
  ['2025-03-09T02:30:00', 'America/New_York'],
  ['2025-10-05T02:30:00', 'Australia/Sydney'],
];

const PERIOD_CASES: ReadonlyArray<readonly [string, string, string]> = [
  ['UTC', '2025-10-31T23:59:59.999Z', '2025-10'],
  ['UTC', '2025-11-01T00:00:00Z', '2025-11'],
  ['UTC', '2025-10-31T21:30:00-05:00', '2025-11'],
  ['UTC', '2024-02-29T23:59:59Z', '2024-02'],
  ['America/New_York', '2025-11-01T03:59:59Z', '2025-10'],
  ['America/New_York', '2025-11-01T04:00:00Z', '2025-11'],
  ['Asia/Tokyo', '2025-09-30T15:00:00Z', '2025-10'],
  ['Asia/Tokyo', '2025-09-30T14:59:59Z', '2025-09'],
  ['America/Asuncion', '2023-10-01T04:00:00Z', '2023-10'],
  ['America/Asuncion', '2023-10-01T03:59:59.999Z', '2023-09'],
  ['Pacific/Apia', '2025-09-30T11:00:00Z', '2025-10'],
];

const START_CASES: ReadonlyArray<readonly [string, string, string]> = [
  ['UTC', '2025-10', '2025-10-01T00:00:00Z'],
  ['America/New_York', '2025-11', '2025-11-01T04:00:00Z'],
  ['America/New_York', '2025-12', '2025-12-01T05:00:00Z'],
  ['Asia/Tokyo', '2025-10', '2025-09-30T15:00:00Z'],
  ['America/Asuncion', '2023-10', '2023-10-01T04:00:00Z'],
  ['America/Havana', '2012-04', '2012-04-01T05:00:00Z'],
  ['Australia/Sydney', '2025-10', '2025-09-30T14:00:00Z'],
];

/** What every machine zone must give for the table. */
const EXPECTED_TABLE = {
  parsed: PARSE_CASES.map(([, , expected]) => expected),
  gaps: GAP_CASES.map(() => 'NonexistentLocalTimeError'),
  periods: PERIOD_CASES.map(([, , period]) => period),
  starts: START_CASES.map(([, , start]) => start),
};

const CHILD_INPUT = { zones: MACHINE_ZONES, parse: PARSE_CASES, gaps: GAP_CASES, periods: PERIOD_CASES, starts: START_CASES };

/**
 * Loads the core's TypeScript sources through Vite (as vitest does), then, for each
 * machine zone, switches TZ on its own main thread and computes the table.
 */
const CHILD_SCRIPT = `
const input = JSON.parse(process.argv[1]);
const { createViteServer } = await import('vitest/node');
const server = await createViteServer({
  root: process.cwd(), configFile: false, logLevel: 'silent', appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false }, optimizeDeps: { noDiscovery: true, include: [] },
});
try {
  const core = await server.ssrLoadModule('/packages/core/src/index.ts');
  const results = {};
  for (const tz of input.zones) {
    process.env.TZ = tz;
    results[tz] = {
      offset: new Date(2025, 0, 15, 12).getTimezoneOffset(),
      table: {
        parsed: input.parse.map(([text, zone]) => core.formatInstant(core.parseTimestamp(text, { inputTimeZone: zone ?? undefined }))),
        gaps: input.gaps.map(([text, zone]) => {
          try { core.parseTimestamp(text, { inputTimeZone: zone }); return 'no error'; } catch (e) { return e.name; }
        }),
        periods: input.periods.map(([zone, text]) => core.createPeriodCalendar(zone).periodOf(core.parseTimestamp(text))),
        starts: input.starts.map(([zone, period]) => core.formatInstant({ epochMs: core.createPeriodCalendar(zone).periodStartMs(period), nanos: 0 })),
      },
    };
  }
  process.stdout.write(JSON.stringify(results));
} finally {
  await server.close();
}
`;

/** Everything the time functions answer for the fixed table, in the shape of EXPECTED_TABLE. */
function snapshot(): unknown {
  return {
    parsed: PARSE_CASES.map(([text, zone]) => formatInstant(parseTimestamp(text, { inputTimeZone: zone }))),
    gaps: GAP_CASES.map(([text, zone]) => {
      try {
        parseTimestamp(text, { inputTimeZone: zone });
        return 'no error';
      } catch (e) {
        return (e as Error).name;
      }
    }),
    periods: PERIOD_CASES.map(([zone, text]) => createPeriodCalendar(zone).periodOf(parseTimestamp(text))),
    starts: START_CASES.map(([zone, period]) => formatInstant({ epochMs: createPeriodCalendar(zone).periodStartMs(period), nanos: 0 })),
  };
}

describe('time functions do not depend on the machine time zone', () => {
  const original = process.env.TZ;

  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  it('the fixed table holds under UTC', () => {
    process.env.TZ = 'UTC';
    for (const [text, zone, expected] of PARSE_CASES) {
      expect(formatInstant(parseTimestamp(text, { inputTimeZone: zone }))).toBe(expected);
    }
    for (const [text, zone] of GAP_CASES) {
      expect(() => parseTimestamp(text, { inputTimeZone: zone })).toThrow('daylight-saving gap');
    }
    for (const [zone, text, period] of PERIOD_CASES) {
      expect(createPeriodCalendar(zone).periodOf(parseTimestamp(text))).toBe(period);
    }
    for (const [zone, period, start] of START_CASES) {
      expect(formatInstant({ epochMs: createPeriodCalendar(zone).periodStartMs(period), nanos: 0 })).toBe(start);
    }
  });

  it.skipIf(!isMainThread).each(MACHINE_ZONES)('gives the same results with TZ=%s', (tz) => {
    process.env.TZ = tz;
    // The switch must be real, or this test proves nothing.
    expect(new Date(2025, 0, 15, 12).getTimezoneOffset()).toBe(EXPECTED_LOCAL_OFFSET_MINUTES[tz]);
    expect(snapshot()).toEqual(EXPECTED_TABLE);
  });

  it('leaves the machine zone as it found it (runs after the others in this file)', () => {
    expect(process.env.TZ).toBe(original);
  });

  it('gives the same results in a child process under every machine zone', () => {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT, JSON.stringify(CHILD_INPUT)], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
      timeout: 60_000,
    });
    const results = JSON.parse(output) as Record<string, { offset: number; table: unknown }>;
    expect(Object.keys(results)).toEqual([...MACHINE_ZONES]);
    for (const tz of MACHINE_ZONES) {
      expect(results[tz]!.offset, `Date's local offset under TZ=${tz}`).toBe(EXPECTED_LOCAL_OFFSET_MINUTES[tz]);
      expect(results[tz]!.table, `results under TZ=${tz}`).toEqual(EXPECTED_TABLE);
    }
  }, 90_000);
});
