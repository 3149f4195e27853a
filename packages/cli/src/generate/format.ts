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

/** The proleptic Gregorian date of a day number since 1970-01-01 (H. Hinnant's algorithm). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Day number since 1970-01-01 of a proleptic Gregorian date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
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
