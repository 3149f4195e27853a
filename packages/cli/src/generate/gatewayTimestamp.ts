import { civilFromDays } from '@byok-billing/core/internal';

const MICROS_PER_MINUTE = 60_000_000;
const MICROS_PER_DAY = 86_400_000_000;

/**
 * A UTC instant in epoch microseconds written as a gateway's `created_at`: the wall
 * clock of the given UTC offset with six fractional digits and the offset spelled
 * `±HH:MM`, e.g. `2024-07-15T23:33:19.433273+00:00`. Integer arithmetic only (no `Date`):
 * microsecond instants of this century are safe integers (< 2^53).
 *
 * @example
 * gatewayTimestamp(1_761_960_600_125_004, -300) //=> '2025-10-31T20:30:00.125004-05:00'
 */
export function gatewayTimestamp(epochMicros: number, offsetMinutes: number): string {
  const local = epochMicros + offsetMinutes * MICROS_PER_MINUTE;
  const days = Math.floor(local / MICROS_PER_DAY);
  let ofDay = local - days * MICROS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const micros = ofDay % 1_000_000;
  ofDay = (ofDay - micros) / 1_000_000;
  const second = ofDay % 60;
  const minute = ((ofDay - second) / 60) % 60;
  const hour = Math.floor(ofDay / 3600);
  return `${pad(year, 4)}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.${pad(micros, 6)}${offsetText(offsetMinutes)}`;
}

/** `00` … `99`: a month of timestamps pads five two-digit fields each. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));

/** `+05:30`, `-09:30`, `+00:00`. */
export function offsetText(offsetMinutes: number): string {
  const abs = Math.abs(offsetMinutes);
  return `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
