import { Money } from '../money/money.js';
import { MAX_MONEY_FRACTION_DIGITS } from '../money/parseMoney.js';
import { MAX_RATE_FRACTION_DIGITS, type Rate } from '../money/rate.js';
import type { FeeSchedule, FeeTerms } from '../policy/feeTerms.js';
import { type PlacedFees, cappedFee, tierPosition } from '../ledger/tieredFee.js';

/** Fees in units of 10^-24 dollars, as tieredFee.ts sums them. */
const FEE_DIGITS = MAX_MONEY_FRACTION_DIGITS + MAX_RATE_FRACTION_DIGITS;
type Schedule = FeeSchedule<number | bigint>;

/**
 * What a bill line's fee would have been under one invoicing mistake about the tiers or the
 * cap, as a difference from the fee the policy gives (so parts of a line under two policy
 * versions add up): the invoice's fee is `line.feeUsd + delta` when it made this mistake.
 */
export interface TierMistake {
  /** The likely cause, worded as reconcile.ts words causes: `name: what the invoice did`. */
  readonly cause: string;
  readonly delta: Money;
}

/** The pricing language's evidence for one bill line (docs/pricing-language.md). */
export interface TierEvidence {
  /** Σ (fee before the cap − fee paid) of the line's requests: what the cap cut (0 when it cut nothing). */
  readonly capCut: Money;
  /** The cap that cut it (the first part's, for a line under two versions). */
  readonly capUsd: Money | undefined;
  /** The mistakes placing tiers differently, in the order they are tried. */
  readonly mistakes: readonly TierMistake[];
}

/** One way of pricing a counted request other than the policy's: its fee before the cap and whether it is free. */
type Pricing = (schedule: number, before: bigint, cost: bigint) => { readonly free: boolean; readonly feeUnits: bigint };

interface Alternative {
  readonly cause: string;
  readonly price: Pricing;
  readonly capUnits: bigint | undefined;
  /** Fees this alternative has paid so far on the line (for its cap), 10^-24 $. */
  paid: bigint;
}

const pct = (rate: Rate) => rate.toPercentString();
const ratesText = (schedules: readonly Schedule[], rateOf: (s: Schedule) => Rate, named: boolean) =>
  !named ? pct(rateOf(schedules[0]!)) : schedules.map((s) => `${pct(rateOf(s))} in ${s.name}`).join(', ');

function positionPricing(terms: FeeTerms): Pricing {
  return (schedule, before, cost) => tierPosition(terms.schedules[schedule]!, terms.unit, before, cost);
}

/** `terms` with every schedule's tiers changed by `tier` (same names, same free tier). */
function mapTiers(terms: FeeTerms, tier: (s: Schedule, i: number) => { upTo: number | bigint | null; rate: Rate }): FeeTerms {
  return { ...terms, schedules: terms.schedules.map((s) => ({ ...s, tiers: s.tiers.map((_, i) => tier(s, i)) })) } as FeeTerms;
}

/**
 * The mistakes tried, for a line whose placed terms are `fees` under a version whose own
 * terms are `policyTerms`. A finite family, each exact (tieredFee.ts's arithmetic on the
 * same counter, the line's cap applied as the policy applies it), so naming one is sound:
 * the invoice's fee is exactly what that mistake gives. Its limits: one mistake at a time
 * (a wrong tier and a missing cap together are not recognised), bounds off by exactly one
 * request, and the mistakes below only; anything else is left unnamed.
 * - every billable quantity at one tier's rate (the tier reached, or the first paid one:
 *   "volume" pricing instead of graduated), for each tier index past the free tier;
 * - unit `requests`: every bound one request later, or one earlier (an off-by-one);
 * - unit `list-usd`: a request whose cost crosses a bound billed wholly at the rate of the
 *   tier it starts in, or of the tier it ends in (not split at the bound);
 * - the free tier billed too (as if `free_requests` were 0);
 * - the policy's tiers instead of the scope's contract terms (accounts: free_requests,
 *   fee_rate, fee_cap_usd), with the policy's cap.
 */
