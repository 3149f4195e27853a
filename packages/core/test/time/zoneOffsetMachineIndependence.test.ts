import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { zoneOffsetMs } from '../../src/time/timeZone.js';

/*
 * zoneOffsetMs reads a zone's UTC offset AT AN INSTANT, and the answer must not depend
 * on the machine's TZ. The table pins DST edges (the millisecond before and the
 * instant of each switch, and instants inside the hour after a fall-back), 1970 and 1900
 * for a few zones.
 *
 * Why not date-fns-tz's getTimezoneOffset(zone, date)? It does not read the offset at an
 * instant: it takes the Date's MACHINE-LOCAL fields (getFullYear, getHours, ...) as a
 * wall-clock time in `zone` (tzParseTimezone without isUtcDate). date-fns-tz 3.2.0 on
 * Node 20 gives the old offset for the hour after a fall-back even under TZ=UTC
 * (Europe/Berlin at 2025-10-26T01:30Z: +2h, which is wrong; the right answer is +1h), its
 * answers near a switch change with the machine zone (Berlin at 2025-10-26T02:00Z:
 * +1h under TZ=UTC, +2h under TZ=America/New_York), and it is wrong before 1 AD (no era).
 * The rows marked "date-fns-tz differs" below are the cases it gets wrong.
 *
 * As in machineTimeZone.test.ts: assigning process.env.TZ only takes effect on a main
 * thread, so the in-process check is skipped in a worker and the table is also checked in
 * a child Node process started under a non-UTC zone.
 */

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const HOUR = 3_600_000;
const MIN = 60_000;

const MACHINE_ZONES = ['UTC', 'America/New_York', 'Pacific/Apia'] as const;

/** Date's local offset in January 2025 under each machine zone: proof the switch took effect. */
const EXPECTED_LOCAL_OFFSET_MINUTES: Record<(typeof MACHINE_ZONES)[number], number> = {
  UTC: 0,
  'America/New_York': 5 * 60,
  'Pacific/Apia': -13 * 60,
};

/** [zone, instant, ms added to the instant, offset in ms east of UTC]. */
const OFFSET_CASES: ReadonlyArray<readonly [string, string, number, number]> = [
  // Berlin springs forward at 01:00Z and falls back at 01:00Z.
  ['Europe/Berlin', '2025-03-30T01:00:00Z', -1, HOUR],
  ['Europe/Berlin', '2025-03-30T01:00:00Z', 0, 2 * HOUR],
  ['Europe/Berlin', '2025-10-26T01:00:00Z', -1, 2 * HOUR],
  ['Europe/Berlin', '2025-10-26T01:00:00Z', 0, HOUR], // date-fns-tz differs
  ['Europe/Berlin', '2025-10-26T01:30:00Z', 0, HOUR], // date-fns-tz differs
  ['Europe/Berlin', '2025-10-26T02:00:00Z', 0, HOUR], // date-fns-tz differs under TZ=America/New_York
  ['America/New_York', '2025-03-09T07:00:00Z', -1, -5 * HOUR],
  ['America/New_York', '2025-03-09T07:00:00Z', 0, -4 * HOUR],
  ['America/New_York', '2025-11-02T06:00:00Z', -1, -4 * HOUR],
  ['America/New_York', '2025-11-02T06:00:00Z', 0, -5 * HOUR], // date-fns-tz differs
  ['America/New_York', '2025-11-02T06:30:00Z', 0, -5 * HOUR], // date-fns-tz differs
  // The southern hemisphere falls back in April and springs forward in October.
  ['Australia/Sydney', '2025-04-05T16:00:00Z', -1, 11 * HOUR],
  ['Australia/Sydney', '2025-04-05T16:00:00Z', 0, 10 * HOUR], // date-fns-tz differs
  ['Australia/Sydney', '2025-10-04T16:00:00Z', -1, 10 * HOUR],
  ['Australia/Sydney', '2025-10-04T16:00:00Z', 0, 11 * HOUR],
  // Samoa skipped 2011-12-30: UTC−10 until 10:00Z, then UTC+14.
  ['Pacific/Apia', '2011-12-30T10:00:00Z', -1, -10 * HOUR],
  ['Pacific/Apia', '2011-12-30T10:00:00Z', 0, 14 * HOUR],
  // 1970.
  ['Europe/Berlin', '1970-01-01T00:00:00Z', 0, HOUR],
  ['America/New_York', '1970-01-01T00:00:00Z', 0, -5 * HOUR],
  ['Asia/Kolkata', '1970-01-01T00:00:00Z', 0, 5 * HOUR + 30 * MIN],
  ['Pacific/Apia', '1970-01-01T00:00:00Z', 0, -11 * HOUR],
  // 1900: Madras time (+5:21:10) in Kolkata, local mean time (−11:26:56) in Apia.
  ['Europe/Berlin', '1900-01-01T00:00:00Z', 0, HOUR],
  ['America/New_York', '1900-01-01T00:00:00Z', 0, -5 * HOUR],
  ['Asia/Kolkata', '1900-01-01T00:00:00Z', 0, 5 * HOUR + 21 * MIN + 10_000],
  ['Asia/Tokyo', '1900-01-01T00:00:00Z', 0, 9 * HOUR],
  ['Pacific/Apia', '1900-01-01T00:00:00Z', 0, -(11 * HOUR + 26 * MIN + 56_000)],
];

