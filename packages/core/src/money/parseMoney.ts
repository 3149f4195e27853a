import { InvalidMoneyError } from '../errors.js';
import { Money } from './money.js';
import { parseDecimal } from './parseDecimal.js';

/** Costs in the log carry at most this many fractional digits (FORMATS.md). */
export const MAX_MONEY_FRACTION_DIGITS = 12;

export interface ParseMoneyOptions {
  /** Accept a leading `-` (differences, adjustments). Default: false, costs are ≥ 0. */
  readonly allowNegative?: boolean;
  /** The field being read, named in the error. */
  readonly field?: string;
}

/**
 * Reads a plain decimal amount of dollars exactly.
 *
 * @example
 * parseMoney('0.012000').toString() //=> '0.012'
 * parseMoney('1e-3') // throws InvalidMoneyError: exponent notation is not accepted
 */
export function parseMoney(text: string, options: ParseMoneyOptions = {}): Money {
  const parsed = parseDecimal(text, {
    maxFractionDigits: MAX_MONEY_FRACTION_DIGITS,
    allowNegative: options.allowNegative ?? false,
  });
  if (typeof parsed === 'string') {
    const where = options.field ? `${options.field} ` : '';
    throw new InvalidMoneyError(`${where}${JSON.stringify(text)}: ${parsed}`, options.field);
  }
  return new Money(parsed.units, parsed.scale);
}