function alternativesOf(fees: PlacedFees, policyTerms: FeeTerms, policyCapUnits: bigint | undefined): Alternative[] {
  const { terms, capUnits } = fees;
  const schedules = terms.schedules;
  const out: Alternative[] = [];
  // `cap` given (even as undefined: no cap) replaces the line's cap.
  const add = (cause: string, price: Pricing, cap: { readonly units: bigint | undefined } = { units: capUnits }) => out.push({ cause, price, capUnits: cap.units, paid: 0n });
  const unitWord = terms.unit === 'requests' ? 'request' : 'dollar of list cost';
  const longest = Math.max(...schedules.map((s) => s.tiers.length));
  for (let t = 0; t < longest; t++) {
    // Tier t of each schedule, or its last tier when it has fewer; a schedule whose pick is its
    // free tier stays as it is (billing nothing past the allowance is another mistake).
    const pick = (s: Schedule) => s.tiers[Math.min(t, s.tiers.length - 1)]!;
    const keeps = (s: Schedule) => (s.free && Math.min(t, s.tiers.length - 1) === 0) || s.tiers.every((tier, i) => (s.free && i === 0) || tier.rate.equals(pick(s).rate));
    if (schedules.every(keeps)) continue;
    const flat = mapTiers(terms, (s, i) => ({ upTo: s.tiers[i]!.upTo, rate: keeps(s) || (s.free && i === 0) ? s.tiers[i]!.rate : pick(s).rate }));
    const changed = schedules.filter((s) => !keeps(s));
    add(
      `fee at the wrong tier: the invoice bills every billable ${unitWord} at tier ${t + 1}'s rate (${ratesText(changed, (s) => pick(s).rate, schedules.length > 1)}) instead of graduating through the tiers`,
      positionPricing(flat),
    );
  }
  if (terms.unit === 'requests') {
    for (const [shift, word] of [[1, 'later'], [-1, 'earlier']] as const) {
      const shifted = mapTiers(terms, (s, i) => {
        const { upTo, rate } = s.tiers[i]!;
        return { upTo: upTo === null ? null : Math.max(0, Number(upTo) + shift), rate };
      });
      add(`fee at the wrong tier: the invoice ends every tier one request ${word} than the policy does (an off-by-one at the tier bounds)`, positionPricing(shifted));
    }
  } else {
    for (const end of ['starts', 'ends'] as const) {
      add(`fee at the wrong tier: the invoice bills a request whose list cost crosses a tier bound wholly at the rate of the tier it ${end} in, instead of splitting it at the bound`, (schedule, before, cost) => {
        const position = tierPosition(schedules[schedule]!, terms.unit, before, cost);
        const part = end === 'starts' ? position.parts[0] : position.parts[position.parts.length - 1];
        const feeUnits = part === undefined ? 0n : part.rate.units * cost * 10n ** BigInt(FEE_DIGITS - MAX_MONEY_FRACTION_DIGITS - part.rate.scale);
        return { free: position.free, feeUnits };
      });
    }
  }
  if (schedules.some((s) => s.free)) {
    const noFree = mapTiers(terms, (s, i) => ({ upTo: s.free && i === 0 ? (terms.unit === 'requests' ? 0 : 0n) : s.tiers[i]!.upTo, rate: s.tiers[i]!.rate }));
    add(`allowance not applied: the invoice bills the free tier too, at the next tier's rate`, positionPricing(noFree));
  }
  if (policyTerms !== terms) {
    add(
      `contract terms not applied: the invoice bills by the policy's tiers${policyTerms.capUsd === undefined ? ' and no cap' : ` and cap of $${policyTerms.capUsd.toString()}`}, not this scope's terms from the accounts file (free_requests, fee_rate, fee_cap_usd)`,
      positionPricing(policyTerms),
      { units: policyCapUnits },
    );
  }
  return out;
}

/**
 * Gathers the tier evidence of one line (one scope-month under one policy version) as its
 * counted requests are decided, in allowance order: what the cap cut, and what the line's
 * fee would have been under each mistake of `alternativesOf`.
 */
export class TierTally {
  private readonly alternatives: Alternative[];
  private uncapped = 0n;
  private paid = 0n;
  /** The line's counter: counted requests, and their cumulative list cost (10^-12 $). */
  private counted = 0n;
  private listUsd = 0n;

  constructor(
    private readonly fees: PlacedFees,
    policyTerms: FeeTerms,
  ) {
    const policyCap = policyTerms.capUsd;
    this.alternatives = alternativesOf(fees, policyTerms, policyCap === undefined ? undefined : policyCap.units * 10n ** BigInt(FEE_DIGITS - policyCap.scale));
  }

  /**
   * The next counted request of the line (every one, in allowance order): the schedule it
   * pays by, its list cost (10^-12 $), whether
   * its charge is a fee when it is free and when it is billable (the charge rules of its
   * route), and its fee before the cap and paid (10^-24 $).
   */
  observe(schedule: number, cost: bigint, feeWhenFree: boolean, feeWhenBillable: boolean, uncapped: bigint, paid: bigint): void {
    const before = this.fees.terms.unit === 'requests' ? this.counted : this.listUsd;
    this.counted++;
    this.listUsd += cost;
    this.uncapped += uncapped;
    this.paid += paid;
    for (const alt of this.alternatives) {
      const { free, feeUnits } = alt.price(schedule, before, cost);
      if (!(free ? feeWhenFree : feeWhenBillable)) continue;
      const fee = cappedFee(feeUnits, alt.capUnits, alt.paid);
      alt.paid += fee;
    }
  }

  finish(): TierEvidence {
    const money = (units: bigint) => new Money(units, FEE_DIGITS).normalize();
    return {
      capCut: money(this.uncapped - this.paid),
      capUsd: this.fees.terms.capUsd,
      mistakes: this.alternatives.map((alt) => ({ cause: alt.cause, delta: money(alt.paid - this.paid) })),
    };
  }
}

/** The evidence of a bill line made of several parts (a month under two policy versions): what the cap cut adds up; a mistake's delta adds up over the parts that can make it. */
export function mergeTierEvidence(a: TierEvidence, b: TierEvidence): TierEvidence {
  const mistakes = new Map(a.mistakes.map((m) => [m.cause, m.delta]));
  for (const m of b.mistakes) mistakes.set(m.cause, (mistakes.get(m.cause) ?? Money.ZERO).add(m.delta));
  return { capCut: a.capCut.add(b.capCut), capUsd: a.capUsd ?? b.capUsd, mistakes: [...mistakes].map(([cause, delta]) => ({ cause, delta })) };
}
