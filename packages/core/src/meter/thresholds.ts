import { InvalidThresholdError } from '../errors.js';
import type { FeeState } from '../ledger/decideRequest.js';
import type { Placement } from '../ledger/decideRequest.js';
import { COST_SCALE } from '../ledger/lineAccumulator.js';
import { Money } from '../money/money.js';
import type { DecisionRecord } from './decisionRecord.js';

/**
 * A point in a scope-month worth telling its customer about:
 * - `percent`: the scope-month's counted quantity reached `percent`% of its allowance;
 * - `first-billable`: its first billable request.
 * `name` is how events name it ("50%", "12.5%", "first-billable") and what the store's
 * uniqueness per (scope, period, threshold) is over, so it is canonical: one spelling each.
 */
export type Threshold =
  | { readonly kind: 'percent'; readonly name: string; readonly units: bigint; readonly scale: number }
  | { readonly kind: 'first-billable'; readonly name: 'first-billable' };

/** The thresholds `createMeter` reports unless told otherwise. */
export const DEFAULT_THRESHOLD_NAMES: readonly string[] = Object.freeze(['50%', '80%', '100%', 'first-billable']);

/** Above this a percentage is surely a typo (100000% of an allowance). */
const MAX_PERCENT = 1000n;

/**
 * Thresholds from their names: `P%` with P a decimal in (0, 1000] (at most 6 fractional
 * digits), or `first-billable`. Names are made canonical ("050.0%" is "50%"), each at most once.
 *
 * @example
 * parseThresholds(['80%', '12.50%', 'first-billable']).map((t) => t.name) //=> ['12.5%', '80%', 'first-billable']
 */
export function parseThresholds(names: readonly string[]): readonly Threshold[] {
  const byName = new Map<string, Threshold>();
  for (const raw of names) {
    const threshold = parseThreshold(raw);
    if (byName.has(threshold.name)) throw new InvalidThresholdError(`threshold ${JSON.stringify(raw)} is given twice`);
    byName.set(threshold.name, threshold);
  }
  // Percentages in increasing order, then first-billable: the order one request's crossings are reported in.
  return [...byName.values()].sort(compareThresholds);
}

function parseThreshold(raw: string): Threshold {
  if (raw === 'first-billable') return { kind: 'first-billable', name: 'first-billable' };
  const match = /^(\d{1,4})(?:\.(\d{1,6}))?%$/.exec(raw);
  if (match === null) throw new InvalidThresholdError(`threshold ${JSON.stringify(raw)}: expected a percentage such as 80% or 12.5%, or first-billable`);
  let fraction = (match[2] ?? '').replace(/0+$/, '');
  const units = BigInt(match[1]! + fraction);
  const scale = fraction.length;
  const whole = BigInt(match[1]!);
  if (units === 0n || whole > MAX_PERCENT || (whole === MAX_PERCENT && scale > 0)) {
    throw new InvalidThresholdError(`threshold ${JSON.stringify(raw)}: a percentage must be more than 0% and at most ${MAX_PERCENT}%`);
  }
  fraction = fraction === '' ? '' : `.${fraction}`;
  return { kind: 'percent', name: `${whole.toString()}${fraction}%`, units, scale };
}

