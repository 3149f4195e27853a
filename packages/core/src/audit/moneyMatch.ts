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

/** Whether an invoiced amount agrees with an exact recomputed one. */
export function moneyMatches(invoiced: Money, exact: Money, options: MoneyMatchOptions): boolean {
  if (options.tolerance !== undefined) {
    const diff = invoiced.subtract(exact);
    return (diff.isNegative() ? diff.negate() : diff).compare(options.tolerance) <= 0;
  }
  return invoiced.equals(presented(exact, options));
}

