import fc from 'fast-check';

const digit = fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9');

/** Up to `max` decimal digits, zeros well represented (trailing zeros must be harmless). */
export const fractionDigits = (max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.oneof({ weight: 1, arbitrary: fc.constant('0') }, { weight: 3, arbitrary: digit }), maxLength: max });

/**
 * A list cost as the log writes it (FORMATS.md `cost_usd`): a plain decimal, ≥ 0, at most
 * 12 fractional digits, zero included in several spellings, trailing zeros allowed.
 */
export const costText: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('0', '0.0', '0.000000000000', '0.10', '1', '0.000000000001', '0.012') },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom('0', '0', '0', '0', '1', '7', '42', '999', '1000000'), fractionDigits(12))
      .map(([int, frac]) => (frac === '' ? int : `${int}.${frac}`)),
  },
);

/** A signed decimal with up to 12 fractional digits (differences, adjustments). */
export const signedMoneyText: fc.Arbitrary<string> = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fractionDigits(12))
  .map(([negative, int, frac]) => `${negative ? '-' : ''}${int}${frac === '' ? '' : `.${frac}`}`);

/** The same cost written with one more trailing zero (same value, other text), when it fits in 12 digits. */
export function withTrailingZero(text: string): string {
  const point = text.indexOf('.');
  if (point < 0) return `${text}.0`;
  return text.length - point - 1 < 12 ? `${text}0` : text;
}

/** Fee rates of several scales, 0 and 1 included (rates are fractions: 5% is 0.05). */
export const feeRateText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0.05', '0', '0.1', '0.025', '0.5', '1', '0.000000000001', '0.123456789012', '0.050'),
  fc.tuple(fc.constantFrom('0', '0', '1'), fractionDigits(12)).map(([int, frac]) => (frac === '' ? int : `${int}.${frac}`)),
);
