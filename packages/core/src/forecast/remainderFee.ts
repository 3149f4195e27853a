import type { Money } from '../money/money.js';
import type { Rate } from '../money/rate.js';
import { type FeeSchedule, type FeeUnit, LIST_USD_BOUND_SCALE } from '../policy/feeTerms.js';
import { Ratio } from './ratio.js';

/** A scope-month's counter at the as-of instant, in dollars and requests (exact). */
export interface CounterSoFar {
  /** Counted requests so far. */
  readonly count: bigint;
  /** Their cumulative list cost, in dollars. */
  readonly listUsd: Ratio;
  /** Fees charged so far, in dollars. */
  readonly feesUsd: Ratio;
}

export const rateRatio = (rate: Rate): Ratio => new Ratio(rate.units, 10n ** BigInt(rate.scale));
export const moneyRatio = (money: Money): Ratio => new Ratio(money.units, 10n ** BigInt(money.scale));

/** A tier bound in the quantity the counter is compared with: requests, or dollars for `list-usd`. */
export function boundRatio(unit: FeeUnit, upTo: number | bigint): Ratio {
  return unit === 'requests' ? Ratio.of(upTo) : new Ratio(BigInt(upTo), 10n ** BigInt(LIST_USD_BOUND_SCALE));
}

/** The counter's quantity in the unit the tiers count. */
export function quantityOf(unit: FeeUnit, counter: { readonly count: bigint | Ratio; readonly listUsd: Ratio }): Ratio {
  if (unit === 'list-usd') return counter.listUsd;
  return typeof counter.count === 'bigint' ? Ratio.of(counter.count) : counter.count;
}

/**
 * The fee of the projected rest of the month (docs/pricing-language.md §1, applied to
 * expected quantities): `requests` more counted requests, each of list cost `averageCost`,
 * continue the scope-month's counter from `soFar`. Graduated: the part of the quantity
 * interval `(Q, Q + Δ]` in each tier pays that tier's rate — per request × `averageCost`
 * (`requests`), or per dollar (`list-usd`, Δ = requests × averageCost). The cap then
 * leaves at most `cap − fees so far`. Exact: a fraction of a request pays its fraction.
 *
 * @example
 * // 5% past 1,000 requests; 900 so far; 300 more at $0.02: 200 pay, 200 × 0.02 × 0.05
 * remainderFee('requests', shorthand(1000, 0.05), undefined, { count: 900n, … }, 300, 0.02) //=> 0.2
 */
export function remainderFee(unit: FeeUnit, schedule: FeeSchedule<number | bigint>, capUsd: Money | undefined, soFar: CounterSoFar, requests: Ratio, averageCost: Ratio): Ratio {
  const from = quantityOf(unit, soFar);
  const to = from.add(unit === 'requests' ? requests : requests.multiply(averageCost));
  let fee = Ratio.ZERO;
  let lo = Ratio.ZERO;
  for (const tier of schedule.tiers) {
    const hi = tier.upTo === null ? undefined : boundRatio(unit, tier.upTo);
    const a = from.max(lo);
    const b = hi === undefined ? to : to.min(hi);
    if (b.compare(a) > 0) {
      const quantity = b.subtract(a);
      const perUnit = unit === 'requests' ? rateRatio(tier.rate).multiply(averageCost) : rateRatio(tier.rate);
      fee = fee.add(quantity.multiply(perUnit));
    }
    if (hi !== undefined) lo = hi;
  }
  if (capUsd === undefined) return fee;
  const room = moneyRatio(capUsd).subtract(soFar.feesUsd).max(Ratio.ZERO);
  return fee.min(room);
}
