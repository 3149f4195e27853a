import type { Money } from '@byok-billing/core';

/**
 * How gateways write an amount as a JSON number. Exports come from services written in
 * different languages, and each prints a float its own way; an importer that only ever
 * saw one of them would break on the next. Each dialect is written from the amount's
 * exact decimal digits (never through a JavaScript number), so the text stands for
 * exactly the amount: the digits a float printer would show for it, nothing rounded.
 *
 * - `plain`: the canonical decimal, `0.0125` (what a decimal type prints).
 * - `javascript`: `Number.prototype.toString`: an exponent below 1e-6 (`1.25e-7`).
 * - `python`: `repr(float)`: an exponent below 1e-4 with two exponent digits (`1.25e-05`),
 *   and a whole number keeps `.0` (`0.0`, `2.0`).
 * - `java`: `Double.toString`: an exponent below 1e-3 or from 1e7, upper-case `E`, the
 *   mantissa always with a point (`1.25E-5`, `4.0E-5`, `0.0`).
 * - `padded`: fixed decimals padded with zeros to six places (`0.052000`), as a
 *   printf-style `%f` writes them; digits beyond six are kept, never cut.
 */
export const GATEWAY_NUMBER_DIALECTS = ['plain', 'javascript', 'python', 'java', 'padded'] as const;
export type GatewayNumberDialect = (typeof GATEWAY_NUMBER_DIALECTS)[number];

/**
 * An amount of money (≥ 0) as the JSON number text a gateway of the given dialect writes.
 *
 * @example
 * gatewayNumberText(parseMoney('0.0000125'), 'python') //=> '1.25e-05'
 * gatewayNumberText(parseMoney('0.00004'), 'java') //=> '4.0E-5'
 * gatewayNumberText(parseMoney('0'), 'python') //=> '0.0'
 */
export function gatewayNumberText(amount: Money, dialect: GatewayNumberDialect): string {
  if (amount.isNegative()) throw new RangeError(`gatewayNumberText: a negative amount ${amount.toString()}`);
  const plain = amount.toString();
  if (amount.isZero()) return dialect === 'python' || dialect === 'java' ? '0.0' : dialect === 'padded' ? '0.000000' : '0';
  switch (dialect) {
    case 'plain':
      return plain;
    case 'padded': {
      const point = plain.indexOf('.');
      const fraction = point < 0 ? 0 : plain.length - point - 1;
      return fraction >= 6 ? plain : `${point < 0 ? `${plain}.` : plain}${'0'.repeat(6 - fraction)}`;
    }
    case 'javascript':
    case 'python':
    case 'java': {
      const { digits, exponent } = scientific(amount);
      const useExponent =
        dialect === 'javascript' ? exponent < -6 || exponent >= 21 : dialect === 'python' ? exponent < -4 || exponent >= 16 : exponent < -3 || exponent >= 7;
      if (!useExponent) return dialect === 'javascript' || plain.includes('.') ? plain : `${plain}.0`;
      const rest = digits.slice(1);
      const mantissa = rest === '' ? (dialect === 'java' ? `${digits}.0` : digits) : `${digits[0]}.${rest}`;
      if (dialect === 'java') return `${mantissa}E${exponent}`;
      const sign = exponent < 0 ? '-' : '+';
      const magnitude = String(Math.abs(exponent));
      return dialect === 'python' ? `${mantissa}e${sign}${magnitude.padStart(2, '0')}` : `${mantissa}e${sign}${magnitude}`;
    }
  }
}

/** The significant digits of a non-zero amount and the power of ten of its first digit: 0.0125 → ('125', -2). */
function scientific(amount: Money): { digits: string; exponent: number } {
  const n = amount.normalize();
  let digits = n.units.toString();
  // normalize() strips trailing zeros only from the fraction: a whole number keeps them.
  const exponent = digits.length - 1 - n.scale;
  digits = digits.replace(/0+$/, '');
  return { digits, exponent };
}
