import { InvalidTimeZoneError } from '../errors.js';
import { MS_PER_DAY, daysFromCivil } from './instant.js';

/*
 * Offsets come from the platform's IANA database through Intl.DateTimeFormat, read at
 * an INSTANT. date-fns-tz was evaluated (again with 3.2.0) and left out: its
 * getTimezoneOffset(zone, date) is not an at-an-instant reader. It takes the Date's
 * machine-local fields (getFullYear, getHours, ...) as a wall-clock time in `zone`, so it
 * gives the old offset for the hour after a fall-back even under TZ=UTC (Europe/Berlin at
 * 2025-10-26T01:30Z: +2h, not +1h), its answers near a switch change with the machine zone
 * (Berlin at 2025-10-26T02:00Z: +1h under TZ=UTC, +2h under TZ=America/New_York), it is
 * wrong before 1 AD (no era), and it reads epoch 0 passed as a number as "now".
 * fromZonedTime depends on the machine zone too (2025-10-26T02:30 Europe/Berlin gave
 * 01:30Z under TZ=UTC and 00:30Z under TZ=America/New_York) and silently moves times
 * inside a DST gap. A billing engine cannot depend on the machine it runs on, so the core
 * computes offsets itself and resolves local times on top (resolveLocalTime.ts); test/time
 * runs under several TZ values to hold it to that.
 */

// A pure memo: formatters are expensive to build and depend only on the zone name.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      throw new InvalidTimeZoneError(`unknown time zone ${JSON.stringify(zone)}; use an IANA name such as Europe/Berlin`);
    }
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** UTC offset of `zone` at the instant `epochMs`, in milliseconds east of UTC. */
export function zoneOffsetMs(zone: string, epochMs: number): number {
  const fields: Record<string, number> = {};
  let beforeCommonEra = false;
  for (const part of formatterFor(zone).formatToParts(epochMs)) {
    if (part.type === 'era') beforeCommonEra = part.value === 'BC';
    else if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  // Intl writes years before 1 AD as era years (1 BC, 2 BC, ...): proleptic year 0, -1, ...
  const year = beforeCommonEra ? 1 - fields.year! : fields.year!;
  const wallMs =
    daysFromCivil(year, fields.month!, fields.day!) * MS_PER_DAY +
    fields.hour! * 3_600_000 +
    fields.minute! * 60_000 +
    fields.second! * 1000;
  const wholeSecond = epochMs - (((epochMs % 1000) + 1000) % 1000);
  return wallMs - wholeSecond;
}

/**
 * Throws `InvalidTimeZoneError` unless `zone` names an IANA zone. Fixed offsets such as
 * "+02:00" are refused: they have no daylight-saving rules, so a log or policy that
 * means a place should name it.
 */
export function assertTimeZone(zone: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) {
    throw new InvalidTimeZoneError(`unknown time zone ${JSON.stringify(zone)}; use an IANA name such as Europe/Berlin`);
  }
  formatterFor(zone);
}
