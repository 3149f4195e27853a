import { daysFromCivil } from '@byok-billing/core/internal';

/*
 * parseTimestamp (packages/core/src/time/parseTimestamp.ts) in DuckDB SQL: the same
 * grammar, the same range and calendar checks, the same instant. Only whether a value
 * is valid and its instant are computed here; the reason a value is refused comes from
 * parseTimestamp itself, run on the few refused rows (see reviewCsvFile), so messages
 * cannot drift apart.
 */

const MS_PER_DAY = 86_400_000;
/** Epoch milliseconds are accepted for the years 0000–9999, like ISO-8601 text. */
export const MIN_EPOCH_MS = daysFromCivil(0, 1, 1) * MS_PER_DAY;
export const MAX_EPOCH_MS = daysFromCivil(10000, 1, 1) * MS_PER_DAY - 1;

/** `[-]digits`: integer epoch milliseconds. */
const EPOCH_FORM = '-?[0-9]+';

/**
 * `YYYY-MM-DD[T t space]HH:MM[:SS[(.|,)fraction(1–9 digits)]][Z z | ±HH[[:]MM]]`, the
 * grammar parseTimestamp reads. Fractions need seconds; an offset's minutes are two digits.
 */
const ISO_FORM =
  '([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?';

/** The largest offset accepted, ±18:00. */
const MAX_OFFSET_HOURS = '18';

/**
 * Four steps, each a select list over the one before (and `text`, the timestamp cell:
 * a VARCHAR, NULL for an empty cell). The shape is checked once by a regular
 * expression without captures (a DFA: cheap); every part is then cut out at the
 * position that shape fixes, never by capture groups (several times slower). The date
 * and time of day are read by DuckDB's own timestamp cast, which refuses the same
 * impossible dates and times as parseTimestamp (month 13, 30 February, minute 60,
 * second 60) except hour 24, checked apart. Each part is computed once, in its own
 * step: DuckDB does not share a repeated subexpression.
 *
 * Step 1: the shape; whether the time has seconds; the length of the offset, found
 * from the end (Z; ±HH:MM, ±HHMM or ±HH: a sign 6, 5 or 3 characters from the end can
 * only be an offset's, the date's dashes being further left in any valid text).
 */
export function timestampShapeSql(text: string): string {
  const signAt = (fromEnd: number) => `substr(${text}, -${fromEnd}, 1) IN ('+', '-')`;
  return [
    `coalesce(regexp_full_match(${text}, '${ISO_FORM}'), false) AS ts_iso_form`,
    `substr(${text}, 17, 1) = ':' AS ts_has_seconds`,
    `CASE WHEN right(${text}, 1) IN ('Z', 'z') THEN 1 WHEN ${signAt(6)} THEN 6 WHEN ${signAt(5)} THEN 5 WHEN ${signAt(3)} THEN 3 ELSE 0 END AS ts_offset_len`,
  ].join(',\n    ');
}

/** Step 2: the wall-clock time, the offset as written, the fraction's length; the epoch form, tried only when the ISO form failed. */
export function timestampNumbersSql(text: string): string {
  // DuckDB reads `YYYY-MM-DDTHH:MM:SS` and `YYYY-MM-DD HH:MM:SS`; other shapes are rewritten so.
  const wallClockText = `CASE WHEN ts_has_seconds AND substr(${text}, 11, 1) IN ('T', ' ') THEN substr(${text}, 1, 19) ELSE substr(${text}, 1, 10) || ' ' || substr(${text}, 12, 5) || CASE WHEN ts_has_seconds THEN substr(${text}, 17, 3) ELSE ':00' END END`;
  return [
    `CASE WHEN ts_iso_form AND substr(${text}, 12, 2) <= '23' THEN TRY_CAST(${wallClockText} AS TIMESTAMP) END AS ts_wall_clock`,
    `right(${text}, ts_offset_len) AS ts_offset_text`,
    `CASE WHEN ts_has_seconds AND substr(${text}, 20, 1) IN ('.', ',') THEN length(${text}) - 20 - ts_offset_len ELSE 0 END AS ts_frac_digits`,
    `CASE WHEN ts_iso_form THEN false ELSE coalesce(regexp_full_match(${text}, '${EPOCH_FORM}'), false) END AS ts_epoch_form`,
  ].join(',\n    ');
}

/** Step 3: the fraction in nanoseconds, the epoch value. */
export function timestampPiecesSql(text: string): string {
  return [
    `CASE WHEN ts_frac_digits > 0 THEN TRY_CAST(rpad(substr(${text}, 21, ts_frac_digits), 9, '0') AS BIGINT) ELSE 0 END AS ts_fraction`,
    `CASE WHEN ts_epoch_form THEN TRY_CAST(${text} AS HUGEINT) END AS ts_epoch_value`,
  ].join(',\n    ');
}

/**
 * Step 4, the timestamp:
 * - `ts_form`: 'epoch', 'offset' (ISO with an offset), 'local' (ISO without one), or
 *   NULL when the text is no timestamp at all;
 * - `ts_local_ms`: for ISO forms, the wall-clock time as if it were UTC, whole seconds;
 * - `ts_offset_ms`: the written offset (0 for 'local' and Z);
 * - `ts_epoch_ms`: for the epoch form, its value;
 * - `ts_ms_part`, `ts_nanos`: the fraction, split at the millisecond as `Instant` is;
 * - `ts_fields_valid`: the calendar and range checks.
 */
export function timestampFieldsSql(): string {
  const signed = `substr(ts_offset_text, 1, 1) IN ('+', '-')`;
  const hours = `substr(ts_offset_text, 2, 2)`;
  // ±HH, ±HHMM or ±HH:MM: the minutes are the offset's last two characters when it has them.
  const minutes = `CASE WHEN length(ts_offset_text) > 3 THEN right(ts_offset_text, 2) ELSE '00' END`;
  // Two-digit text compares as its number does.
  const offsetValid = `(NOT ${signed} OR (${minutes} <= '59' AND (${hours} < '${MAX_OFFSET_HOURS}' OR (${hours} = '${MAX_OFFSET_HOURS}' AND ${minutes} = '00'))))`;
  const offsetMs = `CASE WHEN ${signed} THEN CASE WHEN substr(ts_offset_text, 1, 1) = '-' THEN -1 ELSE 1 END * (TRY_CAST(${hours} AS BIGINT) * 60 + TRY_CAST(${minutes} AS BIGINT)) * 60000 ELSE 0 END`;
  const epochInRange = `ts_epoch_value BETWEEN ${MIN_EPOCH_MS} AND ${MAX_EPOCH_MS}`;
  return [
    `CASE WHEN ts_epoch_form THEN 'epoch' WHEN ts_iso_form THEN CASE WHEN ts_offset_text = '' THEN 'local' ELSE 'offset' END END AS ts_form`,
    `CASE WHEN ts_epoch_form THEN coalesce(${epochInRange}, false) ELSE coalesce(ts_wall_clock IS NOT NULL AND ${offsetValid}, false) END AS ts_fields_valid`,
    `epoch_ms(ts_wall_clock) AS ts_local_ms`,
    `${offsetMs} AS ts_offset_ms`,
    `CASE WHEN ts_epoch_form AND ${epochInRange} THEN ts_epoch_value::BIGINT END AS ts_epoch_ms`,
    `ts_fraction // 1000000 AS ts_ms_part`,
    `(ts_fraction % 1000000)::INTEGER AS ts_nanos`,
  ].join(',\n    ');
}
