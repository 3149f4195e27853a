import { Money } from '../money/money.js';
import { ROUNDING_MODES, roundMoney } from '../money/rounding/roundMoney.js';
import type { RoundingModeName } from '../money/rounding/roundingMode.js';

export interface MoneyMatchOptions {
  /** How the invoice presents money (the policy's presentation by default). */
  readonly scale: number;
  readonly rounding: RoundingModeName;
  /** When given, a match is |invoiced − exact| ≤ tolerance instead of the rounded comparison. */
  readonly tolerance?: Money | undefined;
}

/** The exact amount as the invoice should present it. */
export function presented(exact: Money, options: MoneyMatchOptions): Money {
  return roundMoney(exact, options.scale, ROUNDING_MODES[options.rounding]).rounded;
}

/**
 * Whether an invoiced amount agrees with an exact recomputed one: it states the exact
 * amount (by value: `0.56250` is `0.5625`), or the exact amount rounded as the invoice
 * presents money (the policy's scale and rounding, e.g. `0.56`). Comparing only with the
 * rounded value would call an invoice that states the exact amount a mismatch whose
 * difference is 0. With a tolerance, |invoiced − exact| ≤ tolerance decides instead.
 */
export function moneyMatches(invoiced: Money, exact: Money, options: MoneyMatchOptions): boolean {
  if (options.tolerance !== undefined) {
    const diff = invoiced.subtract(exact);
    return (diff.isNegative() ? diff.negate() : diff).compare(options.tolerance) <= 0;
  }
  return invoiced.equals(exact) || invoiced.equals(presented(exact, options));
}

