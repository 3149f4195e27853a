import { Money, ROUNDING_MODES, type RoundingModeName, roundMoney } from '@byok-billing/core';

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * An exact amount of a report read from its decimal string. Unlike `parseMoney` (log
 * costs, at most 12 fractional digits) any number of fractional digits is accepted: a
 * fee is a cost times a rate, so it can carry more digits than the cost did.
 */
export function reportAmount(exact: string): Money {
  const m = DECIMAL.exec(exact);
  if (!m) throw new RangeError(`byok: the what-if report holds ${JSON.stringify(exact)} where a decimal amount belongs`);
  const [, sign, int, frac = ''] = m;
  const units = BigInt(`${int}${frac}`);
  return new Money(sign === '-' ? -units : units, frac.length);
}

/**
 * Money for people: the exact decimal string of a report rounded to cents (display only).
 * The rounding works on the decimal string with the core's exact arithmetic; no amount
 * ever becomes a JavaScript number.
 */
export function centsOf(exact: string, rounding: RoundingModeName): string {
  return roundMoney(reportAmount(exact), 2, ROUNDING_MODES[rounding]).rounded.toFixedScale(2);
}

/** `1234567` → `1,234,567` (digits only). */
function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function splitSign(fixed: string): { negative: boolean; body: string } {
  const negative = fixed.startsWith('-');
  const unsigned = negative ? fixed.slice(1) : fixed;
  const [int = '0', frac] = unsigned.split('.');
  return { negative, body: frac === undefined ? group(int) : `${group(int)}.${frac}` };
}

/** `-1234.5` → `-$1,234.50` */
export function formatUsd(exact: string, rounding: RoundingModeName): string {
  const { negative, body } = splitSign(centsOf(exact, rounding));
  return `${negative ? '-' : ''}$${body}`;
}

/** A change: `+$12.30`, `-$0.07`, or `$0.00` when it rounds to nothing. */
export function formatUsdChange(exact: string, rounding: RoundingModeName): string {
  const cents = centsOf(exact, rounding);
  const { negative, body } = splitSign(cents);
  if (/^-?0\.00$/.test(cents)) return `$${body}`;
  return `${negative ? '-' : '+'}$${body}`;
}

/** A percentage string of the report (already rounded to 2 places): `+12.50%`; null → `n/a`. */
export function formatPctChange(exact: string | null, rounding: RoundingModeName): string {
  if (exact === null) return 'n/a';
  const fixed = centsOf(exact, rounding);
  const { negative, body } = splitSign(fixed);
  if (/^-?0\.00$/.test(fixed)) return `${body}%`;
  return `${negative ? '-' : '+'}${body}%`;
}

/** A count: `1843217` → `1,843,217`. */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return String(n);
  return `${n < 0 ? '-' : ''}${group(String(Math.abs(n)))}`;
}

/**
 * A short dollar label for a histogram bound: whole dollars without cents (`$1,000`),
 * otherwise cents (`$0.50`).
 */
export function formatUsdBound(exact: string, rounding: RoundingModeName): string {
  const cents = centsOf(exact, rounding);
  const whole = cents.endsWith('.00') ? cents.slice(0, -3) : cents;
  const { negative, body } = splitSign(whole);
  return `${negative ? '-' : ''}$${body}`;
}
