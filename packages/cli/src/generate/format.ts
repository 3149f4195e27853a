import { daysInMonth } from '@byok-billing/core';
import { civilFromDays, daysFromCivil } from '@byok-billing/core/internal';
/**
 * Text helpers for generated rows: exact money from integer picodollars, UTC calendar
 * arithmetic (pure integers, no `Date`), CSV quoting.
 */

export const MS_PER_DAY = 86_400_000;
const PICO = 1_000_000_000_000;

/**
 * An integer amount of picodollars (10^-12 USD, a non-negative safe integer) as a plain
 * decimal string: no exponent, no trailing fractional zeros, `0` for zero.
 *
 * @example
 * formatPicoUsd(12_000_000_000) //=> '0.012'
 * formatPicoUsd(1_500_000_000_000) //=> '1.5'
 */
export function formatPicoUsd(pico: number): string {
  if (!Number.isSafeInteger(pico) || pico < 0) throw new RangeError(`formatPicoUsd: not a non-negative safe integer: ${pico}`);
  let whole = Math.floor(pico / PICO);
  let frac = pico - whole * PICO;
  // Guard the division's rounding: keep 0 ≤ frac < 10^12 with exact integer steps.
  if (frac < 0) {
    whole -= 1;
    frac += PICO;
  } else if (frac >= PICO) {
    whole += 1;
    frac -= PICO;
  }
  if (frac === 0) return String(whole);
  let digits = String(frac);
  digits = '000000000000'.slice(digits.length) + digits;
  let end = 12;
  while (digits.charCodeAt(end - 1) === 48) end--;
  return `${whole}.${digits.slice(0, end)}`;
}

/** Epoch ms of the first instant of the UTC month containing `epochMs`, and of the next month. */
export function utcMonthBounds(epochMs: number): [start: number, end: number] {
  const { year, month } = civilFromDays(Math.floor(epochMs / MS_PER_DAY));
  const start = daysFromCivil(year, month, 1) * MS_PER_DAY;
  const end = daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) * MS_PER_DAY;
  return [start, end];
}

/** `epochMs` plus `months` UTC calendar months (the day clamped to the target month's length). */
export function addUtcMonths(epochMs: number, months: number): number {
  const days = Math.floor(epochMs / MS_PER_DAY);
  const msOfDay = epochMs - days * MS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const m0 = month - 1 + months;
  const y = year + Math.floor(m0 / 12);
  const m = (m0 - Math.floor(m0 / 12) * 12) + 1;
  return daysFromCivil(y, m, Math.min(day, daysInMonth(y, m))) * MS_PER_DAY + msOfDay;
}

/** A CSV field, quoted (RFC 4180) only when it contains a comma, quote, CR or LF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
