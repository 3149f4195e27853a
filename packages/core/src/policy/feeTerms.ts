import type { Money } from '../money/money.js';
import { MAX_MONEY_FRACTION_DIGITS } from '../money/parseMoney.js';
import { Rate } from '../money/rate.js';

/**
 * What a version's fee tiers count (docs/pricing-language.md §1): `requests`, each counted
 * request one unit, or `list-usd`, each counted request its list cost in dollars.
 */
export const FEE_UNITS = ['requests', 'list-usd'] as const;
export type FeeUnit = (typeof FEE_UNITS)[number];

/**
 * `list-usd` bounds are integers in units of 10^-12 dollars: the scale the ledgers sum
 * costs at (`COST_SCALE` of ledger/lineAccumulator.ts, the finest a cost can have), so a
 * bound compares with a scope-month's cumulative list cost without any conversion.
 */
export const LIST_USD_BOUND_SCALE = MAX_MONEY_FRACTION_DIGITS;

/** The name of the one schedule the shorthand `allowance` + `feeRate` means. */
export const SHORTHAND_SCHEDULE = 'default';

/**
 * One tier: the quantity interval `(previous bound, upTo]` of the scope-month's cumulative
 * quantity (the first tier starts at 0) pays `rate` per unit; the last tier has no bound.
 * `B` is `number` (a safe integer count) for `requests` and `bigint` (10^-12 dollars) for
 * `list-usd`.
 */
export interface FeeTier<B extends number | bigint> {
  readonly upTo: B | null;
  readonly rate: Rate;
}

/** A named schedule: tiers with strictly increasing bounds > 0, the last (only the last) unbounded. */
export interface FeeSchedule<B extends number | bigint> {
  readonly name: string;
  /**
   * Whether `tiers[0]` is the schedule's **free tier** (the allowance): a first tier the
   * policy gives rate 0 and a bound. A request is free only when all of it lies in the
   * free tier; a request in any other tier is billable, even at rate 0
   * (docs/pricing-language.md, "Free and billable"). Contract terms never make a tier free
   * or paid (`placeTiers`): this flag, not the rates, says which tier is free.
   */
  readonly free: boolean;
  readonly tiers: readonly FeeTier<B>[];
}

interface FeeTermsOf<U extends FeeUnit, B extends number | bigint> {
  readonly unit: U;
  /**
   * At least one schedule, ordered by name (code unit order; names are ASCII), so the
   * compiled terms depend on the document's content only, never on its key order: a
   * schedule's index is what `ScheduleChooser` gives.
   */
  readonly schedules: readonly FeeSchedule<B>[];
  /**
   * The most fee a scope pays in one period, or undefined for no cap. Money, not units at
   * a fixed scale: fees are summed finer than costs (the ledgers' FEE_SCALE, 10^-24 $),
   * and a Money (≤ 12 fractional digits) converts exactly to whatever scale an engine sums
   * at (`unitsAt(cap, scale)`).
   */
  readonly capUsd: Money | undefined;
}

export type RequestFeeTerms = FeeTermsOf<'requests', number>;
export type ListUsdFeeTerms = FeeTermsOf<'list-usd', bigint>;

/**
 * A version's compiled fee terms (docs/pricing-language.md): plain, frozen data, equal
 * (`toEqual`) for equal terms however the document spelled them. Which schedule a request
 * pays by is the version's `scheduleChooser`, compiled from `rules.schedule`.
 */
export type FeeTerms = RequestFeeTerms | ListUsdFeeTerms;

const ZERO_RATE = new Rate(0n, 0);

/** `rate` with no trailing fractional zeros (`0.050` → `0.05`), so equal rates are equal objects. */
export function normalRate(rate: Rate): Rate {
  let { units, scale } = rate;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale--;
  }
  return scale === rate.scale ? rate : new Rate(units, scale);
}

/**
 * Fee terms as frozen data in normal form: rates and the cap without trailing fractional
 * zeros, so terms that mean the same are equal (`toEqual`) however they were written.
 */
