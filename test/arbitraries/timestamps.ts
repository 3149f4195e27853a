import fc from 'fast-check';

/** A generated instant: the truth a rendered timestamp must parse back to. */
export interface GenInstant {
  readonly epochMs: number;
  readonly nanos: number;
}

/** Months the logs draw from: around the policy switch of 2025-10-01, later ones, a leap February. */
export const MONTHS = ['2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2028-02'] as const;

/** First millisecond of a `YYYY-MM` month, UTC. */
export function monthStartMs(month: string): number {
  return Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 1);
}

/** First millisecond of the month after. */
export function nextMonthStartMs(month: string): number {
  return Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1);
}

const nanosArb = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 999_999 }) });

/**
 * An instant in one of `months`: anywhere in the month, or within a few milliseconds of
 * its start or end (the reset at midnight UTC), with nanoseconds now and then.
 */
export function instantIn(months: readonly string[]): fc.Arbitrary<GenInstant> {
  const month = fc.constantFrom(...months);
  const anywhere = month.chain((m) => fc.integer({ min: monthStartMs(m), max: nextMonthStartMs(m) - 1 }));
  const nearStart = month.chain((m) => fc.integer({ min: monthStartMs(m), max: monthStartMs(m) + 2 }));
  const nearEnd = month.chain((m) => fc.integer({ min: nextMonthStartMs(m) - 3, max: nextMonthStartMs(m) - 1 }));
  return fc
    .tuple(fc.oneof({ weight: 4, arbitrary: anywhere }, { weight: 1, arbitrary: nearStart }, { weight: 1, arbitrary: nearEnd }), nanosArb)
    .map(([epochMs, nanos]) => ({ epochMs, nanos }));
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Local date and time of day `HH:MM:SS` (without fraction) of `ms` shifted by an offset, from Date. */
function wallClock(epochMs: number, offsetMinutes: number): { date: string; hms: string } {
  const iso = new Date(epochMs + offsetMinutes * 60_000).toISOString();
  return { date: iso.slice(0, 10), hms: iso.slice(11, 19) };
}

/** How a timestamp is written: the parts a renderer chooses at random. */
interface RenderChoice {
  readonly form: 'utc' | 'offset' | 'epoch';
  readonly offsetMinutes: number;
  readonly offsetStyle: 'colon' | 'compact' | 'hours';
  readonly separator: 'T' | 't' | ' ';
  readonly zulu: 'Z' | 'z';
  readonly extraFractionDigits: number;
  readonly omitZeroSeconds: boolean;
}

const renderChoice: fc.Arbitrary<RenderChoice> = fc.record({
  form: fc.constantFrom('utc', 'offset', 'offset', 'epoch'),
  offsetMinutes: fc.oneof(
    fc.integer({ min: -18 * 60, max: 18 * 60 }),
    fc.constantFrom(-300, -240, 60, 120, 330, 345, 540, 840, -720, 0),
  ),
  offsetStyle: fc.constantFrom('colon', 'compact', 'hours'),
  separator: fc.constantFrom('T', 'T', 't', ' '),
  zulu: fc.constantFrom('Z', 'Z', 'z'),
  extraFractionDigits: fc.integer({ min: 0, max: 9 }),
  omitZeroSeconds: fc.boolean(),
});

/** Writes an instant as FORMATS.md allows: ISO-8601 with `Z` or any offset up to ±18:00, or epoch ms. */
function render(instant: GenInstant, choice: RenderChoice): string {
  const { epochMs, nanos } = instant;
  if (choice.form === 'epoch' && nanos === 0) return String(epochMs);
  const offset = choice.form === 'offset' ? choice.offsetMinutes : 0;
  const { date, hms } = wallClock(epochMs, offset);
  const ms = ((epochMs % 1000) + 1000) % 1000;
  const nine = pad(ms, 3) + pad(nanos, 6);
  const needed = nine.replace(/0+$/, '').length;
  const digits = needed === 0 && choice.extraFractionDigits < 3 ? 0 : Math.max(needed, choice.extraFractionDigits);
  let time = hms;
  if (digits > 0) time += `.${nine.slice(0, digits)}`;
  else if (choice.omitZeroSeconds && hms.endsWith(':00')) time = hms.slice(0, 5);
  let zone: string;
  if (choice.form !== 'offset') {
    zone = choice.zulu;
  } else {
    const sign = offset < 0 ? '-' : '+';
    const hh = pad(Math.floor(Math.abs(offset) / 60), 2);
    const mm = pad(Math.abs(offset) % 60, 2);
    zone = choice.offsetStyle === 'colon' ? `${sign}${hh}:${mm}` : choice.offsetStyle === 'compact' || mm !== '00' ? `${sign}${hh}${mm}` : `${sign}${hh}`;
  }
  return `${date}${choice.separator}${time}${zone}`;
}

/** A rendering of the instant in a random form (the text must parse back to the instant). */
export function renderedTimestamp(instant: GenInstant): fc.Arbitrary<string> {
  return renderChoice.map((choice) => render(instant, choice));
}
