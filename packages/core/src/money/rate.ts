import { InvalidArgumentError, InvalidRateError } from '../errors.js';
import { parseDecimal } from './parseDecimal.js';

/** Rates (fee percentages as fractions) carry at most this many fractional digits. */
export const MAX_RATE_FRACTION_DIGITS = 12;

/**
 * A non-negative decimal fraction such as a fee rate: 5% is `0.05`, held as
 * 5 at scale 2. Multiplying money by a rate is exact (see `Money.multiply`).
 */
export class Rate {
  readonly units: bigint;
  readonly scale: number;

  constructor(units: bigint, scale: number) {
    if (units < 0n) throw new InvalidRateError(`a rate must not be negative`);
    if (!Number.isInteger(scale) || scale < 0) {
      throw new InvalidArgumentError(`byok-billing: scale must be a non-negative integer, got ${scale}`);
    }
    this.units = units;
    this.scale = scale;
  }

  /** Canonical decimal form, e.g. `0.05`. */
  toString(): string {
    let units = this.units;
    let scale = this.scale;
    while (scale > 0 && units % 10n === 0n) {
      units /= 10n;
      scale--;
    }
    const digits = units.toString();
    if (scale === 0) return digits;
    return digits.length > scale
      ? `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`
      : `0.${digits.padStart(scale, '0')}`;
  }

  /** Percentage text for people, e.g. `5%` or `2.5%`. */
  toPercentString(): string {
    return `${new Rate(this.units * 100n, this.scale).toString()}%`;
  }

  equals(other: Rate): boolean {
    return this.toString() === other.toString();
  }

  toJSON(): string {
    return this.toString();
  }
}

/**
 * Reads a rate written as a plain decimal fraction.
 *
 * @example
 * parseRate('0.05').toPercentString() //=> '5%'
 */
export function parseRate(text: string, field?: string): Rate {
  const parsed = parseDecimal(text, { maxFractionDigits: MAX_RATE_FRACTION_DIGITS, allowNegative: false });
  if (typeof parsed === 'string') {
    throw new InvalidRateError(`${field ? `${field} ` : ''}${JSON.stringify(text)}: ${parsed}`, field);
  }
  return new Rate(parsed.units, parsed.scale);
}
