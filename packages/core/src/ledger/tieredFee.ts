import type { AccountSettings } from '../accounts/accounts.js';
import { Money, pow10 } from '../money/money.js';
import { MAX_MONEY_FRACTION_DIGITS } from '../money/parseMoney.js';
import { MAX_RATE_FRACTION_DIGITS, type Rate } from '../money/rate.js';
import { type FeeSchedule, type FeeTerms, type FeeUnit, feeTermsShorthand } from '../policy/feeTerms.js';
import { placeTiers } from '../policy/placeTiers.js';
import type { PolicyVersion } from '../policy/policyTypes.js';

/** Costs in units of 10^-12 dollars (`COST_SCALE` of lineAccumulator.ts). */
const COST_DIGITS = MAX_MONEY_FRACTION_DIGITS;
/** Fees in units of 10^-24 dollars (`FEE_SCALE` of lineAccumulator.ts). */
const FEE_DIGITS = MAX_MONEY_FRACTION_DIGITS + MAX_RATE_FRACTION_DIGITS;

/**
 * A scope's fee terms as the record ledger bills them (docs/pricing-language.md): the
 * version's `FeeTerms` with the billing scope's contract terms applied (`placeTiers`), and
 * the cap in units of 10^-24 dollars.
 */
export interface PlacedFees {
  readonly terms: FeeTerms;
  /** The cap per scope-month in units of 10^-24 dollars, or undefined for none. */
  readonly capUnits: bigint | undefined;
}

/**
 * The placed fee terms of a scope under `version`, or undefined when they are exactly the
 * shorthand the version's `parameters` say (`allowance` as placed, `feeRate`): then the
 * ledgers bill them as they always have (a line's fee is its rate times its fee-paying costs).
 */
export function placedFees(version: PolicyVersion, account: AccountSettings | undefined, allowance: number): PlacedFees | undefined {
  const terms = placeTiers(version.feeTerms, account);
  const short = feeTermsShorthand(terms);
  if (short !== undefined && short.allowance === allowance && short.feeRate.equals(version.parameters.feeRate)) return undefined;
  return { terms, capUnits: terms.capUsd === undefined ? undefined : unitsAtScale(terms.capUsd, FEE_DIGITS) };
}

function unitsAtScale(amount: Money, scale: number): bigint {
  return amount.scale === scale ? amount.units : amount.units * pow10(scale - amount.scale);
}

/** The part of a request's quantity interval that lies in one tier, and what it pays. */
export interface TierPart {
  /** The tier's index in its schedule (0-based, in the scope's placed tiers). */
  readonly tier: number;
  /**
   * The part `(from, to]` of the scope-month's cumulative quantity: counted requests
   * (`requests`: the request's ordinal is `to`), or units of 10^-12 dollars (`list-usd`).
   */
  readonly from: bigint;
  readonly to: bigint;
  readonly rate: Rate;
  /** rate × the list cost (`requests`) or rate × the part's dollars (`list-usd`), exactly. */
  readonly fee: Money;
}

/** Where one counted request lies in its schedule's tiers, and its fee before the cap. */
export interface TierPosition {
  /** All of it lies in the schedule's free tier (or it covers nothing: a zero-cost list-usd request). */
  readonly free: boolean;
  /** Its fee before the cap, in units of 10^-24 dollars. */
  readonly feeUnits: bigint;
  readonly parts: readonly TierPart[];
}

const rateFeeUnits = (rate: Rate, quantity: bigint, quantityDigits: number): bigint => rate.units * quantity * pow10(FEE_DIGITS - quantityDigits - rate.scale);

/**
 * A counted request's position in `schedule` (docs/pricing-language.md §1). `before` is the
 * scope-month's counter before it: its count of counted requests (`requests`) or their
 * cumulative list cost in 10^-12 dollars (`list-usd`); `cost` its list cost in 10^-12 dollars.
 * - `requests`: its ordinal `before + 1` lies in one tier; it pays that tier's rate × its cost.
 * - `list-usd`: it covers `(before, before + cost]` and pays, for every tier, the rate × the
 *   dollars of the interval in the tier.
 * Free: all of it in the schedule's free tier (`FeeSchedule.free`), or a zero-cost list-usd request.
 */
export function tierPosition(schedule: FeeSchedule<number | bigint>, unit: FeeUnit, before: bigint, cost: bigint): TierPosition {
  const tiers = schedule.tiers;
  const parts: TierPart[] = [];
  if (unit === 'requests') {
    const ordinal = before + 1n;
    let lo = 0n;
    for (let i = 0; i < tiers.length; i++) {
      const tier = tiers[i]!;
      const hi = tier.upTo === null ? null : BigInt(tier.upTo);
      if (lo < ordinal && (hi === null || ordinal <= hi)) {
        const feeUnits = rateFeeUnits(tier.rate, cost, COST_DIGITS);
        parts.push({ tier: i, from: before, to: ordinal, rate: tier.rate, fee: new Money(feeUnits, FEE_DIGITS).normalize() });
        return { free: schedule.free && i === 0, feeUnits, parts };
      }
      if (hi !== null) lo = hi;
    }
    throw new Error(`byok-billing: no tier of schedule ${schedule.name} holds ordinal ${ordinal}`);
  }
  const from = before;
  const to = before + cost;
  let feeUnits = 0n;
  let lo = 0n;
  for (let i = 0; i < tiers.length; i++) {
    const tier = tiers[i]!;
    const hi = tier.upTo === null ? null : BigInt(tier.upTo);
    const a = from > lo ? from : lo;
    const b = hi === null || to < hi ? to : hi;
    if (b > a) {
      const fee = rateFeeUnits(tier.rate, b - a, COST_DIGITS);
      feeUnits += fee;
      parts.push({ tier: i, from: a, to: b, rate: tier.rate, fee: new Money(fee, FEE_DIGITS).normalize() });
    }
    if (hi !== null) lo = hi;
  }
  const first = tiers[0]!;
  const free = cost === 0n || (schedule.free && first.upTo !== null && to <= BigInt(first.upTo));
  return { free, feeUnits, parts };
}

/** A fee of `feeUnits` (10^-24 $) under a cap of `capUnits` when `feesSoFar` have been paid: what is paid. */
export function cappedFee(feeUnits: bigint, capUnits: bigint | undefined, feesSoFar: bigint): bigint {
  if (capUnits === undefined) return feeUnits;
  const room = capUnits > feesSoFar ? capUnits - feesSoFar : 0n;
  return feeUnits < room ? feeUnits : room;
}
