/**
 * JSON numbers to plain decimals, exactly. A gateway writes a cost as a JSON number
 * (`0.0006`, `1.5e-7`, `2E-5`), and the request log takes only plain decimals with at
 * most 12 fractional digits (FORMATS.md). The conversion works on the number's digits as
 * written, never on a JavaScript number, so `0.1` stays `0.1` and `1e-7` becomes
 * `0.0000001` with no binary rounding on the way.
 */

/** The JSON number grammar (RFC 8259 §6): the only text this converter reads. */
const JSON_NUMBER = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * A bound on the digits a converted amount may have before the point: it keeps an
 * exponent like `1e999999999` from building a billion-character string, and no single
 * request costs 10^30 dollars.
 */
const MAX_INTEGER_DIGITS = 30;

export type DecimalConversion = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

/**
 * The plain decimal a JSON number's text stands for: no exponent, no leading or trailing
 * zeros beyond what the value needs, `0` for zero (also for `-0`). Fails, with a reason,
 * when the value needs more than `maxFractionDigits` digits after the point: rounding it
 * would change money, which byok never does silently.
 *
 * @example
 * jsonNumberToDecimal('1.5e-7', 12) //=> { ok: true, text: '0.00000015' }
 * jsonNumberToDecimal('0.30000000000000004', 12).ok //=> false (17 fractional digits)
 */
export function jsonNumberToDecimal(source: string, maxFractionDigits: number): DecimalConversion {
  const match = JSON_NUMBER.exec(source);
  if (match === null) return { ok: false, reason: 'is not a JSON number' };
  const [, sign, intDigits = '', fracDigits = '', exponentText] = match;
  let digits = intDigits + fracDigits;
  // Leading zeros carry no value; all zeros is zero whatever the exponent says.
  digits = digits.replace(/^0+/, '');
  if (digits === '') return { ok: true, text: '0' };
  const exponentAbsDigits = exponentText === undefined ? '0' : exponentText.replace(/^[+-]/, '').replace(/^0+(?=.)/, '');
  // Far beyond any amount; checked on the text so a huge exponent never becomes a number.
  if (exponentAbsDigits.length > 6) return { ok: false, reason: `exponent ${exponentText} is out of range for an amount of money` };
  // value = digits × 10^shift
  let shift = (exponentText === undefined ? 0 : Number(exponentText)) - fracDigits.length;
  const trailing = /0+$/.exec(digits);
  if (trailing !== null) {
    digits = digits.slice(0, -trailing[0].length);
    shift += trailing[0].length;
  }
  let text: string;
  if (shift >= 0) {
    if (digits.length + shift > MAX_INTEGER_DIGITS) return { ok: false, reason: `is too large for an amount of money (${digits.length + shift} integer digits)` };
    text = digits + '0'.repeat(shift);
  } else {
    const fraction = -shift;
    if (fraction > maxFractionDigits) {
      return {
        ok: false,
        reason: `has ${fraction} fractional digits once written as a plain decimal; the request log keeps at most ${maxFractionDigits}, and byok does not round money`,
      };
    }
    const padded = digits.padStart(fraction + 1, '0');
    text = `${padded.slice(0, padded.length - fraction)}.${padded.slice(padded.length - fraction)}`;
  }
  return { ok: true, text: sign === '-' ? `-${text}` : text };
}
