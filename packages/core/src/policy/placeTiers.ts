import { type AccountSettings, freeBoundOf } from '../accounts/accounts.js';
import type { Rate } from '../money/rate.js';
import { type FeeSchedule, type FeeTerms, type FeeTier, type FeeUnit, freezeFeeTerms } from './feeTerms.js';
import type { Policy } from './policyTypes.js';

/** The units a policy's versions count, in first-use order: what `parseAccounts` needs to read `free_requests`. */
export function feeUnitsOf(policy: Pick<Policy, 'versions'>): FeeUnit[] {
  return [...new Set(policy.versions.map((version) => version.feeTerms.unit))];
}

function placeSchedule<B extends number | bigint>(schedule: FeeSchedule<B>, free: B | undefined, feeRate: Rate | undefined): FeeSchedule<B> {
  let tiers: readonly FeeTier<B>[] = schedule.tiers;
  let hasFree = schedule.free;
  if (free !== undefined && hasFree) {
    // The free tier now ends at `free`; the tiers it reaches cover nothing and are left out
    // (a free tier of 0 covers nothing either: then the schedule has none), so bounds still
    // strictly increase.
    const rest = tiers.slice(1).filter((tier) => tier.upTo === null || tier.upTo > free);
    hasFree = !(free === 0 || free === 0n);
    tiers = hasFree ? [{ upTo: free, rate: tiers[0]!.rate }, ...rest] : rest;
  }
  // Only rates > 0 change: a tier stays free or paid (`free` says which), even at rate 0.
  if (feeRate !== undefined) tiers = tiers.map((tier) => (tier.rate.units > 0n ? { upTo: tier.upTo, rate: feeRate } : tier));
  return tiers === schedule.tiers ? schedule : { name: schedule.name, free: hasFree, tiers };
}

/**
 * A scope's fee terms: the version's terms with the scope's contract terms applied
 * (docs/pricing-language.md, "Contract terms per scope"), so every engine applies them
 * the same way:
 * - `free_requests` becomes the bound of the free tier of every schedule that has one (a
 *   schedule without a free tier has none to enlarge); tiers whose bound is then ≤ that
 *   bound cover nothing and are dropped; `free_requests` 0 drops the free tier (`free`
 *   false: every request of the schedule is billable, as an allowance of 0 is today);
 * - `fee_rate` replaces the rate of every tier of rate > 0; it never makes a tier free or
 *   paid (`free` is unchanged: with `fee_rate` 0 the paid tiers stay billable, at 0);
 * - `fee_cap_usd` replaces the cap (or sets one).
 * An account that sets none of the three, or no account, gives `terms` itself.
 *
 * @example
 * placeTiers(version.feeTerms, accounts.get('org:bigco'))
 */
export function placeTiers(terms: FeeTerms, account: AccountSettings | undefined): FeeTerms {
  if (account === undefined) return terms;
  const free = freeBoundOf(account, terms.unit);
  const { feeRate, feeCapUsd } = account;
  if (free === undefined && feeRate === undefined && feeCapUsd === undefined) return terms;
  const capUsd = feeCapUsd ?? terms.capUsd;
  if (terms.unit === 'requests') {
    return freezeFeeTerms({ unit: terms.unit, schedules: terms.schedules.map((s) => placeSchedule(s, free as number | undefined, feeRate)), capUsd });
  }
  return freezeFeeTerms({ unit: terms.unit, schedules: terms.schedules.map((s) => placeSchedule(s, free as bigint | undefined, feeRate)), capUsd });
}