function compareThresholds(a: Threshold, b: Threshold): number {
  if (a.kind !== 'percent') return b.kind === 'percent' ? 1 : 0;
  if (b.kind !== 'percent') return -1;
  // a.units / 10^a.scale vs b.units / 10^b.scale, exactly.
  const l = a.units * 10n ** BigInt(b.scale);
  const r = b.units * 10n ** BigInt(a.scale);
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * What a scope-month's percentages are of: its allowance, in the quantity its counter counts.
 * - Shorthand terms (`allowance` + `feeRate`): `requests`, the placed allowance (the
 *   account's `free_requests` when it has one).
 * - Pricing-language terms: the bound of the free tier (the account's `free_requests`
 *   applied), in the terms' unit: requests, or list cost in 10^-12 dollars (`list-usd`).
 *   With several schedules (one shared counter) the smallest free bound: the earliest point
 *   at which some request of the scope-month can stop being free. No free tier: 0.
 */
export interface ThresholdAllowance {
  readonly unit: 'requests' | 'list-usd';
  readonly quantity: bigint;
}

export function thresholdAllowance(placement: Placement): ThresholdAllowance {
  const fees = placement.fees;
  if (fees === undefined) return { unit: 'requests', quantity: BigInt(placement.allowance) };
  let smallest: bigint | undefined;
  for (const schedule of fees.terms.schedules) {
    const bound = schedule.tiers[0]?.upTo;
    if (!schedule.free || bound === null || bound === undefined) continue;
    const b = BigInt(bound);
    if (smallest === undefined || b < smallest) smallest = b;
  }
  return { unit: fees.terms.unit, quantity: smallest ?? 0n };
}

/**
 * The quantity at which a percentage threshold is crossed: ⌈p% × allowance⌉, and at least
 * 1 (an allowance of 0, or one so small that p% of it rounds to 0, is reached by the first
 * unit counted: a customer with no allowance left to use is told so at once).
 *
 * @example
 * percentTarget(parseThresholds(['80%'])[0], 7n) //=> 6n (5.6 rounded up)
 */
export function percentTarget(threshold: Extract<Threshold, { kind: 'percent' }>, allowance: bigint): bigint {
  const denominator = 100n * 10n ** BigInt(threshold.scale);
  const product = threshold.units * allowance;
  const target = (product + denominator - 1n) / denominator;
  return target < 1n ? 1n : target;
}

/**
 * The highest percentage target of `thresholds` for `allowance` (0n when there is no
 * percentage): a counter already at or past it crosses no percentage any more, which lets
 * the meter skip `crossingsOf` for nearly every request of a busy month.
 */
export function highestTarget(thresholds: readonly Threshold[], allowance: bigint): bigint {
  let highest = 0n;
  for (const t of thresholds) if (t.kind === 'percent') {
    const target = percentTarget(t, allowance);
    if (target > highest) highest = target;
  }
  return highest;
}

/** A threshold crossed by a request, before the store has kept it (it has no seq yet). */
export interface ThresholdCrossing {
  readonly scope: string;
  readonly period: string;
  readonly threshold: string;
  readonly requestId: string;
  readonly instant: string;
  /** The scope-month's counted requests with the crossing request (its ordinal). */
  readonly count: number;
  /** Under `list-usd` terms, the scope-month's counted list cost with it (decimal dollars); else null. */
  readonly listUsd: string | null;
}

/** A crossing the store kept: `seq` is its place in the store's outbox (increasing in commit order). */
export interface ThresholdEvent extends ThresholdCrossing {
  readonly seq: number;
}

/** A request's counter before and after it: its count, and its fee state when the terms keep one. */
export interface CounterMove {
  readonly countBefore: number;
  readonly countAfter: number;
  readonly feesBefore: FeeState;
  readonly feesAfter: FeeState;
}

/**
 * The thresholds one decision crosses (the rule, docs in README "Threshold events"):
 * - a percentage, when the counter goes from below its target to at or above it
 *   (before < target ≤ after; requests: the count; list-usd: the counted list cost). A
 *   request that does not count moves nothing and crosses nothing; one request may cross
 *   several (a tiny allowance, a large list cost);
 * - `first-billable`, when the decision is billable and `billableSeen` is false (no earlier
 *   request of the scope-month is known to have been billable).
 * These are candidates: the store keeps each (scope, period, threshold) once and reports
 * only those it kept, so a counter moved under other terms (a policy or account change
 * mid-month) or a first-billable known to another process is never reported twice.
 */
export function crossingsOf(
  thresholds: readonly Threshold[],
  allowance: ThresholdAllowance,
  move: CounterMove,
  record: DecisionRecord,
  billableSeen: boolean,
): ThresholdCrossing[] {
  const crossings: ThresholdCrossing[] = [];
  const listUsd = allowance.unit === 'list-usd';
  const before = listUsd ? move.feesBefore.listUsdSoFar : BigInt(move.countBefore);
  const after = listUsd ? move.feesAfter.listUsdSoFar : BigInt(move.countAfter);
  const make = (threshold: string): ThresholdCrossing => ({
    scope: record.scope,
    period: record.period,
    threshold,
    requestId: record.requestId,
    instant: record.instant,
    count: move.countAfter,
    listUsd: listUsd ? new Money(move.feesAfter.listUsdSoFar, COST_SCALE).normalize().toString() : null,
  });
  for (const threshold of thresholds) {
    if (threshold.kind === 'percent') {
      if (after <= before) continue;
      const target = percentTarget(threshold, allowance.quantity);
      if (before < target && target <= after) crossings.push(make(threshold.name));
    } else if (record.status === 'billable' && !billableSeen) {
      crossings.push(make(threshold.name));
    }
  }
  return crossings;
}
