import type { FeeTerms } from '../policy/feeTerms.js';
import type { Instant } from '../time/instant.js';
import { type HourSlot, type RateSource, buildHourProfile, remainingPieces } from './hourProfile.js';
import { Ratio } from './ratio.js';
import { type CounterSoFar, boundRatio, quantityOf, remainderFee } from './remainderFee.js';

/**
 * A scope's month so far, as the forecast needs it: no request is kept, so a month of any
 * size takes a count per hour (`ScopeMonthCollector` in forecastCollector.ts builds it).
 */
export interface ScopeMonthSoFar {
  /** Counted (BYOK) requests per hour slot of the month. */
  readonly slotCounts: readonly number[];
  readonly count: bigint;
  /** Their list cost, and the fees charged in the scope-month, in dollars (exact). */
  readonly listUsd: Ratio;
  readonly feesUsd: Ratio;
  /** The first counted request past the free tier, in allowance order, if any. */
  readonly crossing: { readonly requestId: string; readonly instant: Instant } | undefined;
}

/** When the scope-month's free tier runs out. */
export type RunOut =
  /** A request so far was billable: the first one (allowance order) crossed the free tier. */
  | { readonly kind: 'already'; readonly requestId: string; readonly instant: Instant }
  /** The projection crosses the free tier at `instantNs` (the expected instant, to the nanosecond). */
  | { readonly kind: 'projected'; readonly instantNs: bigint }
  | { readonly kind: 'not-this-month' };

export interface ScopeProjection {
  /** Counted (BYOK) requests with instant ≤ as-of. */
  readonly requestsSoFar: bigint;
  readonly listUsdSoFar: Ratio;
  readonly feeSoFar: Ratio;
  /** Expected counted requests after as-of, and the month-end total. */
  readonly remainingRequests: Ratio;
  readonly projectedRequests: Ratio;
  /** List cost per counted request so far: what each projected request is priced at. */
  readonly averageCost: Ratio;
  readonly remainingFee: Ratio;
  readonly projectedFee: Ratio;
  /** The free tier's bound in the terms' unit (requests, or dollars for list-usd); 0 with no free tier. */
  readonly freeBound: Ratio;
  readonly runOut: RunOut;
  /** Remaining hours (whole or part) whose weekday-and-hour bucket had no complete observed hour. */
  readonly fallbackHours: number;
  readonly fallbackSource: Exclude<RateSource, 'bucket'>;
}

/** The terms the rest of the month is priced by: the placed terms and the schedule chosen for it. */
export interface RemainderTerms {
  readonly terms: FeeTerms;
  readonly schedule: number;
}

/**
 * Projects one scope-month from its decisions up to `asOfNs` (docs in forecastMonth.ts):
 * the weekday-and-hour profile of its counted requests gives the expected requests of every
 * remaining hour; they are priced at the month-so-far average list cost per counted request
 * under the scope's fee terms, continuing its counter; the free tier runs out where the
 * counter, actual then expected, first exceeds the free tier's bound.
 */
export function projectScope(month: ScopeMonthSoFar, slots: readonly HourSlot[], asOfNs: bigint, remainder: RemainderTerms): ScopeProjection {
  const { count, listUsd, feesUsd } = month;
  const soFar: CounterSoFar = { count, listUsd, feesUsd };
  const profile = buildHourProfile(slots, month.slotCounts, asOfNs);
  const pieces = remainingPieces(slots, profile, asOfNs);
  const remainingRequests = pieces.reduce((sum, p) => sum.add(p.expected), Ratio.ZERO);
  const averageCost = count === 0n ? Ratio.ZERO : listUsd.divide(Ratio.of(count));
  const { terms } = remainder;
  const schedule = terms.schedules[remainder.schedule]!;
  const remainingFee = remainderFee(terms.unit, schedule, terms.capUsd, soFar, remainingRequests, averageCost);
  const first = schedule.tiers[0]!;
  const freeBound = schedule.free && first.upTo !== null ? boundRatio(terms.unit, first.upTo) : Ratio.ZERO;

  let runOut: RunOut = { kind: 'not-this-month' };
  const crossing = month.crossing;
  if (crossing !== undefined) {
    runOut = { kind: 'already', requestId: crossing.requestId, instant: crossing.instant };
  } else {
    // Quantity per expected request: one request, or its average cost in dollars.
    const perRequest = terms.unit === 'requests' ? Ratio.of(1) : averageCost;
    let quantity = quantityOf(terms.unit, soFar);
    for (const piece of pieces) {
      const added = piece.expected.multiply(perRequest);
      const after = quantity.add(added);
      if (after.compare(freeBound) > 0 && !added.isZero()) {
        // Linear within the piece: the bound is passed a fraction (bound − quantity) / added into it.
        const fraction = freeBound.subtract(quantity).max(Ratio.ZERO).divide(added);
        const instantNs = piece.startNs + fraction.multiply(new Ratio(piece.endNs - piece.startNs)).floor();
        runOut = { kind: 'projected', instantNs };
        break;
      }
      quantity = after;
    }
  }
  return {
    requestsSoFar: count,
    listUsdSoFar: listUsd,
    feeSoFar: feesUsd,
    remainingRequests,
    projectedRequests: Ratio.of(count).add(remainingRequests),
    averageCost,
    remainingFee,
    projectedFee: feesUsd.add(remainingFee),
    freeBound,
    runOut,
    fallbackHours: pieces.filter((p) => p.source !== 'bucket').length,
    fallbackSource: profile.fallbackSource,
  };
}