const EXPECTED = OFFSET_CASES.map(([, , , offset]) => offset);

function table(): number[] {
  return OFFSET_CASES.map(([zone, instant, delta]) => zoneOffsetMs(zone, Date.parse(instant) + delta));
}

/** Loads the core's TypeScript sources through Vite, then computes the table under each machine zone. */
const CHILD_SCRIPT = `
const input = JSON.parse(process.argv[1]);
const { createViteServer } = await import('vitest/node');
const server = await createViteServer({
  root: process.cwd(), configFile: false, logLevel: 'silent', appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false }, optimizeDeps: { noDiscovery: true, include: [] },
});
try {
  const { zoneOffsetMs } = await server.ssrLoadModule('/packages/core/src/time/timeZone.ts');
  const results = {};
  for (const tz of input.zones) {
    process.env.TZ = tz;
    results[tz] = {
      offset: new Date(2025, 0, 15, 12).getTimezoneOffset(),
      table: input.cases.map(([zone, instant, delta]) => zoneOffsetMs(zone, Date.parse(instant) + delta)),
    };
  }
  process.stdout.write(JSON.stringify(results));
} finally {
  await server.close();
}
`;

describe('zoneOffsetMs does not depend on the machine time zone', () => {
  const original = process.env.TZ;

  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  it.each(OFFSET_CASES)('%s at %s %+i ms is %i ms east of UTC', (zone, instant, delta, offset) => {
    expect(zoneOffsetMs(zone, Date.parse(instant) + delta)).toBe(offset);
  });

  it.skipIf(!isMainThread).each(MACHINE_ZONES)('gives the same offsets with TZ=%s', (tz) => {
    process.env.TZ = tz;
    expect(new Date(2025, 0, 15, 12).getTimezoneOffset()).toBe(EXPECTED_LOCAL_OFFSET_MINUTES[tz]);
    expect(table()).toEqual(EXPECTED);
  });

  it('gives the same offsets in a child process started under a non-UTC zone, under every machine zone', () => {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT, JSON.stringify({ zones: MACHINE_ZONES, cases: OFFSET_CASES })], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, TZ: 'Pacific/Apia' },
      timeout: 60_000,
    });
    const results = JSON.parse(output) as Record<string, { offset: number; table: number[] }>;
    expect(Object.keys(results)).toEqual([...MACHINE_ZONES]);
    for (const tz of MACHINE_ZONES) {
      expect(results[tz]!.offset, `Date's local offset under TZ=${tz}`).toBe(EXPECTED_LOCAL_OFFSET_MINUTES[tz]);
      expect(results[tz]!.table, `offsets under TZ=${tz}`).toEqual(EXPECTED);
    }
  }, 90_000);
});
