import type { FeeTerms } from '../policy/feeTerms.js';
import { compareUtf8 } from '../ledger/compareUtf8.js';
import type { Instant } from '../time/instant.js';
import { type HourSlot, type RateSource, buildHourProfile, remainingPieces } from './hourProfile.js';
import { Ratio } from './ratio.js';
import { type CounterSoFar, boundRatio, quantityOf, remainderFee } from './remainderFee.js';

/** One of the scope-month's decisions up to the as-of instant, as the forecast needs it. */
export interface ForecastRequest {
  readonly requestId: string;
  readonly instant: Instant;
  readonly instantNs: bigint;
  /** Counted toward the allowance (a BYOK request, under the version's `counts`). */
  readonly counted: boolean;
  /** Counted and past the free tier. */
  readonly billable: boolean;
  /** List cost and fee charged, in dollars (exact). */
  readonly costUsd: Ratio;
  readonly feeUsd: Ratio;
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
export function projectScope(requests: readonly ForecastRequest[], slots: readonly HourSlot[], asOfNs: bigint, remainder: RemainderTerms): ScopeProjection {
  const counted = requests.filter((r) => r.counted);
  const count = BigInt(counted.length);
  const listUsd = counted.reduce((sum, r) => sum.add(r.costUsd), Ratio.ZERO);
  const feesUsd = requests.reduce((sum, r) => sum.add(r.feeUsd), Ratio.ZERO);
  const soFar: CounterSoFar = { count, listUsd, feesUsd };
  const profile = buildHourProfile(
    slots,
    counted.map((r) => r.instantNs),
    asOfNs,
  );
  const pieces = remainingPieces(slots, profile, asOfNs);
  const remainingRequests = pieces.reduce((sum, p) => sum.add(p.expected), Ratio.ZERO);
  const averageCost = count === 0n ? Ratio.ZERO : listUsd.divide(Ratio.of(count));
  const { terms } = remainder;
  const schedule = terms.schedules[remainder.schedule]!;
  const remainingFee = remainderFee(terms.unit, schedule, terms.capUsd, soFar, remainingRequests, averageCost);
  const first = schedule.tiers[0]!;
  const freeBound = schedule.free && first.upTo !== null ? boundRatio(terms.unit, first.upTo) : Ratio.ZERO;

  let runOut: RunOut = { kind: 'not-this-month' };
  const crossing = [...counted].sort(allowanceOrder).find((r) => r.billable);
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

/** Allowance order (POLICY.md D1): by instant, then request_id in UTF-8 byte order. */
function allowanceOrder(a: ForecastRequest, b: ForecastRequest): number {
  if (a.instantNs !== b.instantNs) return a.instantNs < b.instantNs ? -1 : 1;
  return compareUtf8(a.requestId, b.requestId);
}
