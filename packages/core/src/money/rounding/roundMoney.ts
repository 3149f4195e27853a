import { InvalidArgumentError } from '../../errors.js';
import { Money, pow10 } from '../money.js';
import { halfEven } from './halfEven.js';
import { halfUp } from './halfUp.js';
import type { RoundingMode, RoundingModeName } from './roundingMode.js';

export const ROUNDING_MODES: Readonly<Record<RoundingModeName, RoundingMode>> = Object.freeze({
  'half-even': halfEven,
  'half-up': halfUp,
});

export interface RoundedMoney {
  /** The presented value, at exactly `scale` fractional digits. */
  readonly rounded: Money;
  /** `exact - rounded`: what presentation dropped (POLICY.md D4 reports it). */
  readonly remainder: Money;
}

/**
 * Rounds an exact amount to `scale` fractional digits for presentation only.
 *
 * @example
 * roundMoney(parseMoney('0.125'), 2, halfEven).rounded.toFixedScale(2) //=> '0.12'
 * roundMoney(parseMoney('0.125'), 2, halfUp).rounded.toFixedScale(2)   //=> '0.13'
 */
export function roundMoney(amount: Money, scale: number, mode: RoundingMode): RoundedMoney {
  if (!Number.isInteger(scale) || scale < 0) {
    throw new InvalidArgumentError(`byok-billing: rounding scale must be a non-negative integer, got ${scale}`);
  }
  if (amount.scale <= scale) {
    const rounded = new Money(amount.units * pow10(scale - amount.scale), scale);
    return { rounded, remainder: Money.ZERO };
  }
  const divisor = pow10(amount.scale - scale);
  const quotient = amount.units / divisor;
  const remainder = amount.units % divisor;
  const rounded = new Money(mode(quotient, remainder, divisor), scale);
  return { rounded, remainder: amount.subtract(rounded) };
}
