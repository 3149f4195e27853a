import { NonexistentLocalTimeError } from '../errors.js';
import { MS_PER_DAY } from './instant.js';
import { zoneOffsetMs } from './timeZone.js';

/**
 * The UTC epoch milliseconds of a wall-clock time in an IANA zone.
 *
 * `localMs` is the wall-clock time written as if it were UTC (days × 86400000 + time of
 * day). A wall-clock time that a daylight-saving jump skips (a "gap", e.g. 02:30 on the
 * night clocks spring forward) does not exist: that is an error, never a guess. A time
 * that occurs twice (the hour clocks fall back) resolves to the EARLIER instant, the
 * first time the clock showed it; this is documented in the README.
 *
 * Offsets never change twice within two days, so the offsets one day either side of the
 * wall-clock time are the only candidates.
 */
export function resolveLocalTime(localMs: number, zone: string, describe: () => string): number {
  const before = zoneOffsetMs(zone, localMs - MS_PER_DAY);
  const after = zoneOffsetMs(zone, localMs + MS_PER_DAY);
  let earliest = Number.POSITIVE_INFINITY;
  for (const offset of before === after ? [before] : [before, after]) {
    const candidate = localMs - offset;
    if (zoneOffsetMs(zone, candidate) === offset && candidate < earliest) earliest = candidate;
  }
  if (earliest === Number.POSITIVE_INFINITY) {
    throw new NonexistentLocalTimeError(
      `${describe()} does not exist in ${zone}: the clocks skip it (daylight-saving gap)`,
      'timestamp',
    );
  }
  return earliest;
}