export function freezeFeeTerms<T extends FeeTerms>(terms: T): T {
  const schedules = terms.schedules.map((schedule: FeeSchedule<number | bigint>) =>
    Object.freeze({
      name: schedule.name,
      free: schedule.free,
      tiers: Object.freeze(schedule.tiers.map((tier) => Object.freeze({ upTo: tier.upTo, rate: normalRate(tier.rate) }))),
    }),
  );
  return Object.freeze({ unit: terms.unit, schedules: Object.freeze(schedules), capUsd: terms.capUsd?.normalize() }) as T;
}

/**
 * The fee terms the shorthand `allowance: A, feeRate: R` means: one schedule, "default",
 * `(up to A: 0), (beyond: R)`, or `(beyond: R)` when A is 0; unit `requests`, no cap.
 *
 * @example
 * shorthandFeeTerms(1_000_000, parseRate('0.05')).schedules[0].tiers.map((t) => [t.upTo, t.rate.toString()])
 * //=> [[1000000, '0'], [null, '0.05']]
 */
export function shorthandFeeTerms(allowance: number, feeRate: Rate): RequestFeeTerms {
  const tiers: FeeTier<number>[] = allowance > 0 ? [{ upTo: allowance, rate: ZERO_RATE }, { upTo: null, rate: feeRate }] : [{ upTo: null, rate: feeRate }];
  return freezeFeeTerms({ unit: 'requests', schedules: [{ name: SHORTHAND_SCHEDULE, free: allowance > 0, tiers }], capUsd: undefined });
}

/** Whether tiers as a policy document writes them start with a free tier: rate 0 and a bound. */
export function startsFree(tiers: readonly FeeTier<number | bigint>[]): boolean {
  const first = tiers[0]!;
  return first.rate.units === 0n && first.upTo !== null;
}

/** Whether a schedule has a free tier: the tier an account's `free_requests` and `--vary allowance` resize. */
export function hasFreeFirstTier(schedule: FeeSchedule<number | bigint>): boolean {
  return schedule.free;
}

/**
 * The shorthand that means exactly these terms, if one does: one schedule (any name), unit
 * `requests`, no cap, and tiers `(up to A: 0), (beyond: R)` or `(beyond: R)`. Until every
 * engine bills from `FeeTerms`, these are the terms they bill exactly.
 */
export function feeTermsShorthand(terms: FeeTerms): { readonly allowance: number; readonly feeRate: Rate } | undefined {
  if (terms.unit !== 'requests' || terms.capUsd !== undefined || terms.schedules.length !== 1) return undefined;
  const tiers = terms.schedules[0]!.tiers;
  const free = terms.schedules[0]!.free;
  if (tiers.length === 1 && !free) return { allowance: 0, feeRate: tiers[0]!.rate };
  if (tiers.length === 2 && free && tiers[0]!.rate.units === 0n) return { allowance: tiers[0]!.upTo!, feeRate: tiers[1]!.rate };
  return undefined;
}

/**
 * `PolicyParameters.allowance` of a version given as `fees`: the bound of the free first
 * tier when the unit is `requests` and every schedule starts with a free tier of that same
 * bound; otherwise 0. (A summary for the engines that still read the shorthand: exact
 * exactly when `feeTermsShorthand` gives terms.)
 */
export function summaryAllowance(terms: FeeTerms): number {
  if (terms.unit !== 'requests') return 0;
  const bounds = new Set(terms.schedules.map((s) => (hasFreeFirstTier(s) ? s.tiers[0]!.upTo : null)));
  if (bounds.size !== 1) return 0;
  const [bound] = bounds;
  return bound ?? 0;
}

/**
 * `PolicyParameters.feeRate` of a version given as `fees`: the rate of the first tier of
 * rate > 0 of the first schedule (by name), or 0 when it has none. (A summary, exact
 * exactly when `feeTermsShorthand` gives terms.)
 */
export function summaryFeeRate(terms: FeeTerms): Rate {
  const tiers: readonly FeeTier<number | bigint>[] = terms.schedules[0]!.tiers;
  return tiers.find((t) => t.rate.units > 0n)?.rate ?? ZERO_RATE;
}
