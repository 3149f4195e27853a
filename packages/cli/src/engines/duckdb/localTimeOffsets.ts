import { NonexistentLocalTimeError, formatInstant, parseTimestamp } from '@byok-billing/core';
import { daysFromCivil } from '@byok-billing/core/internal';

/** From `localFromMs` on (wall-clock ms written as if UTC), local times resolve to `localMs - offsetMs`; `null`: they do not exist (a DST gap). */
export interface LocalOffsetStep {
  readonly localFromMs: number;
  readonly offsetMs: number | null;
}

const MS_PER_DAY = 86_400_000;
const FIRST_LOCAL_MS = daysFromCivil(0, 1, 1) * MS_PER_DAY;
const LAST_LOCAL_MS = daysFromCivil(10000, 1, 1) * MS_PER_DAY - 1000;

/**
 * How the JavaScript engine resolves wall-clock times in `zone` (parseTimestamp with an
 * input time zone: a skipped time is an error, a repeated one takes the earlier
 * instant), as a step function over the wall-clock seconds from `fromLocalMs` to
 * `toLocalMs`, so SQL can resolve millions of rows with one ASOF join and give the very
 * same instants.
 *
 * The function is sampled once per day and every change is found by bisection to the
 * second; this holds because resolution changes at most twice a day (into and out of a
 * gap), the assumption resolveLocalTime itself makes. Only the public parseTimestamp is
 * called, so the table cannot disagree with the JavaScript engine.
 */
export function localOffsetSteps(zone: string, fromLocalMs: number, toLocalMs: number): LocalOffsetStep[] {
  const from = Math.max(FIRST_LOCAL_MS, Math.floor(fromLocalMs / 1000) * 1000);
  const to = Math.min(LAST_LOCAL_MS, toLocalMs);
  const offsetAt = (localMs: number): number | null => {
    const text = formatInstant({ epochMs: localMs, nanos: 0 }).slice(0, -1); // without the Z
    try {
      return parseTimestamp(text, { inputTimeZone: zone }).epochMs - localMs;
    } catch (error) {
      if (error instanceof NonexistentLocalTimeError) return null;
      throw error;
    }
  };
  const steps: LocalOffsetStep[] = [{ localFromMs: from, offsetMs: offsetAt(from) }];
  // The first second in (lo, hi] whose resolution differs from lo's (lo's differs from hi's).
  const firstChange = (lo: number, hi: number, before: number | null): number => {
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (offsetAt(mid) === before) lo = mid;
      else hi = mid;
    }
    return hi;
  };
  let at = from;
  let current = steps[0]!.offsetMs;
  while (at < to) {
    const next = Math.min(at + MS_PER_DAY, to);
    const offset = offsetAt(next);
    let lo = at;
    while (offset !== current) {
      const change = firstChange(lo, next, current);
      current = offsetAt(change);
      steps.push({ localFromMs: change, offsetMs: current });
      lo = change;
    }
    at = next;
  }
  return steps;
}
